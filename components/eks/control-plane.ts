import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { EKS_ACCESS_POLICIES, type EksAccessEntriesConfig } from "../../config/eks-access";

/**
 * Control-plane logs the cluster sends to CloudWatch Logs (`/aws/eks/<cluster>/cluster`): `audit` (who did
 * what through the Kubernetes API) and `authenticator` (which IAM identity each request came as). `api`,
 * `controllerManager` and `scheduler` are left off: they are the bulk of the volume and serve debugging.
 * https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
 */
export const CONTROL_PLANE_LOG_TYPES = ["audit", "authenticator"] as const;

/**
 * The KMS key that envelope-encrypts the cluster's Secrets in etcd. EKS encrypts the API data of clusters on
 * Kubernetes 1.28 and later with a key AWS owns in any case; a key of the account's own adds control: its key policy and CloudTrail say who may
 * decrypt, and disabling it cuts every copy of the Secrets off. Once a cluster has one it cannot be taken
 * off (terraform-provider-aws internal/service/eks/cluster.go `resourceCluster` forces a new cluster when
 * `encryption_config` is removed); adding one to an existing cluster is an in-place update.
 * https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html
 */
export function secretsKeyArgs(clusterName: string, tags: Readonly<Record<string, string>>) {
    return {
        description: `Envelope encryption of the Kubernetes Secrets of the EKS cluster ${clusterName}`,
        enableKeyRotation: true,
        // The longest wait: a key deleted by mistake can be restored for 30 days.
        deletionWindowInDays: 30,
        tags: { ...tags },
    };
}

/** The ARN of an EKS access policy. */
export function accessPolicyArn(partition: string, policy: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/${policy}`;
}

/**
 * `eks.accessEntries` as pulumi-eks 4.3.0 takes them (`ClusterOptions.accessEntries`; its
 * cluster/authenticationMode.ts `createAccessEntries` makes an `aws.eks.AccessEntry` named
 * `<cluster>-<key>` and one `aws.eks.AccessPolicyAssociation` per policy under it).
 */
export function clusterAccessEntries(
    entries: EksAccessEntriesConfig,
    partition: pulumi.Input<string>,
): Record<string, eks.types.input.AccessEntryArgs> {
    return Object.fromEntries(
        Object.entries(entries).map(([name, entry]) => [
            name,
            {
                principalArn: entry.principalArn,
                accessPolicies: {
                    [entry.access]: {
                        policyArn: pulumi
                            .output(partition)
                            .apply((p) => accessPolicyArn(p, EKS_ACCESS_POLICIES[entry.access])),
                        accessScope: entry.namespaces
                            ? { type: "namespace", namespaces: [...entry.namespaces] }
                            : { type: "cluster" },
                    },
                },
            },
        ]),
    );
}
