import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EksConfig } from "../../config";
import { defaultSubnetFilters, EKS_UNSUPPORTED_ZONE_IDS } from "./network";
import { nodeVersionProblem } from "./version";
import {
    type NodeZone,
    nodeZones,
    type RegionZone,
    strandedVolumesProblem,
    type SubnetZone,
    zonesOutsideRegion,
} from "./zones";

/** What the account says before anything is registered: where each part goes, and the running cluster. */
export interface EksFacts {
    vpcId: string;
    /** Every subnet the control plane may use: public and private. */
    clusterSubnetIds: string[];
    /** The pinned zones with the subnets their nodes launch in. */
    nodeZones: NodeZone[];
    /** The same zones with the subnets the NLB goes into (public ones for an internet-facing NLB). */
    nlbZones: NodeZone[];
    /** The Kubernetes version the stack's running control plane reports; undefined before it exists. */
    controlPlaneVersion?: string;
}

export interface EksPreflightArgs {
    eks: EksConfig;
    /** The value of the `stateful-nginx:stack` tag on the stack's cluster and volumes. */
    stackTag: string;
    /** The Pulumi name pulumi-eks gives the control plane (`<cluster>-eksCluster`), the start of its AWS name. */
    controlPlaneName: string;
}

/**
 * Reads the account and judges the config against it, before any resource is registered, so a refusal
 * stops `pulumi preview` and `pulumi up` with its one line and nothing half-made:
 * - the pinned zones exist in the region and have subnets (zonesOutsideRegion, nodeZones);
 * - no zone left out of `eks.zones` holds the stack's EBS volumes (strandedVolumesProblem);
 * - nodes at `eks.version` are not newer than the stack's running control plane (nodeVersionProblem).
 *
 * @throws pulumi.RunError (printed without a stack trace) with the refusal.
 */
export async function readEksFacts(args: EksPreflightArgs): Promise<EksFacts> {
    const config = args.eks;
    const region = await supportedZones();
    const problem =
        zonesOutsideRegion(config.zones, region) ??
        strandedVolumesProblem(config.zones, await strandedVolumes(config.zones, region, args.stackTag));
    if (problem) throw new pulumi.RunError(problem);

    const network = config.vpcId ? await configuredNetwork(config) : await defaultNetwork(region);
    let zones: NodeZone[];
    let nlbZones: NodeZone[];
    try {
        zones = nodeZones(network.nodeSubnets, config.zones, network.nodeSubnetsKey);
        nlbZones =
            config.loadBalancerScheme === "internal"
                ? zones
                : nodeZones(network.publicSubnets, config.zones, network.publicSubnetsKey);
    } catch (error) {
        throw new pulumi.RunError((error as Error).message);
    }

    const running = await runningControlPlanes(args.controlPlaneName, args.stackTag);
    for (const cluster of running) {
        const refusal = nodeVersionProblem(config.version, cluster.version, cluster.name);
        if (refusal) throw new pulumi.RunError(refusal);
    }
    return {
        vpcId: network.vpcId,
        clusterSubnetIds: network.clusterSubnetIds,
        nodeZones: zones,
        nlbZones,
        controlPlaneVersion: running[0]?.version,
    };
}

/**
 * The stack's control plane as EKS reports it now: a version EKS upgraded to on its own (upgrade policy
 * STANDARD) or one an operator stepped to is what nodes and addons must follow, whatever the state recorded.
 * Found by its name (Pulumi's auto-name: `<controlPlaneName>-<suffix>`) and the stack's tag, which pulumi-eks
 * 4.3.0 puts on it (nodejs/eks/cluster/cluster.ts `createCore`, `tags`).
 */
async function runningControlPlanes(
    controlPlaneName: string,
    stackTag: string,
): Promise<{ name: string; version: string }[]> {
    const { names } = await aws.eks.getClusters({});
    const ours = (names ?? []).filter((name) => name.startsWith(`${controlPlaneName}-`));
    const clusters = await Promise.all(ours.map((name) => aws.eks.getCluster({ name })));
    return clusters
        .filter((cluster) => cluster.tags?.["stateful-nginx:stack"] === stackTag)
        .map((cluster) => ({ name: cluster.name, version: cluster.version }));
}

/** Where the cluster, the nodes and the NLB get their subnets, and the config key that says so. */
interface Network {
    vpcId: string;
    clusterSubnetIds: string[];
    publicSubnets: SubnetZone[];
    publicSubnetsKey: string;
    nodeSubnets: SubnetZone[];
    nodeSubnetsKey: string;
}

/** Each subnet with its zone ID, looked up by id. */
async function subnetZones(ids: readonly string[]): Promise<SubnetZone[]> {
    return Promise.all(ids.map(async (id) => ({ id, zoneId: (await aws.ec2.getSubnet({ id })).availabilityZoneId })));
}

/** The configured VPC and subnets; nodes in the private ones when given. */
async function configuredNetwork(config: EksConfig): Promise<Network> {
    const subnetIds = config.subnetIds ?? [];
    const publicSubnets = await subnetZones(subnetIds);
    const privateIds = config.privateSubnetIds;
    return {
        vpcId: config.vpcId!,
        clusterSubnetIds: [...subnetIds, ...(privateIds ?? [])],
        publicSubnets,
        publicSubnetsKey: "eks.subnetIds",
        nodeSubnets: privateIds ? await subnetZones(privateIds) : publicSubnets,
        nodeSubnetsKey: privateIds ? "eks.privateSubnetIds" : "eks.subnetIds",
    };
}

/** The region's zones where EKS can place a control plane, leaving out opt-in (Local and Wavelength) Zones. */
async function supportedZones(): Promise<RegionZone[]> {
    const found = await aws.getAvailabilityZones({
        state: "available",
        excludeZoneIds: [...EKS_UNSUPPORTED_ZONE_IDS],
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    return found.names.map((name, index) => ({ name, zoneId: found.zoneIds[index] }));
}

/** The account's default VPC and its default subnets in the supported zones (all public). */
async function defaultNetwork(zones: readonly RegionZone[]): Promise<Network> {
    const vpc = await aws.ec2.getVpc({ default: true });
    const { ids } = await aws.ec2.getSubnets({
        filters: defaultSubnetFilters(
            vpc.id,
            zones.map((zone) => zone.name),
        ),
    });
    const subnets = await subnetZones(ids);
    const key = "the default VPC (its default subnets)";
    return {
        vpcId: vpc.id,
        clusterSubnetIds: ids,
        publicSubnets: subnets,
        publicSubnetsKey: key,
        nodeSubnets: subnets,
        nodeSubnetsKey: key,
    };
}

/**
 * The stack's EBS volumes (tagged `stateful-nginx:stack` by the CSI driver) in each supported zone that is not
 * pinned: the data a zone's removal would leave without a node.
 */
async function strandedVolumes(pinned: readonly string[], zones: readonly RegionZone[], stackTag: string) {
    return Promise.all(
        zones
            .filter((zone) => !pinned.includes(zone.zoneId))
            .map(async (zone) => {
                const found = await aws.ebs.getEbsVolumes({
                    filters: [
                        { name: "tag:stateful-nginx:stack", values: [stackTag] },
                        { name: "availability-zone", values: [zone.name] },
                    ],
                });
                return { zone, volumeIds: found.ids ?? [] };
            }),
    );
}
