import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { nodeLaunchHardening, nodeTagSpecifications } from "./launch-template";
import { managedPolicyArn, NODE_MANAGED_POLICIES, serviceTrustPolicy } from "./policies";
import { type NodeZone, zoneNodeGroupName } from "./zones";

export interface NodesPerZone {
    min: number;
    desired: number;
    max: number;
}

export interface EksNodeGroupsArgs {
    /** The cluster the nodes join. */
    cluster: eks.Cluster;
    /** Kubernetes version of the nodes, e.g. `1.34`; at most the control plane's (checked before it gets here). */
    version: pulumi.Input<string>;
    /** EC2 instance type of every node, e.g. `t3.medium`. */
    instanceType: string;
    /** The zone IDs that get a node group (`eks.zones`), in order: they name the groups. */
    zoneIds: readonly string[];
    /** The same zones with their subnets, from `nodeZones`, in the same order. */
    zones: pulumi.Input<NodeZone[]>;
    nodesPerZone: NodesPerZone;
    /** AWS partition of the managed policy ARNs. @default "aws" */
    partition?: pulumi.Input<string>;
    /** Tags for the role, the launch template, the node groups and (through the template) every instance and volume. @default {} */
    tags?: Record<string, string>;
}

/**
 * One managed node group per zone, all sharing one IAM role and one launch template.
 *
 * Per zone, because an EBS volume never leaves its zone: with `min` >= 1 in every zone, a pod whose volume
 * lives there always has a node to come back to, whichever node was replaced. A single group over several
 * zones gives no such promise (its replacement node may land in another zone: "volume node affinity
 * conflict", and the PodDisruptionBudget then blocks further drains).
 *
 * Each group is named by its zone ID (`<name>-use1-az6`), never by its position: adding or removing a zone
 * leaves the other zones' groups as they are.
 *
 * No `nodeGroupName`: the provider generates one (aws 7.48 `NodeGroupArgs.nodeGroupName`: "If omitted, the
 * provider will assign a random, unique name"), so a replacement (instance type, subnets, launch template)
 * creates the new group before it deletes the old, instead of deleting the only group first.
 *
 * Each group waits for the one before it, so a version or template change rolls one zone at a time: each
 * group's update launches 2 extra nodes while it runs, never more at once: EKS raises a group's size by the larger
 * of twice its zone count (one here) and `maxUnavailable` (EKS's default is 1; pulumi-eks 4.3.0's ManagedNodeGroup
 * does not expose `updateConfig`), https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html.
 *
 * No access entry is created for the role: with authentication mode API, EKS itself creates the
 * `EC2_LINUX` access entry of a managed node group's role, and a second one would conflict with it.
 * https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 */
export class EksNodeGroups extends pulumi.ComponentResource {
    /** The role the nodes run as. */
    public readonly role: aws.iam.Role;
    /** Tags every instance, volume and network interface the groups launch. */
    public readonly launchTemplate: aws.ec2.LaunchTemplate;
    /** One managed node group per zone, in zone order: what the workload waits for. */
    public readonly managedNodeGroups: eks.ManagedNodeGroup[];
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: EksNodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        // Formerly one group: the alias keeps the role and its attachments where they are in existing stacks.
        super(
            "stateful-nginx:eks:EksNodeGroups",
            name,
            {},
            {
                ...opts,
                aliases: [...(opts?.aliases ?? []), { type: "stateful-nginx:eks:EksNodeGroup" }],
            },
        );
        const tags = args.tags ?? {};
        const partition = pulumi.output(args.partition ?? "aws");
        const zones = pulumi.output(args.zones);

        this.role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")), tags },
            { parent: this },
        );
        const attachments = NODE_MANAGED_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-${policy}`,
                    { role: this.role.name, policyArn: partition.apply((p) => managedPolicyArn(p, policy)) },
                    { parent: this },
                ),
        );

        // Tags and hardening only: no image or user data, so EKS still picks the AMI and bootstraps the node
        // (pulumi-eks 4.3.0 nodes/nodegroup.ts passes a given launchTemplate through unchanged).
        this.launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-lt`,
            {
                description: "Tags the instances and volumes of the EKS nodes",
                tagSpecifications: nodeTagSpecifications(tags),
                ...nodeLaunchHardening(args.instanceType),
                tags,
            },
            { parent: this },
        );

        this.managedNodeGroups = [];
        args.zoneIds.forEach((zoneId, index) => {
            const previous = this.managedNodeGroups[index - 1];
            this.managedNodeGroups.push(
                new eks.ManagedNodeGroup(
                    zoneNodeGroupName(name, zoneId),
                    {
                        cluster: args.cluster,
                        nodeRole: this.role,
                        // With a launch template of ours, pulumi-eks 4.3.0 no longer defaults `version` to the
                        // cluster's (createManagedNodeGroup): say it, so nodes follow `eks.version`.
                        version: args.version,
                        instanceTypes: [args.instanceType],
                        subnetIds: zones.apply((all) => {
                            const zone = all.find((candidate) => candidate.zoneId === zoneId);
                            if (!zone) throw new Error(`no subnets resolved for zone ${zoneId}`);
                            return zone.subnetIds;
                        }),
                        scalingConfig: {
                            minSize: args.nodesPerZone.min,
                            desiredSize: args.nodesPerZone.desired,
                            maxSize: args.nodesPerZone.max,
                        },
                        launchTemplate: {
                            id: this.launchTemplate.id,
                            version: this.launchTemplate.latestVersion.apply((version) => `${version}`),
                        },
                        tags,
                    },
                    // Nodes that boot before their role has these policies never join; hence the explicit dependsOn.
                    { parent: this, dependsOn: previous ? [...attachments, previous] : attachments },
                ),
            );
        });
        this.roleArn = this.role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
