/** The cluster's DNS domain. kubeadm, kind, k3s and EKS all default to it; a cluster may be set up otherwise. */
export const CLUSTER_DOMAIN = "cluster.local";

/**
 * The stable DNS name of every pod of a StatefulSet, `<set>-<ordinal>.<headless service>.<ns>.svc.<domain>`,
 * in ordinal order. The headless Service publishes a record only for pods that are ready.
 */
export function podDnsNames(
    statefulSetName: string,
    serviceName: string,
    namespace: string,
    replicas: number,
): string[] {
    return Array.from(
        { length: replicas },
        (_, ordinal) => `${statefulSetName}-${ordinal}.${serviceName}.${namespace}.svc.${CLUSTER_DOMAIN}`,
    );
}
