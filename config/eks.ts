import * as ipaddr from "ipaddr.js";
import { z } from "zod";

/** Kubernetes versions EKS supports in standard support now. */
export const SUPPORTED_EKS_VERSIONS = ["1.34", "1.35"] as const;

/**
 * An EC2 instance type: family, generation and options, a dot, then a size (`t3.medium`, `m7g.large`,
 * `c6in.2xlarge`, `u-6tb1.metal`). Catches typos such as `t3medium` or `T3.Medium` before AWS does.
 */
const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[0-9]*[a-z][a-z0-9-]*$/;

/**
 * A CIDR EKS accepts for its public endpoint: IPv4 (an IPv4 cluster refuses IPv6 blocks) in network form,
 * so `203.0.113.7/24` is caught here rather than by an `InvalidParameterException` minutes into `pulumi up`.
 * https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html
 */
const publicAccessCidr = z
    .string()
    .refine((value) => ipaddr.isValidCIDR(value), { message: "must be a CIDR such as 203.0.113.0/24", abort: true })
    .refine((value) => ipaddr.IPv4.isValidCIDR(value), {
        message: "must be an IPv4 CIDR (an IPv4 cluster refuses IPv6 blocks)",
        abort: true,
    })
    .refine(
        (value) => value.startsWith(`${ipaddr.IPv4.networkAddressFromCIDR(value).toString()}/`),
        "must be a network address with its host bits zero, such as 203.0.113.0/24",
    );

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
const awsTagValue = z
    .string()
    .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u, "must be at most 256 letters, digits, spaces or _.:/=+-@");

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
        minSize: z.number().int("must be a whole number").min(1, "must be at least 1").default(1),
        desiredSize: z.number().int("must be a whole number").min(1, "must be at least 1").default(2),
        maxSize: z.number().int("must be a whole number").min(1, "must be at least 1").default(3),
        nodeGroupName: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "must be 1-63 letters, digits, '-' or '_'")
            .default("eks-cluster-nodegroup"),
        /** CIDRs allowed to reach the public API endpoint. */
        endpointPublicAccessCidrs: z
            .array(publicAccessCidr)
            .min(1, "must list at least one CIDR")
            .max(40, "must list at most 40 CIDRs (the EKS limit)")
            .default(["0.0.0.0/0"]),
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
    })
    .superRefine((eks, ctx) => {
        if (eks.minSize > eks.desiredSize) {
            ctx.addIssue({
                code: "custom",
                path: ["desiredSize"],
                input: eks.desiredSize,
                message: `must be at least minSize (${eks.minSize})`,
            });
        }
        if (eks.desiredSize > eks.maxSize) {
            ctx.addIssue({
                code: "custom",
                path: ["maxSize"],
                input: eks.maxSize,
                message: `must be at least desiredSize (${eks.desiredSize})`,
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
