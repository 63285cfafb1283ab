/**
 * The DNS names the cluster gives the program's Services and the StatefulSet's pods
 * (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/): the workload exports them and the
 * verification Job resolves them.
 */

/** The cluster's DNS domain. kubeadm, kind, k3s and EKS all default to it; a cluster may be set up otherwise. */
export const CLUSTER_DOMAIN = "cluster.local";

/**
 * The fully qualified name of a Service, `<service>.<namespace>.svc.<domain>`; with `absolute`, a trailing dot
 * so no search domain of the resolver applies.
 */
export function serviceDnsName(
    service: string,
    namespace: string,
    options: { clusterDomain?: string; absolute?: boolean } = {},
): string {
    const name = `${service}.${namespace}.svc.${options.clusterDomain ?? CLUSTER_DOMAIN}`;
    return options.absolute ? `${name}.` : name;
}

/**
 * The stable DNS name of pod `ordinal` of a StatefulSet, `<set>-<ordinal>.<headless service>.<namespace>.svc.<domain>`.
 * The headless Service publishes a record only for pods that are ready.
 */
export function podDnsName(
    statefulSetName: string,
    ordinal: number,
    headlessServiceName: string,
    namespace: string,
    clusterDomain: string = CLUSTER_DOMAIN,
): string {
    return `${statefulSetName}-${ordinal}.${serviceDnsName(headlessServiceName, namespace, { clusterDomain })}`;
}

/** The stable DNS name of every pod of a StatefulSet (see podDnsName), in ordinal order. */
export function podDnsNames(
    statefulSetName: string,
    headlessServiceName: string,
    namespace: string,
    replicas: number,
    clusterDomain: string = CLUSTER_DOMAIN,
): string[] {
    return Array.from({ length: replicas }, (_, ordinal) =>
        podDnsName(statefulSetName, ordinal, headlessServiceName, namespace, clusterDomain),
    );
}
