export { statefulSetAnnotations } from "./annotations";
export { CLUSTER_DOMAIN, podDnsNames } from "./dns";
export { claimNames, lifecycleAnchorName } from "./lifecycle";
export { PART_OF, recommendedLabels, selectorLabels } from "./labels";
export { namespacePlan, SYSTEM_NAMESPACES } from "./namespace";
export type { NamespacePlan } from "./namespace";
export { NginxStatefulSet } from "./nginx-stateful-set";
export type { NginxStatefulSetArgs, ServicePort } from "./nginx-stateful-set";
export {
    CONTAINER_PORT,
    DATA_VOLUME,
    HTML_ROOT,
    NGINX_UID,
    nginxPodTemplate,
    pageScript,
    SCRATCH_VOLUMES,
} from "./pod-template";
export type { PodTemplateArgs } from "./pod-template";
