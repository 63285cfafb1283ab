import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, NODE_MANAGED_POLICIES, serviceTrustPolicy } from "./policies";

export interface EksNodeGroupArgs {
    /** The cluster the nodes join. */
    cluster: eks.Cluster;
    /** EC2 instance type of every node, e.g. `t3.medium`. */
    instanceType: string;
    minSize: number;
    desiredSize: number;
    maxSize: number;
    /** The node group's name in EKS (unique within the cluster). */
    nodeGroupName: string;
    /** AWS partition of the managed policy ARNs. @default "aws" */
    partition?: pulumi.Input<string>;
    /** Tags for the node role and the node group. @default {} */
    tags?: Record<string, string>;
}

/**
 * A managed node group and the IAM role its EC2 instances run as: the equivalent of
 * `eksctl create cluster --node-type=t3.medium --nodes=2 --nodes-min=1 --nodes-max=3 --managed`.
 *
 * No access entry is created for the role: with authentication mode API, EKS itself creates the
 * `EC2_LINUX` access entry of a managed node group's role, and a second one would conflict with it.
 * https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 */
export class EksNodeGroup extends pulumi.ComponentResource {
    /** The role the nodes run as. */
    public readonly role: aws.iam.Role;
    /** The managed node group: what the workload waits for. */
    public readonly managedNodeGroup: eks.ManagedNodeGroup;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: EksNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:eks:EksNodeGroup", name, {}, opts);
        const tags = args.tags ?? {};
        const partition = pulumi.output(args.partition ?? "aws");

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

        // Nodes that boot before their role has these policies never join; hence the explicit dependsOn.
        this.managedNodeGroup = new eks.ManagedNodeGroup(
            `${name}-mng`,
            {
                cluster: args.cluster,
                nodeRole: this.role,
                nodeGroupName: args.nodeGroupName,
                instanceTypes: [args.instanceType],
                scalingConfig: { minSize: args.minSize, desiredSize: args.desiredSize, maxSize: args.maxSize },
                tags,
            },
            { parent: this, dependsOn: attachments },
        );
        this.roleArn = this.role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
