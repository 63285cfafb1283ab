import { DATA_VOLUME } from "./pod-template";

/**
 * The name of the workload's lifecycle anchor: a ConfigMap that owns the StatefulSet (ownerReferences), so
 * that deleting the anchor deletes the set and its pods through Kubernetes' garbage collector, while deleting
 * the set alone (a replacement) orphans the pods. Its inputs depend on nothing but the app's name and
 * namespace: a replaced anchor would take the set and its pods with it.
 */
export function lifecycleAnchorName(appName: string): string {
    return `${appName}-lifecycle`;
}

/**
 * The PersistentVolumeClaim of each ordinal below `replicas`, as the StatefulSet controller names them:
 * `<claim template>-<set>-<ordinal>` (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage).
 */
export function claimNames(statefulSetName: string, replicas: number): string[] {
    return Array.from({ length: replicas }, (_, ordinal) => `${DATA_VOLUME}-${statefulSetName}-${ordinal}`);
}

/**
 * A Prometheus regular expression (RE2, anchored at both ends by Prometheus) that matches the name of every claim
 * of the set, whatever its size: `nginx-persistent-storage-nginx-[0-9]+`. The names are DNS labels (letters,
 * digits and `-`), none of which a regular expression treats specially outside brackets.
 */
export function claimNamePattern(statefulSetName: string): string {
    return `${DATA_VOLUME}-${statefulSetName}-[0-9]+`;
}

/** The same for the set's pods: `nginx-[0-9]+`. */
export function podNamePattern(statefulSetName: string): string {
    return `${statefulSetName}-[0-9]+`;
}
