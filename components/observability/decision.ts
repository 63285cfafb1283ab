import type { PlatformConfig } from "../../config";
import type { ObservabilityConfig } from "../../config/observability";

/** The Prometheus Operator's kinds the program creates, as `group/version/Kind` (Helm's `.Capabilities` form). */
export const MONITORING_APIS = [
    "monitoring.coreos.com/v1/PodMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
] as const;

const KEY = "stateful-nginx:observability.prometheusOperator";

/** Whether the PodMonitor and PrometheusRule are created, and why (or why not) in one line. */
export interface MonitoringDecision {
    readonly create: boolean;
    readonly reason: string;
}

/**
 * Whether the program asks the cluster which kinds it serves before deciding: only on bare metal, whose cluster
 * exists before the update; an EKS stack makes its own cluster, which cannot be asked in a preview.
 */
export function asksCluster(setting: ObservabilityConfig["prometheusOperator"], platform: PlatformConfig): boolean {
    return setting !== false && platform === "baremetal";
}

/**
 * The decision for the stack's setting, on its platform, given which of MONITORING_APIS the cluster serves
 * (undefined when it was not asked: see asksCluster).
 *
 * @throws Error naming the key when the setting is `true` and the cluster was asked and serves neither kind:
 *         the API server would refuse both objects, after the rest of the update.
 */
export function monitoringDecision(
    setting: ObservabilityConfig["prometheusOperator"],
    platform: PlatformConfig,
    served: Readonly<Record<string, boolean>> | undefined,
): MonitoringDecision {
    if (setting === false) return { create: false, reason: `${KEY} is false` };
    if (served === undefined) {
        if (setting === true) return { create: true, reason: `${KEY} is true` };
        return {
            create: false,
            reason:
                `the ${platform} stack makes its own cluster, which serves no monitoring.coreos.com kinds when new; ` +
                `set ${KEY} true once the Prometheus Operator runs there`,
        };
    }
    const missing = MONITORING_APIS.filter((api) => !served[api]);
    if (missing.length === 0) return { create: true, reason: `the cluster serves ${MONITORING_APIS.join(", ")}` };
    if (setting === true) {
        throw new Error(
            `${KEY}: got true; the cluster does not serve ${missing.join(", ")}: install the Prometheus Operator ` +
                "(its CRDs) first, or set auto (skips until it is there) or false",
        );
    }
    return {
        create: false,
        reason:
            `the cluster does not serve ${missing.join(", ")} (no Prometheus Operator); they are created on the ` +
            `first update after it is installed, or set ${KEY} false`,
    };
}
