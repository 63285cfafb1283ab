import * as pulumi from "@pulumi/pulumi";
import type { ClusterTarget } from "../target";
import type { ServicePortSpec } from "./service-spec";

/** What every Service in front of the StatefulSet's pods takes. */
export interface SelectorServiceArgs {
    /** The cluster: its provider creates the Service. */
    target: ClusterTarget;
    /** Namespace of the workload; a Service selects pods in its own namespace only. */
    namespace: pulumi.Input<string>;
    /** `metadata.name` of the Service: the DNS name clients use (`<name>.<namespace>.svc`). */
    serviceName: string;
    /** The StatefulSet's pod template labels (its matchLabels), taken from the workload, never retyped. */
    selector: Record<string, string>;
    /** The workload's port. */
    port: ServicePortSpec;
    /**
     * Labels on the Service object.
     * @default - the selector labels
     */
    labels?: Record<string, string>;
}
