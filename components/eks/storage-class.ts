/** Whether the gp3 class lets a claim grow in place (`allowVolumeExpansion`); the target says so to the workload. */
export const GP3_ALLOWS_EXPANSION = true;

/** The CSI driver the `aws-ebs-csi-driver` addon installs. */
export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";

/** The name of the platform's StorageClass: a plain value, so the claims never wait on the class's output. */
export const GP3_CLASS_NAME = "gp3";

/**
 * Parameters of the gp3 StorageClass. gp3 gives 3,000 IOPS and 125 MiB/s at any size and costs less per
 * GiB than gp2; volumes are encrypted with the account's default EBS key.
 *
 * No tags here: a StorageClass's parameters cannot change (the API server refuses it, and pulumi-kubernetes
 * replaces the class on any change of `parameters` or `provisioner`: provider/pkg/provider/diff.go
 * `forceNew`, v4 module of 2026-01-15), so a tag in them would make every tag change a replacement. The tags
 * go to the driver instead (ebsCsiConfiguration).
 * https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export function gp3Parameters(): Record<string, string> {
    return { type: "gp3", encrypted: "true" };
}

/**
 * The `aws-ebs-csi-driver` addon's configuration values: the stack's tags as the controller's extra tags,
 * which the driver puts on every volume (and snapshot) it creates, so kept volumes can be found by tag after
 * the cluster is gone. The addon's values are the driver's Helm chart values: `controller.extraVolumeTags`
 * becomes the controller's `--extra-tags=k=v,...` (aws-ebs-csi-driver v1.64.0 charts/aws-ebs-csi-driver/values.yaml
 * and templates/_helpers.tpl `aws-ebs-csi-driver.extra-volume-tags`; pkg/driver/options.go `ExtraTags`).
 * Changing them updates the addon in place (the controller restarts); volumes made earlier keep their tags.
 */
export function ebsCsiConfiguration(tags: Readonly<Record<string, string>>): string {
    const sorted = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
    return JSON.stringify({ controller: { extraVolumeTags: sorted } });
}
