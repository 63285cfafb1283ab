/**
 * IAM policy documents and managed policy ARNs, as plain data: the trust of each role is a decision worth
 * testing on its own.
 */

/** A policy document as IAM reads it. */
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Record<string, unknown>[];
}

/** What every EKS node needs: join the cluster, run the VPC CNI, pull images from ECR. */
export const NODE_MANAGED_POLICIES = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
] as const;

/** What the EBS CSI controller needs to create, attach, resize and delete volumes. */
export const EBS_CSI_MANAGED_POLICY = "AmazonEBSCSIDriverPolicy";

/** The service account the `aws-ebs-csi-driver` addon runs its controller as. */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;

/** The ARN of an AWS managed policy in a partition (`aws`, `aws-cn`, `aws-us-gov`). */
export function managedPolicyArn(partition: string, policyName: string): string {
    return `arn:${partition}:iam::aws:policy/${policyName}`;
}

/** Trust for a role that an AWS service's principal assumes, e.g. EC2 instances for nodes. */
export function serviceTrustPolicy(servicePrincipal: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" }],
    };
}

export interface ServiceAccountTrust {
    /** ARN of the cluster's IAM OIDC provider. */
    oidcProviderArn: string;
    /** The cluster's OIDC issuer without `https://`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
    oidcIssuer: string;
    namespace: string;
    serviceAccount: string;
}

/**
 * IRSA trust: tokens of exactly one Kubernetes service account, issued by this cluster for STS, may assume
 * the role. Both `sub` and `aud` are pinned, so no other pod of the cluster can use it.
 * https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function serviceAccountTrustPolicy(trust: ServiceAccountTrust): PolicyDocument {
    const issuer = trust.oidcIssuer.replace(/^https:\/\//, "");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: trust.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${trust.namespace}:${trust.serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}
