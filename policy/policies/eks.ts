/**
 * The EKS cluster: which nodes it runs and who may reach its API.
 *
 * The policies judge the AWS resources that carry the settings, `aws:eks/cluster:Cluster` and
 * `aws:eks/nodeGroup:NodeGroup`. The `eks:index:Cluster` and `eks:index:ManagedNodeGroup` a program declares
 * are components the eks provider implements: pulumi-eks 4.3.0 registers them with no inputs (`{}`), so the
 * engine shows a policy nothing on them, and creates these two as their children
 * (nodejs/eks/cluster/cluster.ts `createCore`, nodejs/eks/nodes/nodegroup.ts `createManagedNodeGroup`).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isOpenToAll } from "../lib/addresses";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { int, record, strings } from "../lib/values";

export const EKS = {
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
} as const;

/** What EKS uses when a managed node group names no instance type. */
const EKS_DEFAULT_INSTANCE_TYPE = "t3.medium";

const NODE_GROUP_DEFAULTS = { allowedInstanceTypes: ["t3.medium", "t3.large"] };

/**
 * A managed node group runs instance types from the allowed list (cost and capacity are planned for
 * those), and its scaling config is coherent: min <= desired <= max, which EKS checks only at apply time.
 * https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html
 */
export const eksNodeGroup: ResourceValidationPolicy = {
    name: "eks-node-group",
    description: "EKS managed node groups use allowed instance types and a scaling config with min <= desired <= max.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html",
    remediationSteps:
        "Use an instance type from allowedInstanceTypes (eks.instanceType in the stack file) and set " +
        "eks.nodesPerZone with min <= desired <= max.",
    configSchema: schemaWithDefaults(NODE_GROUP_DEFAULTS, {
        allowedInstanceTypes: {
            type: "array",
            items: { type: "string" },
            description: "EC2 instance types node groups may use; empty allows any.",
        },
    }),
    validateResource: validateResourceOfTypes(EKS.nodeGroup, (props, args, report) => {
        const allowed = strings(configOf(args, NODE_GROUP_DEFAULTS).allowedInstanceTypes);
        const what = `Managed node group ${args.name}`;
        const given = strings(props.instanceTypes);
        const instanceTypes = given.length > 0 ? given : [EKS_DEFAULT_INSTANCE_TYPE];
        const disallowed = instanceTypes.filter((type) => allowed.length > 0 && !allowed.includes(type));
        if (disallowed.length > 0) {
            report(
                `${what} uses ${disallowed.join(", ")}${given.length === 0 ? " (the EKS default)" : ""}, not in the ` +
                    `allowed instance types (${allowed.join(", ")}): pick one of those.`,
            );
        }
        const scaling = record(props.scalingConfig);
        const [min, desired, max] = [int(scaling.minSize), int(scaling.desiredSize), int(scaling.maxSize)];
        const problems: string[] = [];
        if (min !== undefined && desired !== undefined && min > desired)
            problems.push(`minSize ${min} > desiredSize ${desired}`);
        if (desired !== undefined && max !== undefined && desired > max)
            problems.push(`desiredSize ${desired} > maxSize ${max}`);
        if (min !== undefined && max !== undefined && min > max) problems.push(`minSize ${min} > maxSize ${max}`);
        if (problems.length > 0) {
            report(`${what} has an impossible scaling config (${problems.join(", ")}): set min <= desired <= max.`);
        }
    }),
};

/**
 * The cluster's public API endpoint (`endpointPublicAccess`, true by default) is open to `0.0.0.0/0` unless
 * `publicAccessCidrs` narrows it: anyone can then probe the API server and try stolen credentials.
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 */
export const eksEndpointRestricted: ResourceValidationPolicy = {
    name: "eks-endpoint-restricted",
    description: "The EKS API endpoint is private, or public only to listed CIDRs (never 0.0.0.0/0).",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
    remediationSteps:
        "Set publicAccessCidrs on the eks.Cluster (its aws.eks.Cluster's vpcConfig) to your office or VPN ranges " +
        "(eks.endpointPublicAccessCidrs in the stack file), or endpointPublicAccess: false with " +
        "endpointPrivateAccess: true.",
    validateResource: validateResourceOfTypes(EKS.cluster, (props, args, report) => {
        const vpcConfig = record(props.vpcConfig);
        // Unset, EKS makes the endpoint public (https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html).
        if (vpcConfig.endpointPublicAccess === false) return;
        const cidrs = strings(vpcConfig.publicAccessCidrs);
        const what = `EKS cluster ${args.name}`;
        if (cidrs.length === 0) {
            report(
                `${what} has a public API endpoint with no publicAccessCidrs, which means 0.0.0.0/0: list the ` +
                    "CIDRs that may reach it.",
            );
            return;
        }
        const open = cidrs.filter(isOpenToAll);
        if (open.length > 0) {
            report(`${what} lets ${open.join(", ")} reach its public API endpoint: list only your own CIDRs.`);
        }
    }),
};

export const eksPolicies = [eksNodeGroup, eksEndpointRestricted];
