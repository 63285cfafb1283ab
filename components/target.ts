import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export type PlatformKind = "baremetal" | "eks";

/**
 * What a platform hands to the workload: the one seam between them. The workload never asks which
 * platform it runs on; everything platform-specific arrives through these fields.
 */
export interface ClusterTarget {
    /** Which platform built this target (for outputs and docs only, never for branching in the workload). */
    readonly kind: PlatformKind;
    /** The Kubernetes provider every workload object is created with. */
    readonly provider: k8s.Provider;
    /** The StorageClass the StatefulSet's volume claims use. */
    readonly storageClassName: pulumi.Input<string>;
    /**
     * Whether that class allows volume expansion (`allowVolumeExpansion`), so a larger `app.storage.size` can
     * grow the claims in place. Undefined: not known here; the API server then decides at the claim.
     */
    readonly storageExpandable?: boolean;
    /** Resources the workload waits for before it is created (node group, storage driver, storage class). */
    readonly ready: pulumi.Resource[];
    readonly loadBalancer: {
        /** Annotations a LoadBalancer Service needs on this platform (MetalLB pool or address, AWS NLB). */
        readonly annotations: Record<string, pulumi.Input<string>>;
        /** Resources a LoadBalancer Service waits for, so `pulumi up` never waits on an address that cannot come. */
        readonly ready: pulumi.Resource[];
    };
}
