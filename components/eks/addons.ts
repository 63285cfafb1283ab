import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ADDONS } from "./addon-names";

export { CLUSTER_ADDONS } from "./addon-names";

/**
 * The addon's version for the control plane's Kubernetes version: the newest EKS publishes for it, as
 * pulumi-eks 4.3.0 resolves `vpc-cni` and `kube-proxy` (nodejs/eks/cluster/cluster.ts `createCore`,
 * nodejs/eks/addons/cni-addon.ts: `getAddonVersionOutput` with `mostRecent: true`), so all four addons move
 * together when the control plane does.
 */
export function addonVersionFor(
    addonName: (typeof CLUSTER_ADDONS)[number],
    kubernetesVersion: pulumi.Input<string>,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    return aws.eks
        .getAddonVersionOutput({ addonName, kubernetesVersion, mostRecent: true }, { parent })
        .apply((found) => found.version);
}

export interface CoreDnsAddonArgs {
    clusterName: pulumi.Input<string>;
    /** The control plane's Kubernetes version, which picks the addon's version. */
    kubernetesVersion: pulumi.Input<string>;
    /** The node groups: CoreDNS's pods need a node before the addon turns ACTIVE. */
    nodes: pulumi.Input<pulumi.Resource>[];
    tags?: Record<string, string>;
}

/**
 * CoreDNS as an EKS addon, so EKS upgrades it with the cluster. pulumi-eks 4.3.0 creates it only with its
 * default node group or Fargate (nodejs/eks/cluster/cluster.ts, "We can only enable the coredns addon if we
 * have a node group to place it on"); with `skipDefaultNodeGroup` the cluster keeps the CoreDNS EKS bootstrapped
 * at creation, at that version forever. The addon takes it over (`OVERWRITE` on create) once the managed node
 * groups exist: an addon created before any node waits for pods that cannot be scheduled.
 */
export function coreDnsAddon(name: string, args: CoreDnsAddonArgs, parent: pulumi.Resource): aws.eks.Addon {
    return new aws.eks.Addon(
        name,
        {
            clusterName: args.clusterName,
            addonName: "coredns",
            addonVersion: addonVersionFor("coredns", args.kubernetesVersion, parent),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
            tags: args.tags ?? {},
        },
        { parent, dependsOn: args.nodes },
    );
}
