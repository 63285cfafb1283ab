/** Node ports are a cluster-wide resource: each one opens the same port on every node. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { describe, K8S } from "../lib/kubernetes";
import { configOf, resourcesOfTypes, schemaWithDefaults, validateStack } from "../lib/validation";
import { int, isRecord, list, record } from "../lib/values";

/** Kubernetes' default `--service-node-port-range`. */
const NODE_PORT_DEFAULTS = { min: 30000, max: 32767 };

/**
 * A fixed node port outside the API server's `--service-node-port-range` is rejected at apply time, and two
 * Services asking for the same one fail with "provided port is already allocated": both show up in preview.
 * The firewall between clients and nodes must allow the same range.
 * https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
 */
export const nodePortRange: StackValidationPolicy = {
    name: "nodeport-range",
    description: "Fixed node ports lie inside the cluster's node port range and are unique in the stack.",
    enforcementLevel: "mandatory",
    severity: "medium",
    url: "https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
    remediationSteps:
        "Pick a nodePort inside the configured range (default 30000-32767) that no other Service uses, or leave " +
        "it unset so Kubernetes allocates one.",
    configSchema: schemaWithDefaults(NODE_PORT_DEFAULTS, {
        min: { type: "integer", minimum: 1, maximum: 65535, description: "Lowest allowed node port." },
        max: { type: "integer", minimum: 1, maximum: 65535, description: "Highest allowed node port." },
    }),
    validateStack: validateStack((args, report, judge) => {
        const { min, max } = configOf(args, NODE_PORT_DEFAULTS);
        const owners = new Map<number, string>();
        for (const service of resourcesOfTypes(args, [K8S.service])) {
            judge(service, () => {
                const what = `Service ${describe(service.props, service.name)}`;
                for (const port of list(record(service.props.spec).ports).filter(isRecord)) {
                    const nodePort = int(port.nodePort);
                    if (nodePort === undefined) continue;
                    if (nodePort < min || nodePort > max) {
                        report(
                            `${what} asks for node port ${nodePort}, outside the node port range ${min}-${max}: ` +
                                "pick one inside it, or leave nodePort unset.",
                            service.urn,
                        );
                    }
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

export const nodePortPolicies = [nodePortRange];
