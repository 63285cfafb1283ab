import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { accessEntriesSchema } from "./eks-access";
import { documentationRangeOf, removedKey } from "./fields";

/** Kubernetes versions EKS supports in standard support now. */
export const SUPPORTED_EKS_VERSIONS = ["1.34", "1.35"] as const;

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
            .preprocess((value) => (typeof value === "number" ? String(value) : value), z.enum(SUPPORTED_EKS_VERSIONS))
            .default("1.34"),
        instanceType: z
            .string()
            .min(1, { message: "must name an EC2 instance type such as t3.medium", abort: true })
            .regex(EC2_INSTANCE_TYPE, "must be an EC2 instance type such as t3.medium (lower case, family.size)")
            .default("t3.medium"),
        /**
         * How many Availability Zones get nodes: one managed node group per zone, the first zones by name
         * among the cluster's subnets. An EBS volume never leaves its zone, so each of these zones always
         * keeps at least `nodesPerZone.min` nodes for the pods whose volumes live there.
         */
        zoneCount: z
            .number()
            .int("must be a whole number")
            .min(1, "must be at least 1")
            .max(6, "must be at most 6 (no AWS region has more zones)")
            .default(2),
        nodesPerZone: nodesPerZoneSchema.prefault({}),
        minSize: removedKey("is replaced by nodesPerZone.min (one node group per zone, see zoneCount)"),
        desiredSize: removedKey("is replaced by nodesPerZone.desired (one node group per zone, see zoneCount)"),
        maxSize: removedKey("is replaced by nodesPerZone.max (one node group per zone, see zoneCount)"),
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
        /** An existing VPC; absent means the account's default VPC. */
        vpcId: z
            .string()
            .regex(/^vpc-[0-9a-f]+$/, "must be a VPC id such as vpc-0abc123")
            .optional(),
        /** Subnets of that VPC for the cluster and nodes: at least two, in different Availability Zones. */
        subnetIds: z
            .array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be subnet ids such as subnet-0abc123"))
            .min(2, "must list at least two subnets (EKS needs two Availability Zones)")
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
        if (eks.subnetIds && eks.subnetIds.length < eks.zoneCount) {
            ctx.addIssue({
                code: "custom",
                path: ["zoneCount"],
                input: eks.zoneCount,
                message: `must be at most the number of subnetIds (${eks.subnetIds.length}): each zone needs a subnet`,
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
    });

export type EksConfig = z.infer<typeof eksSchema>;
