import { z } from "zod";
import { isCidr, isIpAddress } from "../components/baremetal/addresses";

/** A DNS-1123 label: what Kubernetes allows as the name of a namespace, Service or pool. */
export const dnsLabel = z
    .string()
    .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)",
    );

/** A Kubernetes resource quantity such as `1Gi`, `500Mi` or `250m`. */
export const quantity = z
    .string()
    .regex(
        /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/,
        "must be a Kubernetes quantity such as 1Gi, 500Mi or 250m",
    );

/** An IPv4 or IPv6 CIDR such as `203.0.113.0/24`. */
export const cidr = z.string().refine(isCidr, "must be a CIDR such as 203.0.113.0/24");

/** A single IPv4 or IPv6 address. */
export const ipAddress = z.string().refine(isIpAddress, "must be an IPv4 or IPv6 address");

/** Kubernetes label keys and values, as used in selectors. */
export const labelMap = z.record(
    z
        .string()
        .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a Kubernetes label key"),
    z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, "must be a Kubernetes label value"),
);
