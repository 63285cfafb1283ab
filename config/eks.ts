import { z } from "zod";
import { cidr } from "./fields";

/** Kubernetes versions EKS supports in standard support now. */
export const SUPPORTED_EKS_VERSIONS = ["1.34", "1.35"] as const;

/** The EKS cluster and its managed node group: `eks` in the stack file. */
export const eksSchema = z
    .strictObject({
        version: z.enum(SUPPORTED_EKS_VERSIONS).default("1.34"),
        instanceType: z.string().min(1, "must name an EC2 instance type such as t3.medium").default("t3.medium"),
        minSize: z.number().int("must be a whole number").min(1, "must be at least 1").default(1),
        desiredSize: z.number().int("must be a whole number").min(1, "must be at least 1").default(2),
        maxSize: z.number().int("must be a whole number").min(1, "must be at least 1").default(3),
        nodeGroupName: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "must be 1-63 letters, digits, '-' or '_'")
            .default("eks-cluster-nodegroup"),
        /** CIDRs allowed to reach the public API endpoint. */
        endpointPublicAccessCidrs: z.array(cidr).min(1, "must list at least one CIDR").default(["0.0.0.0/0"]),
        /** An existing VPC; absent means the account's default VPC. */
        vpcId: z
            .string()
            .regex(/^vpc-[0-9a-f]+$/, "must be a VPC id such as vpc-0abc123")
            .optional(),
        /** Subnets of that VPC for the cluster and nodes. */
        subnetIds: z
            .array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be subnet ids such as subnet-0abc123"))
            .optional(),
        /** NLB scheme for LoadBalancer Services. */
        loadBalancerScheme: z.enum(["internet-facing", "internal"]).default("internet-facing"),
        tags: z.record(z.string(), z.string()).default({}),
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
    });

export type EksConfig = z.infer<typeof eksSchema>;
