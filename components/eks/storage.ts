import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    EBS_CSI_MANAGED_POLICY,
    EBS_CSI_SERVICE_ACCOUNT,
    managedPolicyArn,
    serviceAccountTrustPolicy,
} from "./policies";
import { addonVersionFor } from "./addons";
import {
    EBS_CSI_PROVISIONER,
    ebsCsiConfiguration,
    GP3_ALLOWS_EXPANSION,
    GP3_CLASS_NAME,
    gp3Parameters,
} from "./storage-class";

export interface EbsCsiStorageArgs {
    /** The EKS cluster's name (not the Pulumi name). */
    clusterName: pulumi.Input<string>;
    /** ARN of the cluster's IAM OIDC provider. */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer, with or without `https://`. */
    oidcIssuer: pulumi.Input<string>;
    /** The cluster's Kubernetes provider, for the StorageClass. */
    provider: k8s.Provider;
    /** What must exist before the addon: nodes for its controller pods (the addon waits to be ACTIVE). */
    nodes: pulumi.Input<pulumi.Resource>[];
    /** The control plane's Kubernetes version, which picks the addon's version unless `addonVersion` is given. */
    kubernetesVersion: pulumi.Input<string>;
    /** @default "gp3" */
    storageClassName?: string;
    /**
     * What happens to a volume when its claim is deleted.
     * @default "Retain" (data outlives the claim, the namespace and the cluster; delete volumes by hand)
     */
    reclaimPolicy?: "Retain" | "Delete";
    /** Addon version, e.g. `v1.48.0-eksbuild.1`. @default the newest EKS publishes for `kubernetesVersion` */
    addonVersion?: pulumi.Input<string>;
    /** AWS partition of the managed policy ARN. @default "aws" */
    partition?: pulumi.Input<string>;
    /** Tags for the role, the addon and (through the driver's extra tags) every volume. @default {} */
    tags?: Record<string, string>;
}

/**
 * Persistent volumes on EKS: the `aws-ebs-csi-driver` addon, the IAM role its controller uses, and a gp3
 * StorageClass. Since Kubernetes 1.23 the in-tree EBS provisioner is gone, so without the driver every
 * PersistentVolumeClaim stays Pending; since 1.30 EKS marks no StorageClass as default.
 * https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
 *
 * The role is given through IRSA rather than EKS Pod Identity. The cluster has an OIDC provider anyway,
 * so IRSA needs nothing more in the cluster, whereas Pod Identity needs the `eks-pod-identity-agent`
 * addon: one more DaemonSet pod on every node (a t3.medium holds 17 pods) and one more addon the driver
 * must wait for. The trust is pinned to the driver's one service account, as tight as Pod Identity's.
 */
export class EbsCsiStorage extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly addon: aws.eks.Addon;
    public readonly storageClass: k8s.storage.v1.StorageClass;
    /**
     * The StorageClass's name, a plain value: claims that name it do not wait on the class's outputs, so a
     * replaced class (unknown outputs in a preview) never shows the StatefulSet's claim templates as changing.
     */
    public readonly storageClassName: string;

    constructor(name: string, args: EbsCsiStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:eks:EbsCsiStorage", name, {}, opts);
        const tags = args.tags ?? {};
        const partition = pulumi.output(args.partition ?? "aws");

        const trust = pulumi.all([args.oidcProviderArn, args.oidcIssuer]).apply(([oidcProviderArn, oidcIssuer]) =>
            JSON.stringify(
                serviceAccountTrustPolicy({
                    oidcProviderArn,
                    oidcIssuer,
                    namespace: EBS_CSI_SERVICE_ACCOUNT.namespace,
                    serviceAccount: EBS_CSI_SERVICE_ACCOUNT.name,
                }),
            ),
        );
        this.role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: trust, tags }, { parent: this });
        const attachment = new aws.iam.RolePolicyAttachment(
            `${name}-${EBS_CSI_MANAGED_POLICY}`,
            { role: this.role.name, policyArn: partition.apply((p) => managedPolicyArn(p, EBS_CSI_MANAGED_POLICY)) },
            { parent: this },
        );

        this.addon = new aws.eks.Addon(
            `${name}-addon`,
            {
                clusterName: args.clusterName,
                addonName: "aws-ebs-csi-driver",
                addonVersion: args.addonVersion ?? addonVersionFor("aws-ebs-csi-driver", args.kubernetesVersion, this),
                serviceAccountRoleArn: this.role.arn,
                // Tags on volumes through the driver, where a change updates the addon instead of replacing the class.
                configurationValues: ebsCsiConfiguration(tags),
                // A new cluster has nothing to keep; later updates keep what an operator changed by hand.
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            },
            { parent: this, dependsOn: [attachment, ...args.nodes] },
        );

        this.storageClassName = args.storageClassName ?? GP3_CLASS_NAME;
        this.storageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: { name: this.storageClassName },
                provisioner: EBS_CSI_PROVISIONER,
                parameters: gp3Parameters(),
                // Create the volume in the zone the pod lands in; an EBS volume cannot follow a pod across zones.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: GP3_ALLOWS_EXPANSION,
                reclaimPolicy: args.reclaimPolicy ?? "Retain",
            },
            { parent: this, provider: args.provider, dependsOn: [this.addon] },
        );
        this.registerOutputs({ storageClassName: this.storageClassName });
    }
}
