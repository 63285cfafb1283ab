export { statefulSetAnnotations } from "./annotations";
export { CLUSTER_DOMAIN, podDnsNames } from "./dns";
export { claimNamePattern, claimNames, lifecycleAnchorName, podNamePattern } from "./lifecycle";
export { PART_OF, recommendedLabels, selectorLabels } from "./labels";
export {
    EXPORTER_CONTAINER,
    exporterContainer,
    METRICS_PATH,
    METRICS_PORT,
    STUB_STATUS,
    STUB_STATUS_CONF_PATH,
    stubStatusConf,
    stubStatusConfigMapName,
} from "./metrics";
export type { MetricsSidecarArgs } from "./metrics";
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
