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

/**
 * The annotations of every Patch resource the program makes (the namespace, the claims): forced, as above, and
 * applied by one named field manager. Without the name the provider gives each patch resource a random manager
 * of its own (pulumi-kubernetes v4.25.0 provider.go `fieldManagerName`), so a patch made again (after a destroy,
 * or replicas 5 -> 2 -> 5) co-owns its fields with the one before it, and a label removed from the claims or
 * the namespace would never go away.
 */
export const PATCH_ANNOTATIONS = { ...PATCH_FORCE, "pulumi.com/patchFieldManager": "stateful-nginx" } as const;

/**
 * A claim's annotations: the patch annotations, and no wait of its own. Applying a claim patch runs the
 * provider's claim wait (pulumi-kubernetes v4.25.0 awaiters.go `untilCoreV1PersistentVolumeClaimReady`): on a
 * class that binds on first use it waits for `Pending`, so a claim that is already bound (after a destroy, on
 * scaling back up, on a rename back) fails the `up` after 5 minutes, and the set that needs it is never made.
 * `skipAwait` turns that wait off (metadata/overrides.go `ReadyCondition`); the StatefulSet's own wait covers
 * binding, since a pod is not Ready before its claim is bound.
 */
export const CLAIM_PATCH_ANNOTATIONS = { ...PATCH_ANNOTATIONS, "pulumi.com/skipAwait": "true" } as const;
