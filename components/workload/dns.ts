// The DNS names are shared with the verification Job: one home in components/dns.ts.
export { CLUSTER_DOMAIN, podDnsNames } from "../dns";
