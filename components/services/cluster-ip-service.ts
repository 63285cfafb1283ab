import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SelectorServiceArgs } from "./selector-service-args";
import { servicePorts } from "./service-spec";

export type ClusterIpServiceArgs = SelectorServiceArgs;

/**
 * A ClusterIP Service for the StatefulSet's pods: one stable virtual IP inside the cluster that spreads
 * connections over every ready pod. What other workloads in the cluster use.
 */
export class ClusterIpService extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    /** `metadata.name` of the Service. */
    public readonly serviceName: pulumi.Output<string>;
    /** `ClusterIP`. */
    public readonly type: pulumi.Output<string>;
    /** The virtual IP Kubernetes allocated. */
    public readonly clusterIP: pulumi.Output<string>;

    constructor(name: string, args: ClusterIpServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:services:ClusterIpService", name, {}, opts);

        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels: args.labels ?? args.selector },
                spec: { type: "ClusterIP", selector: args.selector, ports: servicePorts(args.port) },
            },
            // The provider waits for ready endpoints: pods that cannot run before the platform is ready.
            { parent: this, provider: args.target.provider, dependsOn: args.target.ready },
        );
        this.serviceName = this.service.metadata.name;
        this.type = this.service.spec.type;
        this.clusterIP = this.service.spec.clusterIP;

        this.registerOutputs({ serviceName: this.serviceName, type: this.type, clusterIP: this.clusterIP });
    }
}
