import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksConfig } from "../../config";
import type { ClusterTarget } from "../target";
import { NLB_SUBNETS_ANNOTATION, nlbAnnotations, nlbSubnets } from "./annotations";
import { clusterAccessEntries, CONTROL_PLANE_LOG_TYPES, secretsKeyArgs } from "./control-plane";
import { defaultSubnetFilters, EKS_UNSUPPORTED_ZONE_IDS, endpointAccess } from "./network";
import { EksNodeGroups } from "./node-group";
import { EbsCsiStorage } from "./storage";
import { GP3_ALLOWS_EXPANSION } from "./storage-class";
import { awsTags } from "./tags";
import { clusterTransforms, runtimeSupportsTransforms } from "./version";
import { nodeZones, type SubnetZone } from "./zones";

export interface EksPlatformArgs {
    eks: EksConfig;
    /** The stack name, for the tag on every AWS resource. @default the current stack */
    stack?: string;
}

/** An EKS cluster with one managed node group per zone, EBS CSI storage and AWS load balancers. */
export class EksPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;
    public readonly cluster: eks.Cluster;
    public readonly nodeGroups: EksNodeGroups;
    public readonly storage: EbsCsiStorage;
    /** The KMS key that envelope-encrypts the cluster's Secrets. */
    public readonly secretsKey: aws.kms.Key;
    /** The EKS cluster's name, e.g. for `aws eks update-kubeconfig --name`. */
    public readonly clusterName: pulumi.Output<string>;
    /**
     * Admin kubeconfig of the cluster. It holds no credentials (it runs `aws eks get-token` with the caller's
     * AWS identity); it is a secret here for the endpoint and CA it names. pulumi-eks keeps its own copy,
     * the cluster's `kubeconfig` output, in plain state: this secret does not hide it there.
     */
    public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: EksPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:platform:EksPlatform", name, {}, opts);
        const config = args.eks;
        const tags = awsTags(config.tags, args.stack ?? pulumi.getStack());
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const network = config.vpcId
            ? configuredNetwork(config.vpcId, config.subnetIds ?? [], this)
            : defaultNetwork(this);
        this.secretsKey = new aws.kms.Key(`${name}-secrets`, secretsKeyArgs(`${name}-cluster`, tags), { parent: this });

        this.cluster = new eks.Cluster(
            `${name}-cluster`,
            {
                version: config.version,
                // The default node group is self-managed; managed ones, one per zone, follow below.
                skipDefaultNodeGroup: true,
                // Access entries instead of the deprecated aws-auth ConfigMap.
                authenticationMode: eks.AuthenticationMode.Api,
                createOidcProvider: true,
                ...endpointAccess(config.endpointPublicAccessCidrs),
                vpcId: network.vpcId,
                subnetIds: network.subnetIds,
                // STANDARD: when the version leaves standard support EKS upgrades it, instead of billing
                // extended support at six times the hourly price of the control plane. The transform keeps
                // the next `up` from asking for the old version back.
                upgradePolicy: { supportType: "STANDARD" },
                enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
                encryptionConfigKeyArn: this.secretsKey.arn,
                accessEntries: clusterAccessEntries(config.accessEntries, partition),
                tags,
            },
            { parent: this, transforms: clusterTransforms(runtimeSupportsTransforms()) },
        );
        this.clusterName = this.cluster.eksCluster.name;
        this.kubeconfig = pulumi.secret(this.cluster.kubeconfigJson);
        const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

        const zones = network.subnets.apply((subnets) => nodeZones(subnets, config.zoneCount));
        this.nodeGroups = new EksNodeGroups(
            `${name}-nodes`,
            {
                cluster: this.cluster,
                version: config.version,
                instanceType: config.instanceType,
                zoneCount: config.zoneCount,
                zones,
                nodesPerZone: config.nodesPerZone,
                partition,
                tags,
            },
            { parent: this },
        );
        const nodes = this.nodeGroups.managedNodeGroups;

        this.storage = new EbsCsiStorage(
            `${name}-storage`,
            {
                clusterName: this.clusterName,
                oidcProviderArn: this.cluster.oidcProviderArn,
                oidcIssuer: this.cluster.oidcIssuer,
                provider,
                nodes,
                partition,
                tags,
            },
            { parent: this },
        );

        this.target = {
            kind: "eks",
            provider,
            storageClassName: this.storage.storageClassName,
            storageExpandable: GP3_ALLOWS_EXPANSION,
            ready: [...nodes, this.storage.addon, this.storage.storageClass],
            loadBalancer: {
                annotations: {
                    ...nlbAnnotations(config.loadBalancerScheme, tags),
                    [NLB_SUBNETS_ANNOTATION]: zones.apply(nlbSubnets),
                },
                // cloud-provider-aws registers the nodes as NLB targets: an NLB without nodes never gets healthy.
                ready: [...nodes],
            },
        };
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}

/** Each subnet with its zone, looked up by id. */
function subnetZones(ids: pulumi.Input<string[]>, parent: pulumi.Resource): pulumi.Output<SubnetZone[]> {
    return pulumi
        .output(ids)
        .apply((list) =>
            pulumi.all(
                list.map((id) =>
                    aws.ec2
                        .getSubnetOutput({ id }, { parent })
                        .apply((subnet) => ({ id, zone: subnet.availabilityZone })),
                ),
            ),
        );
}

/** The configured VPC and subnets. */
function configuredNetwork(vpcId: string, subnetIds: string[], parent: pulumi.Resource) {
    return { vpcId, subnetIds, subnets: subnetZones(subnetIds, parent) };
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
    return { vpcId: vpc.id, subnetIds: subnets.ids, subnets: subnetZones(subnets.ids, parent) };
}
