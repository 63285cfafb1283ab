import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SelectorServiceArgs } from "./selector-service-args";
import { servicePorts } from "./service-spec";

export interface NodePortServiceArgs extends SelectorServiceArgs {
    /**
     * The port every node listens on, in the cluster's node port range (`NODE_PORT_RANGE` of
     * config/services.ts by default; the config checks it).
     * @default - Kubernetes allocates a free port from the range
     */
    nodePort?: number;
}

/**
 * A NodePort Service for the StatefulSet's pods: reachable on one port of every node's address, from outside
 * the cluster, without a load balancer. For bare-metal and lab clusters, or a quick look from a laptop.
 */
export class NodePortService extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    /** `metadata.name` of the Service. */
    public readonly serviceName: pulumi.Output<string>;
    /** `NodePort`. */
    public readonly type: pulumi.Output<string>;
    /** The node port: the configured one, or the one Kubernetes allocated. */
    public readonly nodePort: pulumi.Output<number>;

    constructor(name: string, args: NodePortServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:services:NodePortService", name, {}, opts);

        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels: args.labels ?? args.selector },
                spec: { type: "NodePort", selector: args.selector, ports: servicePorts(args.port, args.nodePort) },
            },
            {
                parent: this,
                provider: args.target.provider,
                // The provider waits for ready endpoints: pods that cannot run before the platform is ready.
                dependsOn: args.target.ready,
                // A fixed port is allocated once per cluster: a replacement (a new name or namespace) must free
                // it first, or the new Service fails with "provided port is already allocated".
                deleteBeforeReplace: args.nodePort !== undefined,
            },
        );
        this.serviceName = this.service.metadata.name;
        this.type = this.service.spec.type;
        this.nodePort = this.service.spec.ports.apply((ports) => ports[0].nodePort);

        this.registerOutputs({ serviceName: this.serviceName, type: this.type, nodePort: this.nodePort });
    }
}
