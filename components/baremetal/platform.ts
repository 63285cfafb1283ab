import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetalLbConfig, ServicesConfig } from "../../config";
import type { ClusterTarget } from "../target";

export interface BareMetalPlatformArgs {
    /** The cluster's kubeconfig (a secret); undefined means the ambient kubeconfig. */
    kubeconfig?: pulumi.Input<string>;
    /** A context of that kubeconfig; undefined means its current context. */
    kubeContext?: string;
    metallb: MetalLbConfig;
    /** The LoadBalancer Service's settings (pool, fixed addresses). */
    loadBalancer: ServicesConfig["loadBalancer"];
    /** @default "standard" (kind's and many distributions' default class) */
    storageClassName?: string;
}

/** An existing cluster reached by kubeconfig, with MetalLB giving LoadBalancer Services their addresses. */
export class BareMetalPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;

    constructor(name: string, args: BareMetalPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:platform:BareMetalPlatform", name, {}, opts);
        const provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: args.kubeconfig, context: args.kubeContext },
            { parent: this },
        );
        this.target = {
            kind: "baremetal",
            provider,
            storageClassName: args.storageClassName ?? "standard",
            ready: [],
            loadBalancer: { annotations: {}, ready: [] },
        };
        this.registerOutputs({});
    }
}
