import * as pulumi from "@pulumi/pulumi";
import { kubernetesMinor } from "../../config/eks";

export { kubernetesMinor } from "../../config/eks";

/** The AWS resource that pulumi-eks's `eks.Cluster` creates for the control plane. */
export const CONTROL_PLANE_TYPE = "aws:eks/cluster:Cluster";

/**
 * Leaves the control plane's Kubernetes version to EKS once the cluster exists. With upgrade policy
 * STANDARD, EKS upgrades a control plane itself when its version leaves standard support; a pinned version
 * would then make the next `up` ask for a downgrade, which EKS refuses. `eks.version` still sets the version
 * a new cluster starts at and the version the node groups run; stepping the control plane is documented in
 * docs/operations.md ("EKS: a new Kubernetes version").
 *
 * A transform, not `ignoreChanges` on `eks.Cluster`: the cluster is a remote component (pulumi-eks 4.3.0),
 * and only transforms reach the resources a remote component creates.
 * https://www.pulumi.com/docs/iac/concepts/resources/options/transforms/
 */
export const leaveControlPlaneVersionToEks: pulumi.ResourceTransform = (args) => {
    if (args.type !== CONTROL_PLANE_TYPE) return undefined;
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, { ignoreChanges: ["version"] }) };
};

/**
 * Options for the `eks.Cluster`. The engine runs transforms; Pulumi's mock runtime has no engine and refuses
 * them, so offline evaluation (tests, synth) leaves them out and tests call the transform directly.
 */
export function clusterTransforms(engineRunsTransforms: boolean): pulumi.ResourceTransform[] {
    return engineRunsTransforms ? [leaveControlPlaneVersionToEks] : [];
}

/** Whether the runtime can run transforms: the flag the SDK checks before it refuses one (@pulumi/pulumi 3.248, runtime/resource.js). */
export function runtimeSupportsTransforms(): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { supportsTransforms?: boolean } };
    return state.getStore().supportsTransforms === true;
}

/**
 * Nodes newer than their control plane: EKS refuses such a node group update (nodes may lag the control plane,
 * never lead it: https://kubernetes.io/releases/version-skew-policy/), and only after `pulumi up` has started.
 * The program reads the running control plane's version first and stops with what to run instead.
 *
 * @param controlPlaneVersion what the running cluster reports (`aws eks describe-cluster`), e.g. `1.34`.
 * @returns the one-line refusal, or undefined when nodes at `nodeVersion` may join.
 */
export function nodeVersionProblem(
    nodeVersion: string,
    controlPlaneVersion: string,
    clusterName: string,
): string | undefined {
    const controlPlaneMinor = kubernetesMinor(controlPlaneVersion);
    if (!(kubernetesMinor(nodeVersion) > controlPlaneMinor)) return undefined;
    // EKS moves a control plane one minor version per update.
    const next = `1.${controlPlaneMinor + 1}`;
    const repeat = next === nodeVersion ? "" : ` (and again, one minor version at a time, up to ${nodeVersion})`;
    return (
        `stateful-nginx:eks.version: got ${nodeVersion}; the control plane of ${clusterName} runs ${controlPlaneVersion} and nodes may not be newer: ` +
        `run aws eks update-cluster-version --name ${clusterName} --kubernetes-version ${next} and aws eks wait cluster-active --name ${clusterName}${repeat}, ` +
        `then pulumi up --refresh`
    );
}
