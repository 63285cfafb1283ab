/**
 * The EKS addons of the cluster, all managed and all following the control plane's version: `vpc-cni` and
 * `kube-proxy` from pulumi-eks's `eks.Cluster`, `coredns` and `aws-ebs-csi-driver` from this program.
 * The upgrade steps in docs/operations.md name each of them.
 */
export const CLUSTER_ADDONS = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"] as const;
