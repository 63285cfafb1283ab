import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config";
import type { ObservabilityConfig } from "../../config/observability";
import { readClusterFacts } from "../baremetal/cluster-facts";
import type { ClusterTarget } from "../target";
import { METRICS_PATH, recommendedLabels } from "../workload";
import { alertRules } from "./alerts";
import { asksCluster, MONITORING_APIS, MonitoringDecision, monitoringDecision } from "./decision";

export interface NginxMonitoringArgs {
    /** The validated `observability` block (enabled). */
    observability: ObservabilityConfig;
    /** The stack's platform: whether the cluster can be asked which kinds it serves (decision.ts `asksCluster`). */
    platform: PlatformConfig;
    /** Where the set runs: the provider the objects are created with. */
    target: ClusterTarget;
    /** The StatefulSet's name (`app.name`). */
    statefulSetName: string;
    /** The set's namespace, as `app.namespace` names it (the alert expressions need the text). */
    namespaceName: string;
    /** The same namespace as the workload's output, so the objects wait for it. */
    namespace: pulumi.Input<string>;
    /** The labels that select the set's pods (the workload's `selector`). */
    selector: Record<string, string>;
    /** The pods' port the exporter listens on, by name (the workload's `metricsPort.name`). */
    metricsPortName: string;
}

/** What the stack exports about monitoring: the objects made, or why none were. */
export interface MonitoringSummary {
    /** `namespace/name` of the PodMonitor, when created. */
    readonly podMonitor?: string;
    /** `namespace/name` of the PrometheusRule, when created. */
    readonly prometheusRule?: string;
    /** The alerts of the PrometheusRule, by name, when created. */
    readonly alerts?: string[];
    /** Why they were not created, when not. */
    readonly skipped?: string;
}

/**
 * The Prometheus Operator's objects for the set: a PodMonitor that scrapes every pod's exporter, and a
 * PrometheusRule with the alerts of alerts.ts. Created only when the cluster serves both kinds (or the stack says
 * it does); otherwise the component has no children and says why in one info line and in `summary`.
 *
 * A PodMonitor rather than a ServiceMonitor: the exporter runs in every pod and is scraped per pod, so a Service
 * would only be a second selector over the same pods, one more object the provider waits for endpoints on, and a
 * place the metrics port could leak to; with none, the port is reachable only as the pod's own.
 */
export class NginxMonitoring extends pulumi.ComponentResource {
    public readonly decision: MonitoringDecision;
    public readonly podMonitor?: k8s.apiextensions.CustomResource;
    public readonly prometheusRule?: k8s.apiextensions.CustomResource;
    public readonly summary: pulumi.Output<MonitoringSummary>;

    constructor(
        name: string,
        args: NginxMonitoringArgs & { decision: MonitoringDecision },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("stateful-nginx:observability:NginxMonitoring", name, {}, opts);
        const { observability, statefulSetName: set, decision } = args;
        this.decision = decision;
        const options = { parent: this, provider: args.target.provider };
        const metadata = {
            name: set,
            namespace: args.namespace,
            labels: { ...recommendedLabels(set, "monitoring"), ...observability.labels },
        };

        if (!decision.create) {
            pulumi.log.info(`PodMonitor and PrometheusRule skipped: ${decision.reason}`, this);
            this.summary = pulumi.output({ skipped: decision.reason });
            this.registerOutputs({ summary: this.summary });
            return;
        }

        this.podMonitor = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata,
                spec: {
                    // The PodMonitor's own namespace is the one it looks in (namespaceSelector unset).
                    selector: { matchLabels: args.selector },
                    podMetricsEndpoints: [{ port: args.metricsPortName, path: METRICS_PATH, interval: "30s" }],
                },
            },
            options,
        );
        const rules = alertRules({
            statefulSetName: set,
            namespace: args.namespaceName,
            claimUsagePercent: observability.claimUsagePercent,
        });
        this.prometheusRule = new k8s.apiextensions.CustomResource(
            `${name}-alerts`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata,
                spec: { groups: [{ name: `${args.namespaceName}.${set}.stateful-nginx`, rules }] },
            },
            options,
        );

        const qualified = (resource: k8s.apiextensions.CustomResource) =>
            pulumi.interpolate`${resource.metadata.namespace}/${resource.metadata.name}`;
        this.summary = pulumi
            .all([qualified(this.podMonitor), qualified(this.prometheusRule)])
            .apply(([podMonitor, prometheusRule]) => ({
                podMonitor,
                prometheusRule,
                alerts: rules.map((rule) => rule.alert),
            }));
        this.registerOutputs({ summary: this.summary });
    }
}

/**
 * Decides, asking the cluster first where it can (`observability.prometheusOperator: auto` or `true` on bare
 * metal), then builds the component. A `true` the cluster contradicts stops the program with one line before
 * the monitoring objects are registered.
 */
export async function createMonitoring(
    name: string,
    args: NginxMonitoringArgs,
    opts?: pulumi.ComponentResourceOptions,
): Promise<NginxMonitoring> {
    const setting = args.observability.prometheusOperator;
    const served = asksCluster(setting, args.platform)
        ? (await readClusterFacts(args.target.provider, undefined, MONITORING_APIS)).served
        : undefined;
    let decision: MonitoringDecision;
    try {
        decision = monitoringDecision(setting, args.platform, served);
    } catch (error) {
        throw new pulumi.RunError((error as Error).message);
    }
    return new NginxMonitoring(name, { ...args, decision }, opts);
}
