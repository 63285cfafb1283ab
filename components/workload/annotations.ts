import type { AppConfig } from "../../config/app";

/**
 * The StatefulSet's annotations for Pulumi's Kubernetes provider.
 *
 * - `pulumi.com/deletionPropagationPolicy: orphan`, always. The provider deletes an object with the policy its
 *   *previous* inputs name (pulumi-kubernetes provider.go `Delete` passes the old inputs to `await.Deletion`,
 *   which reads the annotation: metadata/overrides.go `DeletionPropagation`, Foreground by default). Carried from
 *   the first `up`, it makes every replacement of the set (a changed volume claim template or pod management
 *   policy) leave the pods serving, and the new set adopts them, as `kubectl delete --cascade=orphan` then
 *   re-create does. `pulumi destroy` still stops the pods: see `NginxStatefulSet` (the lifecycle anchor).
 * - `pulumi.com/skipAwait: "true"` when `partition` is above 0: the provider counts a StatefulSet as ready
 *   only once `.status.currentRevision` equals `.status.updateRevision`, which a partition prevents by
 *   design, so every template change would wait 10 minutes and fail
 *   (https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/await/statefulset.go).
 */
export function statefulSetAnnotations(app: Pick<AppConfig, "partition">): Record<string, string> {
    const annotations: Record<string, string> = { "pulumi.com/deletionPropagationPolicy": "orphan" };
    if (app.partition > 0) annotations["pulumi.com/skipAwait"] = "true";
    return annotations;
}

/**
 * Makes a Patch resource (server-side apply) take a field another manager owns instead of failing with a
 * conflict: the StatefulSet controller creates the claims, `kubectl` may have labelled the namespace.
 * (pulumi-kubernetes await.go `patchForce`.)
 */
export const PATCH_FORCE = { "pulumi.com/patchForce": "true" } as const;
