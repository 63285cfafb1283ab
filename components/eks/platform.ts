import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksConfig } from "../../config";
import type { ClusterTarget } from "../target";
import { coreDnsAddon } from "./addons";
import { NLB_SUBNETS_ANNOTATION, nlbAnnotations, nlbSubnets } from "./annotations";
import { clusterAccessEntries, CONTROL_PLANE_LOG_TYPES, secretsKeyArgs } from "./control-plane";
import { endpointAccess } from "./network";
import { EksNodeGroups } from "./node-group";
import { type EksFacts, readEksFacts } from "./preflight";
import { EbsCsiStorage } from "./storage";
import { GP3_ALLOWS_EXPANSION } from "./storage-class";
import { awsTags } from "./tags";
import { clusterTransforms, runtimeSupportsTransforms } from "./version";

export interface EksPlatformArgs {
    eks: EksConfig;
    /** What the account says (readEksFacts): subnets per zone and the running control plane's version. */
    facts: EksFacts;
    /** The stack name, for the tag on every AWS resource. @default the current stack */
    stack?: string;
}

/**
 * Reads the account and judges the config against it (readEksFacts), then builds the platform: a refusal
 * stops the program before any resource is registered.
 */
export async function createEksPlatform(
    name: string,
    args: Omit<EksPlatformArgs, "facts">,
    opts?: pulumi.ComponentResourceOptions,
): Promise<EksPlatform> {
    const stackTag = awsTags(args.eks.tags, args.stack ?? pulumi.getStack())["stateful-nginx:stack"];
    const facts = await readEksFacts({ eks: args.eks, stackTag, controlPlaneName: controlPlaneName(name) });
    return new EksPlatform(name, { ...args, facts }, opts);
}

/** The Pulumi name pulumi-eks 4.3.0 gives the control plane of the platform `name` (cluster/cluster.ts `createCore`). */
function controlPlaneName(name: string): string {
    return `${name}-cluster-eksCluster`;
}

/** An EKS cluster with one managed node group per zone, EBS CSI storage and AWS load balancers. */
export class EksPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;
    public readonly cluster: eks.Cluster;
    public readonly nodeGroups: EksNodeGroups;
    public readonly storage: EbsCsiStorage;
    /** The KMS key that envelope-encrypts the cluster's Secrets. */
    public readonly secretsKey: aws.kms.Key;
    /** CoreDNS as an EKS addon, created once the node groups exist. */
    public readonly coreDns: aws.eks.Addon;
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
        const facts = args.facts;
        // A new cluster starts at eks.version; an existing one runs what EKS says (never older than the nodes).
        const controlPlaneVersion = facts.controlPlaneVersion ?? config.version;
        this.secretsKey = new aws.kms.Key(`${name}-secrets`, secretsKeyArgs(`${name}-cluster`, tags), { parent: this });

        this.cluster = new eks.Cluster(
            `${name}-cluster`,
            {
                version: config.version,
                // The default node group is self-managed; managed ones, one per zone, follow below.
                skipDefaultNodeGroup: true,
                // CoreDNS is this program's addon, after the node groups (see coreDnsAddon).
                corednsAddonOptions: { enabled: false },
                // Access entries instead of the deprecated aws-auth ConfigMap.
                authenticationMode: eks.AuthenticationMode.Api,
                createOidcProvider: true,
                ...endpointAccess(config.endpointPublicAccessCidrs),
                vpcId: facts.vpcId,
                subnetIds: facts.clusterSubnetIds,
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

        this.nodeGroups = new EksNodeGroups(
            `${name}-nodes`,
            {
                cluster: this.cluster,
                version: config.version,
                instanceType: config.instanceType,
                zoneIds: config.zones,
                zones: facts.nodeZones,
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
                kubernetesVersion: controlPlaneVersion,
                partition,
                tags,
            },
            { parent: this },
        );
        this.coreDns = coreDnsAddon(
            `${name}-coredns`,
            { clusterName: this.clusterName, kubernetesVersion: controlPlaneVersion, nodes, tags },
            this,
        );

        this.target = {
            kind: "eks",
            provider,
            storageClassName: this.storage.storageClassName,
            storageExpandable: GP3_ALLOWS_EXPANSION,
            ready: [...nodes, this.coreDns, this.storage.addon, this.storage.storageClass],
            loadBalancer: {
                annotations: {
                    ...nlbAnnotations(config.loadBalancerScheme, tags),
                    [NLB_SUBNETS_ANNOTATION]: nlbSubnets(facts.nlbZones),
                },
                // cloud-provider-aws registers the nodes as NLB targets: an NLB without nodes never gets healthy.
                ready: [...nodes],
            },
        };
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}
