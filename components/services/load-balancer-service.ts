import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SelectorServiceArgs } from "./selector-service-args";
import { fixedAddresses } from "../metallb-annotations";
import { loadBalancerAddress, loadBalancerSpec, servicePorts } from "./service-spec";

export interface LoadBalancerServiceArgs extends SelectorServiceArgs {
    /**
     * Client CIDRs allowed to reach the load balancer (`loadBalancerSourceRanges`).
     * @default [] - everyone
     */
    sourceRanges?: string[];
    /**
     * `Local` keeps the client's source IP and sends traffic only to nodes running a pod; `Cluster` spreads
     * it over every node.
     * @default "Cluster"
     */
    externalTrafficPolicy?: "Cluster" | "Local";
}

/**
 * A LoadBalancer Service for the StatefulSet's pods: one external address (a MetalLB address on bare metal,
 * an AWS NLB hostname on EKS). The platform's annotations choose the pool, address or load balancer kind;
 * no `spec.loadBalancerIP` (deprecated) and no `externalIPs` (CVE-2020-8554).
 *
 * The provider waits until `status.loadBalancer.ingress` is set, so the Service depends on the platform's
 * load balancer readiness (MetalLB pools and advertisements): without them `pulumi up` would wait for an
 * address that cannot come.
 */
export class LoadBalancerService extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    /** `metadata.name` of the Service. */
    public readonly serviceName: pulumi.Output<string>;
    /** `LoadBalancer`. */
    public readonly type: pulumi.Output<string>;
    /** The load balancer's IP (MetalLB) or hostname (AWS); undefined if the provider was told not to wait. */
    public readonly address: pulumi.Output<string | undefined>;

    constructor(name: string, args: LoadBalancerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:services:LoadBalancerService", name, {}, opts);
        const fixed = fixedAddresses(args.target.loadBalancer.annotations);

        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: {
                    name: args.serviceName,
                    namespace: args.namespace,
                    labels: args.labels ?? args.selector,
                    annotations: args.target.loadBalancer.annotations,
                },
                spec: {
                    type: "LoadBalancer",
                    selector: args.selector,
                    ports: servicePorts(args.port),
                    ...loadBalancerSpec(args),
                },
            },
            {
                parent: this,
                provider: args.target.provider,
                dependsOn: [...args.target.ready, ...args.target.loadBalancer.ready],
                // A fixed address serves one Service: a replacement must give it up first. A new fixed address
                // replaces the Service (the engine compares the trigger with the last one it recorded), so
                // `pulumi up` waits for an ingress that shows the new address; an in-place update would return
                // on the old one, which is still in the status.
                ...(fixed !== undefined ? { deleteBeforeReplace: true, replacementTrigger: fixed } : {}),
            },
        );
        this.serviceName = this.service.metadata.name;
        this.type = this.service.spec.type;
        this.address = this.service.status.apply(loadBalancerAddress);

        this.registerOutputs({ serviceName: this.serviceName, type: this.type, address: this.address });
    }
}
