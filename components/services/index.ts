export { ClusterIpService, type ClusterIpServiceArgs } from "./cluster-ip-service";
export {
    EXPOSES_ANNOTATION,
    IGNORE_DANGLING_ANNOTATION,
    ExposedService,
    type ExposedServiceArgs,
    type ExposedServiceType,
} from "./exposed-service";
export { ExternalNameService, type ExternalNameServiceArgs } from "./external-name-service";
export { LoadBalancerService, type LoadBalancerServiceArgs } from "./load-balancer-service";
export { NginxServices, type NginxServicesArgs, type ServiceSummary } from "./nginx-services";
export { NodePortService, type NodePortServiceArgs } from "./node-port-service";
export type { SelectorServiceArgs } from "./selector-service-args";
export * from "./service-spec";
