import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { isCidr } from "./addresses";
import { accessEntriesSchema } from "./eks-access";
import { documentationRangeOf, removedKey } from "./fields";
import { INBOUND_RULES_PER_SECURITY_GROUP, maxSourceRanges } from "./nlb-rules";
import type { ServicesConfig } from "./services";

/**
 * The oldest Kubernetes version EKS still has in standard support (late 2026). Newer versions are accepted as
 * they come: with upgrade policy STANDARD, EKS itself moves a cluster past any list written here.
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const MIN_EKS_VERSION = "1.34";

/** The minor number of a Kubernetes `1.<minor>` version (`1.35` -> 35); NaN for anything else. */
export function kubernetesMinor(version: string): number {
    const match = /^1\.(0|[1-9][0-9]*)$/.exec(version);
    return match ? Number(match[1]) : NaN;
}

/** How to list the zone IDs of a region: the hint every zone refusal carries. */
const LIST_ZONE_IDS =
    "list them with aws ec2 describe-availability-zones --query 'AvailabilityZones[].[ZoneName,ZoneId]'";

/**
 * An Availability Zone ID (`use1-az6`, `euw1-az2`, `apne1-az4`): the same physical zone in every account,
 * unlike a zone name (`us-east-1a`), which AWS maps to another zone in each account. Local and Wavelength
 * Zones (`usw2-lax1-az1`) are left out.
 */
const zoneId = z
    .string()
    .regex(
        /^[a-z]{2,6}[0-9]{1,2}-az[0-9]{1,2}$/,
        `must be an Availability Zone ID such as use1-az6 (IDs, not names); ${LIST_ZONE_IDS}`,
    );

const subnetId = z.string().regex(/^subnet-[0-9a-f]+$/, "must be subnet ids such as subnet-0abc123");

/**
 * An EC2 instance type: family, generation and options, a dot, then a size (`t3.medium`, `m7g.large`,
 * `c6in.2xlarge`, `u-6tb1.metal`). Catches typos such as `t3medium` or `T3.Medium` before AWS does.
 */
const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[0-9]*[a-z][a-z0-9-]*$/;

/** How to find the address to put in `eks.endpointPublicAccessCidrs`: the one line every refusal ends with. */
const FIND_YOUR_ADDRESS = "list your own public address, e.g. $(curl -s https://checkip.amazonaws.com)/32";

/**
 * The kind of special-purpose IPv4 range (private, loopback, carrierGradeNat, ...) that holds all of `cidr`, if any.
 * The public endpoint only ever sees public source addresses, so such a CIDR admits no client.
 */
export function nonPublicRangeOf(cidr: string): string | undefined {
    // Both ends in the same special range means the whole block is in it (the ranges do not touch).
    const first = ipaddr.IPv4.networkAddressFromCIDR(cidr).range();
    const last = ipaddr.IPv4.broadcastAddressFromCIDR(cidr).range();
    return first !== "unicast" && first === last ? first : undefined;
}

/** True for a CIDR that admits every address (`0.0.0.0/0`, `::/0`). */
export function isWorldOpen(cidr: string): boolean {
    return ipaddr.parseCIDR(cidr)[1] === 0;
}

/**
 * A CIDR EKS accepts for its public endpoint and that some real client can come from: IPv4 (an IPv4 cluster
 * refuses IPv6 blocks) in network form, so `203.0.113.7/24` is caught here rather than by an
 * `InvalidParameterException` minutes into `pulumi up`; not a documentation or other non-public range.
 * https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html
 */
const publicAccessCidr = z
    .string()
    .refine((value) => ipaddr.isValidCIDR(value), {
        message: `must be a CIDR; ${FIND_YOUR_ADDRESS}`,
        abort: true,
    })
    .refine((value) => documentationRangeOf(value) === undefined, {
        error: (issue) =>
            `is inside the documentation range ${documentationRangeOf(issue.input as string)}, which no client has; ${FIND_YOUR_ADDRESS}`,
        abort: true,
    })
    // `/0` is left to the stack-level check, which knows whether the world-open opt-in is set.
    .refine((value) => isWorldOpen(value) || ipaddr.IPv4.isValidCIDR(value), {
        message: `must be an IPv4 CIDR (an IPv4 cluster refuses IPv6 blocks); ${FIND_YOUR_ADDRESS}`,
        abort: true,
    })
    .refine(
        (value) => isWorldOpen(value) || value.startsWith(`${ipaddr.IPv4.networkAddressFromCIDR(value).toString()}/`),
        {
            message: "must be a network address with its host bits zero, such as 198.51.100.0/24 for 198.51.100.7/24",
            abort: true,
        },
    )
    .refine((value) => isWorldOpen(value) || nonPublicRangeOf(value) === undefined, {
        error: (issue) =>
            `is a ${nonPublicRangeOf(issue.input as string)} range, which the public endpoint never sees as a source; ${FIND_YOUR_ADDRESS}`,
    });

/** Nodes of each zone's managed node group. Nothing changes the count on its own: no autoscaler is installed. */
const nodesPerZoneSchema = z
    .strictObject({
        min: z
            .number()
            .int("must be a whole number")
            .min(1, "must be at least 1 (a zone without a node strands its volumes)")
            .default(1),
        desired: z.number().int("must be a whole number").min(1, "must be at least 1").default(1),
        /** The most an autoscaler could add, if one were installed. */
        max: z.number().int("must be a whole number").min(1, "must be at least 1").default(2),
    })
    .superRefine((nodes, ctx) => {
        // min <= desired <= max, each refusal naming the larger key.
        for (const [lower, higher] of [
            ["min", "desired"],
            ["desired", "max"],
        ] as const) {
            if (nodes[lower] > nodes[higher]) {
                ctx.addIssue({
                    code: "custom",
                    path: [higher],
                    input: nodes[higher],
                    message: `must be at least ${lower} (${nodes[lower]})`,
                });
            }
        }
    });

/**
 * AWS tag keys and values: what the tagging API accepts, and never the reserved `aws:` prefix. Keys also
 * leave out `=`, which the EBS CSI driver uses to split the `key=value` tags it puts on volumes.
 */
const awsTagKey = z
    .string()
    .regex(/^[\p{L}\p{Z}\p{N}_.:/+\-@]{1,128}$/u, {
        message: "must be 1-128 letters, digits, spaces or _.:/+-@",
        abort: true,
    })
    .refine((key) => !key.toLowerCase().startsWith("aws:"), "must not start with aws: (reserved by AWS)");
// Values leave out `=` too: the NLB gets the tags through one annotation that cloud-provider-aws splits on
// `,` and `=` (pkg/providers/v1/aws_loadbalancer.go, getKeyValuePropertiesFromAnnotation, v1.34.0).
const awsTagValue = z
    .string()
    .regex(/^[\p{L}\p{Z}\p{N}_.:/+\-@]{0,256}$/u, "must be at most 256 letters, digits, spaces or _.:/+-@");

/** The EKS cluster and its managed node group: `eks` in the stack file. */
export const eksSchema = z
    .strictObject({
        // A YAML `version: 1.35` arrives as a number; accept it as the string it was meant to be.
        version: z
            .preprocess(
                (value) => (typeof value === "number" ? String(value) : value),
                z
                    .string()
                    .regex(/^1\.(0|[1-9][0-9]*)$/, {
                        message: `must be a Kubernetes version such as 1.35, quoted (a bare 1.40 reads as 1.4)`,
                        abort: true,
                    })
                    .refine(
                        (value) => kubernetesMinor(value) >= kubernetesMinor(MIN_EKS_VERSION),
                        `must be at least ${MIN_EKS_VERSION} (older versions have left EKS standard support), quoted (a bare 1.40 reads as 1.4)`,
                    ),
            )
            .default(MIN_EKS_VERSION),
        instanceType: z
            .string()
            .min(1, { message: "must name an EC2 instance type such as t3.medium", abort: true })
            .regex(EC2_INSTANCE_TYPE, "must be an EC2 instance type such as t3.medium (lower case, family.size)")
            .default("t3.medium"),
        nodesPerZone: nodesPerZoneSchema.prefault({}),
        minSize: removedKey("is replaced by nodesPerZone.min (one node group per zone, see zones)"),
        desiredSize: removedKey("is replaced by nodesPerZone.desired (one node group per zone, see zones)"),
        maxSize: removedKey("is replaced by nodesPerZone.max (one node group per zone, see zones)"),
        nodeGroupName: removedKey(
            "is no longer set: node groups get generated names, so a replacement exists before the old group goes",
        ),
        /**
         * CIDRs allowed to reach the public API endpoint, the machine that runs `pulumi up` among them.
         * Required: no default would be right for anyone.
         */
        endpointPublicAccessCidrs: z
            .array(publicAccessCidr, {
                error: (issue) =>
                    issue.input === undefined
                        ? `is required: the CIDRs that may reach the Kubernetes API; ${FIND_YOUR_ADDRESS}`
                        : "must be a list of CIDRs",
            })
            .min(1, `must list at least one CIDR; ${FIND_YOUR_ADDRESS}`)
            .max(40, "must list at most 40 CIDRs (the EKS limit)"),
        /** Opt-in for `0.0.0.0/0`: an API endpoint anyone on the internet can reach (still behind authentication). */
        allowEndpointFromAnywhere: z.boolean().default(false),
        /**
         * The Availability Zones that get nodes, by zone ID: one managed node group per zone, named by it. An
         * EBS volume never leaves its zone, so each of these zones always keeps at least `nodesPerZone.min`
         * nodes for the pods whose volumes live there. Required: pinned, the zones never move on their own.
         */
        zones: z
            .array(zoneId, {
                error: (issue) =>
                    issue.input === undefined
                        ? `is required: the Availability Zone IDs that get nodes, such as [use1-az6, use1-az1]; ${LIST_ZONE_IDS}`
                        : "must be a list of Availability Zone IDs such as [use1-az6, use1-az1]",
            })
            .min(1, "must list at least one zone")
            .max(6, "must list at most 6 zones (no AWS region has more)")
            .refine((ids) => new Set(ids).size === ids.length, "must not list a zone twice"),
        zoneCount: removedKey(
            "is replaced by zones: the Availability Zone IDs that get nodes, such as [use1-az6, use1-az1] (docs/eks.md, Node groups and zones)",
        ),
        /** An existing VPC; absent means the account's default VPC. */
        vpcId: z
            .string()
            .regex(/^vpc-[0-9a-f]+$/, "must be a VPC id such as vpc-0abc123")
            .optional(),
        /**
         * Subnets of that VPC for the cluster and the NLB (public ones for an internet-facing NLB), and for the
         * nodes unless `privateSubnetIds` is set: at least two, in different Availability Zones.
         */
        subnetIds: z
            .array(subnetId)
            .min(2, "must list at least two subnets (EKS needs two Availability Zones)")
            .refine((ids) => new Set(ids).size === ids.length, "must not list a subnet twice")
            .optional(),
        /**
         * Private subnets of that VPC for the nodes (and an internal NLB), at least one in each of `zones`:
         * nodes there get no public address. They need a route out (a NAT gateway, or VPC endpoints for ECR,
         * S3, EC2, STS and EKS) to pull images and join.
         */
        privateSubnetIds: z
            .array(subnetId)
            .min(1, "must list at least one subnet per zone")
            .refine((ids) => new Set(ids).size === ids.length, "must not list a subnet twice")
            .optional(),
        /** NLB scheme for LoadBalancer Services. */
        loadBalancerScheme: z.enum(["internet-facing", "internal"]).default("internet-facing"),
        tags: z
            .record(awsTagKey, awsTagValue)
            .refine(
                (tags) => Object.keys(tags).length <= 40,
                "must hold at most 40 tags (AWS allows 50; some are ours)",
            )
            .default({}),
        /** Principals besides the cluster's creator that may use the cluster, e.g. a CI role (config/eks-access.ts). */
        accessEntries: accessEntriesSchema,
    })
    .superRefine((eks, ctx) => {
        eks.endpointPublicAccessCidrs.forEach((cidr, index) => {
            if (!isWorldOpen(cidr)) return;
            // Any IPv4 block of length 0 (`1.2.3.4/0` too) is the whole internet.
            const message = cidr.includes(":")
                ? "must be an IPv4 CIDR (an IPv4 cluster refuses IPv6 blocks); 0.0.0.0/0 with allowEndpointFromAnywhere: true opens it to everyone"
                : eks.allowEndpointFromAnywhere
                  ? undefined
                  : `opens the Kubernetes API to the whole internet; ${FIND_YOUR_ADDRESS}, or set allowEndpointFromAnywhere: true`;
            if (message)
                ctx.addIssue({ code: "custom", path: ["endpointPublicAccessCidrs", index], input: cidr, message });
        });
        if (eks.privateSubnetIds && !eks.subnetIds) {
            ctx.addIssue({
                code: "custom",
                path: ["subnetIds"],
                input: eks.subnetIds,
                message: "is required when privateSubnetIds is set (the cluster's and the NLB's subnets, with vpcId)",
            });
        }
        const shared = eks.privateSubnetIds?.find((id) => eks.subnetIds?.includes(id));
        if (shared) {
            ctx.addIssue({
                code: "custom",
                path: ["privateSubnetIds", eks.privateSubnetIds!.indexOf(shared)],
                input: shared,
                message: "is in subnetIds too: list each subnet once, public ones in subnetIds, private ones here",
            });
        }
        if (eks.subnetIds && !eks.vpcId) {
            ctx.addIssue({
                code: "custom",
                path: ["vpcId"],
                input: eks.vpcId,
                message: "is required when subnetIds is set",
            });
        }
        if (eks.vpcId && !eks.subnetIds) {
            ctx.addIssue({
                code: "custom",
                path: ["subnetIds"],
                input: eks.subnetIds,
                message: "is required when vpcId is set (the default VPC's subnets are used only without vpcId)",
            });
        }
        const nodeSubnets = eks.privateSubnetIds ? "privateSubnetIds" : "subnetIds";
        const nodeSubnetCount = (eks.privateSubnetIds ?? eks.subnetIds)?.length;
        if (nodeSubnetCount !== undefined && nodeSubnetCount < eks.zones.length) {
            ctx.addIssue({
                code: "custom",
                path: ["zones"],
                input: eks.zones,
                message: `must list at most as many zones as ${nodeSubnets} (${nodeSubnetCount}): each zone needs a subnet`,
            });
        }
    });

export type EksConfig = z.infer<typeof eksSchema>;

/**
 * What an EKS stack's load balancers must say about their clients, checked with the whole stack (it needs both
 * `eks` and `services`). cloud-provider-aws v1.34.0 (pkg/providers/v1/aws.go `EnsureLoadBalancer`) opens each
 * NLB Service's node port on the nodes' security group to its `loadBalancerSourceRanges`, and to `0.0.0.0/0`
 * when it lists none, internal scheme or not; nodes in public subnets are then reachable from the internet on
 * that port, NLB or not. So the clients are required for both schemes (rather than defaulting to the VPC's
 * CIDR: that would be a guess at who the clients are, made where the config cannot see it). Each range
 * becomes an IPv4 rule (`updateInstanceSecurityGroupForNLBTraffic` writes `CidrIp`), so an IPv6 range fails
 * only once the NLB exists, and the rules count against one security group's quota.
 */
export function checkEksLoadBalancers(
    eks: EksConfig,
    services: Pick<ServicesConfig, "loadBalancer" | "exposures">,
    issue: (path: (string | number)[], input: unknown, message: string) => void,
): void {
    const lb = services.loadBalancer;
    const loadBalancers =
        (lb.enabled ? 1 : 0) + services.exposures.filter((exposure) => exposure.type === "LoadBalancer").length;
    if (loadBalancers === 0) return;
    const key = ["services", "loadBalancer", "sourceRanges"];
    if (lb.sourceRanges.length === 0) {
        issue(
            key,
            lb.sourceRanges,
            eks.loadBalancerScheme === "internal"
                ? "is required on EKS for an internal load balancer too: with none, cloud-provider-aws opens the node port to 0.0.0.0/0 on the nodes' security group; list your clients' CIDRs (the VPC's CIDR for clients inside it)"
                : "is required for an internet-facing load balancer on EKS: list your clients' CIDRs (0.0.0.0/0 lets everyone in)",
        );
        return;
    }
    lb.sourceRanges.forEach((range, index) => {
        if (isCidr(range) && !ipaddr.IPv4.isValidCIDR(range)) {
            issue(
                [...key, index],
                range,
                "must be an IPv4 CIDR on EKS: cloud-provider-aws writes each range into the IPv4 field of a security group rule, which EC2 refuses for IPv6 only after the NLB exists",
            );
        }
    });
    const max = maxSourceRanges({ loadBalancers, ports: 1, zones: eks.zones.length });
    if (lb.sourceRanges.length > max) {
        issue(
            key,
            lb.sourceRanges,
            `lists ${lb.sourceRanges.length} ranges; at most ${max} fit: with ${loadBalancers} load balancer(s) in ${eks.zones.length} zone(s), ` +
                `each range adds ${loadBalancers + 1} inbound rules to the nodes' security group, whose default quota is ${INBOUND_RULES_PER_SECURITY_GROUP}; merge ranges into larger CIDRs`,
        );
    }
}
