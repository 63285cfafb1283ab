import { claimNamePattern, EXPORTER_CONTAINER, podNamePattern } from "../workload";

/** One alerting rule of a PrometheusRule (monitoring.coreos.com/v1 `Rule`). */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: { readonly severity: "warning" | "critical" };
    readonly annotations: { readonly summary: string; readonly description: string };
}

export interface AlertArgs {
    /** The StatefulSet's name (`app.name`): its pods are `<name>-<ordinal>`, its claims `<template>-<name>-<ordinal>`. */
    readonly statefulSetName: string;
    /** The namespace the set runs in (`app.namespace`). */
    readonly namespace: string;
    /** A claim fuller than this many percent raises NginxClaimAlmostFull. */
    readonly claimUsagePercent: number;
}

/**
 * The alerts on one stateful-nginx set. Series: the kubelet's volume stats (`kubelet_volume_stats_*`, reported
 * for volumes whose plugin measures them: CSI drivers such as EBS do, hostPath-backed local-path volumes do not),
 * kube-state-metrics (`kube_pod_*`, `kube_statefulset_*`) and the exporter's `nginx_up`. Every selector names the
 * set's namespace and its pods or claims, so the rules of two stacks never overlap.
 */
export function alertRules({ statefulSetName, namespace, claimUsagePercent }: AlertArgs): AlertRule[] {
    const claims = `namespace="${namespace}", persistentvolumeclaim=~"${claimNamePattern(statefulSetName)}"`;
    const pods = `namespace="${namespace}", pod=~"${podNamePattern(statefulSetName)}"`;
    const set = `namespace="${namespace}", statefulset="${statefulSetName}"`;
    // `max by` on both sides: the kubelet is scraped per node and kube-state-metrics may run twice; the ratio
    // then compares one series per claim, whatever other labels the scrape adds.
    const byClaim = (series: string) => `max by (namespace, persistentvolumeclaim) (${series}{${claims}})`;
    const bySet = (series: string) => `max by (namespace, statefulset) (${series}{${set}})`;
    return [
        {
            alert: "NginxClaimAlmostFull",
            expr: `${byClaim("kubelet_volume_stats_used_bytes")} / ${byClaim("kubelet_volume_stats_capacity_bytes")} > ${claimUsagePercent / 100}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: `A claim of ${namespace}/${statefulSetName} is more than ${claimUsagePercent}% full.`,
                description:
                    "Claim {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full. Raise " +
                    "app.storage.size (claims grow in place where the class allows expansion: docs/operations.md).",
            },
        },
        {
            alert: "NginxPodNotReady",
            expr: `max by (namespace, pod) (kube_pod_status_ready{${pods}, condition="true"}) == 0`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: `A pod of ${namespace}/${statefulSetName} has not been ready for 5 minutes.`,
                description:
                    "Pod {{ $labels.pod }} is not ready: it is out of the Services' endpoints and has no DNS record, " +
                    "and with OrderedReady no later pod is started or updated until it is.",
            },
        },
        {
            alert: "NginxReplicasMissing",
            expr: `${bySet("kube_statefulset_status_replicas_ready")} < ${bySet("kube_statefulset_replicas")}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: `${namespace}/${statefulSetName} has fewer ready pods than replicas.`,
                description:
                    "{{ $value }} fewer pods are ready than the set asks for, for 15 minutes: a pod that is not " +
                    "even created (a claim that cannot bind, no node that fits) shows here, not in NginxPodNotReady.",
            },
        },
        {
            alert: "NginxContainerRestarting",
            expr: `increase(kube_pod_container_status_restarts_total{${pods}}[30m]) >= 3`,
            for: "0m",
            labels: { severity: "warning" },
            annotations: {
                summary: `A container of ${namespace}/${statefulSetName} restarted 3 times or more in 30 minutes.`,
                description:
                    "Container {{ $labels.container }} of {{ $labels.pod }} restarted {{ $value | humanize }} times " +
                    "in 30 minutes: kubectl logs --previous shows why the last one stopped.",
            },
        },
        {
            alert: "NginxDown",
            expr: `nginx_up{${pods}} == 0`,
            for: "2m",
            labels: { severity: "critical" },
            annotations: {
                summary: `nginx of ${namespace}/${statefulSetName} does not answer its exporter.`,
                description:
                    "The exporter in {{ $labels.pod }} cannot read nginx's stub_status on the pod's loopback: nginx " +
                    "is not running, or does not load the stub_status server.",
            },
        },
        {
            alert: "NginxMetricsDown",
            expr: `up{${pods}, container="${EXPORTER_CONTAINER}"} == 0`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: `Prometheus cannot scrape the exporter of a pod of ${namespace}/${statefulSetName}.`,
                description:
                    "The exporter in {{ $labels.pod }} does not answer on its metrics port, so NginxDown cannot " +
                    "fire for that pod.",
            },
        },
    ];
}
