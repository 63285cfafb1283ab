/** Node ports are a cluster-wide resource: each one opens the same port on every node. */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, K8S } from "../lib/kubernetes";
import {
    configOf,
    JUDGED_AFTER_APPLY,
    resourcesOfTypes,
    schemaWithDefaults,
    validateResourceOfTypes,
    validateStack,
} from "../lib/validation";
import { int, isRecord, list, Props, record } from "../lib/values";

/**
 * Kubernetes' default `--service-node-port-range`. The pack loads on its own, so this is a copy of the program's
 * `NODE_PORT_RANGE` (config/services.ts); test/shared-rules.spec.ts keeps the two equal.
 */
const NODE_PORT_DEFAULTS = { min: 30000, max: 32767 };

/** The fixed node ports of a Service's `spec.ports`, in order. */
function fixedNodePorts(props: Props): number[] {
    return list(record(props.spec).ports)
        .filter(isRecord)
        .map((port) => int(port.nodePort))
        .filter((port): port is number => port !== undefined);
}

/**
 * A fixed node port outside the API server's `--service-node-port-range` is rejected at apply time, and so is
 * a Service that asks for one node port twice. A resource policy, so a mandatory violation stops the Service
 * before it is applied. The firewall between clients and nodes must allow the same range.
 * https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
 */
export const nodePortRange: ResourceValidationPolicy = {
    name: "nodeport-range",
    description: "Fixed node ports lie inside the cluster's node port range, each once per Service.",
    enforcementLevel: "mandatory",
    severity: "medium",
    url: "https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
    remediationSteps:
        "Pick a nodePort inside the configured range (default 30000-32767), or leave it unset so Kubernetes " +
        "allocates one.",
    configSchema: schemaWithDefaults(NODE_PORT_DEFAULTS, {
        min: { type: "integer", minimum: 1, maximum: 65535, description: "Lowest allowed node port." },
        max: { type: "integer", minimum: 1, maximum: 65535, description: "Highest allowed node port." },
    }),
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const { min, max } = configOf(args, NODE_PORT_DEFAULTS);
        const what = `Service ${describe(props, args.name)}`;
        const seen = new Set<number>();
        for (const nodePort of fixedNodePorts(props)) {
            if (nodePort < min || nodePort > max) {
                report(
                    `${what} asks for node port ${nodePort}, outside the node port range ${min}-${max}: ` +
                        "pick one inside it, or leave nodePort unset.",
                );
            }
            if (seen.has(nodePort)) {
                report(`${what} asks for node port ${nodePort} on two of its ports: each port needs its own.`);
            }
            seen.add(nodePort);
        }
    }),
};

/**
 * Two Services asking for the same node port: the second fails with "provided port is already allocated".
 * Only the whole stack shows it, so it is a stack policy and judges after the change (see JUDGED_AFTER_APPLY).
 */
export const nodePortUnique: StackValidationPolicy = {
    name: "nodeport-unique",
    description: `No two Services of the stack ask for the same fixed node port. ${JUDGED_AFTER_APPLY}`,
    enforcementLevel: "mandatory",
    severity: "medium",
    url: "https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
    remediationSteps: "Give each Service its own nodePort, or leave it unset so Kubernetes allocates one.",
    validateStack: validateStack((args, report, judge) => {
        const owners = new Map<number, string>();
        for (const service of resourcesOfTypes(args, [K8S.service])) {
            judge(service, () => {
                const what = `Service ${describe(service.props, service.name)}`;
                for (const nodePort of new Set(fixedNodePorts(service.props))) {
                    const owner = owners.get(nodePort);
                    if (owner !== undefined) {
                        report(
                            `${what} asks for node port ${nodePort}, which ${owner} already uses: ` +
                                "each node port can serve only one Service.",
                            service.urn,
                        );
                    } else {
                        owners.set(nodePort, what);
                    }
                }
            });
        }
    }),
};

export const nodePortPolicies = [nodePortRange, nodePortUnique];
