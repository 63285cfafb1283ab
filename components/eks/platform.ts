import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksConfig } from "../../config";
import type { ClusterTarget } from "../target";
import { nlbAnnotations } from "./annotations";
import { defaultSubnetFilters, EKS_UNSUPPORTED_ZONE_IDS, endpointAccess } from "./network";
import { EksNodeGroup } from "./node-group";
import { EbsCsiStorage } from "./storage";
import { awsTags } from "./tags";

export interface EksPlatformArgs {
    eks: EksConfig;
    /** The stack name, for the tag on every AWS resource. @default the current stack */
    stack?: string;
}

/** An EKS cluster with a managed node group, EBS CSI storage and AWS load balancers. */
export class EksPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;
    public readonly cluster: eks.Cluster;
    public readonly nodeGroup: EksNodeGroup;
    public readonly storage: EbsCsiStorage;
    /** The EKS cluster's name, e.g. for `aws eks update-kubeconfig --name`. */
    public readonly clusterName: pulumi.Output<string>;
    /** Admin kubeconfig of the cluster (runs `aws eks get-token`); always a secret. */
    public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: EksPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:platform:EksPlatform", name, {}, opts);
        const config = args.eks;
        const tags = awsTags(config.tags, args.stack ?? pulumi.getStack());
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const network = config.vpcId
            ? { vpcId: config.vpcId, subnetIds: config.subnetIds ?? [] }
            : defaultNetwork(this);

        this.cluster = new eks.Cluster(
            `${name}-cluster`,
            {
                version: config.version,
                // The default node group is self-managed; a managed one follows below.
                skipDefaultNodeGroup: true,
                // Access entries instead of the deprecated aws-auth ConfigMap.
                authenticationMode: eks.AuthenticationMode.Api,
                createOidcProvider: true,
                ...endpointAccess(config.endpointPublicAccessCidrs),
                vpcId: network.vpcId,
                subnetIds: network.subnetIds,
                // STANDARD: when the version leaves standard support EKS upgrades it, instead of billing
                // extended support at six times the hourly price of the control plane.
                upgradePolicy: { supportType: "STANDARD" },
                tags,
            },
            { parent: this },
        );
        this.clusterName = this.cluster.eksCluster.name;
        // The kubeconfig holds no key, but it names the cluster and its endpoint: keep it out of plain state.
        this.kubeconfig = pulumi.secret(this.cluster.kubeconfigJson);
        const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

        this.nodeGroup = new EksNodeGroup(
            `${name}-nodes`,
            {
                cluster: this.cluster,
                instanceType: config.instanceType,
                minSize: config.minSize,
                desiredSize: config.desiredSize,
                maxSize: config.maxSize,
                nodeGroupName: config.nodeGroupName,
                partition,
                tags,
            },
            { parent: this },
        );
        const nodes = this.nodeGroup.managedNodeGroup;

        this.storage = new EbsCsiStorage(
            `${name}-storage`,
            {
                clusterName: this.clusterName,
                oidcProviderArn: this.cluster.oidcProviderArn,
                oidcIssuer: this.cluster.oidcIssuer,
                provider,
                nodes: [nodes],
                partition,
                tags,
            },
            { parent: this },
        );

        this.target = {
            kind: "eks",
            provider,
            storageClassName: this.storage.storageClassName,
            storageExpandable: true, // the gp3 class sets allowVolumeExpansion
            ready: [nodes, this.storage.addon, this.storage.storageClass],
            // The in-tree cloud provider registers nodes as NLB targets: an NLB without nodes never gets healthy.
            loadBalancer: { annotations: nlbAnnotations(config.loadBalancerScheme), ready: [nodes] },
        };
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}

/**
 * The account's default VPC and its default subnets, leaving out Availability Zones where EKS cannot
 * place a control plane and opt-in zones (Local and Wavelength Zones).
 */
function defaultNetwork(parent: pulumi.Resource) {
    const vpc = aws.ec2.getVpcOutput({ default: true }, { parent });
    const zones = aws.getAvailabilityZonesOutput(
        {
            state: "available",
            excludeZoneIds: [...EKS_UNSUPPORTED_ZONE_IDS],
            filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
        },
        { parent },
    );
    const subnets = aws.ec2.getSubnetsOutput(
        { filters: pulumi.all([vpc.id, zones.names]).apply(([id, names]) => defaultSubnetFilters(id, names)) },
        { parent },
    );
    return { vpcId: vpc.id, subnetIds: subnets.ids };
}
