import type { AppConfig } from "../../config/app";

/**
 * The StatefulSet's annotations for Pulumi's Kubernetes provider.
 *
 * - `pulumi.com/deletionPropagationPolicy: orphan` (provider 4.12+) when `orphanPodsOnDelete`: deleting or
 *   replacing the StatefulSet leaves its pods running, as `kubectl delete statefulset --cascade=orphan` does.
 * - `pulumi.com/skipAwait: "true"` when `partition` is above 0: the provider counts a StatefulSet as ready
 *   only once `.status.currentRevision` equals `.status.updateRevision`, which a partition prevents by
 *   design, so every template change would wait 10 minutes and fail
 *   (https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/await/statefulset.go).
 */
export function statefulSetAnnotations(
    app: Pick<AppConfig, "orphanPodsOnDelete" | "partition">,
): Record<string, string> | undefined {
    const annotations: Record<string, string> = {};
    if (app.orphanPodsOnDelete) annotations["pulumi.com/deletionPropagationPolicy"] = "orphan";
    if (app.partition > 0) annotations["pulumi.com/skipAwait"] = "true";
    return Object.keys(annotations).length > 0 ? annotations : undefined;
}
