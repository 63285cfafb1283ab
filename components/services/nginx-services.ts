import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ownServiceNames, type ServicesConfig } from "../../config";
import type { ClusterTarget } from "../target";
import { ClusterIpService } from "./cluster-ip-service";
import { ExposedService } from "./exposed-service";
import { ExternalNameService } from "./external-name-service";
import { LoadBalancerService } from "./load-balancer-service";
import { NodePortService } from "./node-port-service";
import { describeServiceType, type ServicePortSpec } from "./service-spec";

export interface NginxServicesArgs {
    /** The cluster: its provider, load balancer annotations and readiness. */
    target: ClusterTarget;
    /** Namespace of the workload. */
    namespace: pulumi.Input<string>;
    /** The app's name; the Services are named from it (`ownServiceNames`). */
    appName: string;
    /** The StatefulSet's pod template labels. */
    selector: Record<string, string>;
    /** The workload's port. */
    port: ServicePortSpec;
    /** `services` of the stack config. */
    services: ServicesConfig;
    /**
     * The workload's headless Service: listed in the outputs, and the original of `from: headless` exposures.
     * @default - none; an exposure from `headless` is then an error
     */
    headlessService?: k8s.core.v1.Service;
    /**
     * Labels on every Service object.
     * @default - the selector labels (ExternalName aliases: none)
     */
    labels?: Record<string, string>;
}

/** One line of the `services` stack output. */
export interface ServiceSummary {
    name: string;
    namespace: string;
    /** The Service's type; the headless Service reads `ClusterIP (headless)`. */
    type: string;
}

function summaryOf(service: k8s.core.v1.Service): pulumi.Output<ServiceSummary> {
    return pulumi.all([service.metadata, service.spec]).apply(([metadata, spec]) => ({
        name: metadata.name,
        namespace: metadata.namespace,
        type: describeServiceType(spec),
    }));
}

/**
 * Every Service in front of the StatefulSet, from the `services` config: ClusterIP, NodePort and
 * LoadBalancer (each unless disabled), one ExternalName Service per alias, and the re-exposed Services.
 */
export class NginxServices extends pulumi.ComponentResource {
    public readonly clusterIpService?: ClusterIpService;
    public readonly nodePortService?: NodePortService;
    public readonly loadBalancerService?: LoadBalancerService;
    /** One per `services.externalNames` entry. */
    public readonly externalNameServices: ExternalNameService[];
    /** One per `services.exposures` entry. */
    public readonly exposedServices: ExposedService[];

    /** Name, namespace and type of each Service, the headless one first. */
    public readonly services: pulumi.Output<ServiceSummary[]>;
    /** The NodePort Service's node port; undefined when it is disabled. */
    public readonly nodePort?: pulumi.Output<number>;
    /** The load balancer's IP or hostname; undefined when the LoadBalancer Service is disabled. */
    public readonly loadBalancerAddress?: pulumi.Output<string | undefined>;
    /** ExternalName aliases: alias to the host it resolves to. */
    public readonly externalNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: NginxServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:services:NginxServices", name, {}, opts);
        const names = ownServiceNames(args.appName);
        const services = args.services;
        const common = {
            target: args.target,
            namespace: args.namespace,
            selector: args.selector,
            port: args.port,
            labels: args.labels,
        };

        if (services.clusterIP.enabled) {
            this.clusterIpService = new ClusterIpService(
                `${name}-clusterip`,
                { ...common, serviceName: names.clusterip },
                { parent: this },
            );
        }
        if (services.nodePort.enabled) {
            this.nodePortService = new NodePortService(
                `${name}-nodeport`,
                { ...common, serviceName: names.nodeport, nodePort: services.nodePort.port },
                { parent: this },
            );
            this.nodePort = this.nodePortService.nodePort;
        }
        if (services.loadBalancer.enabled) {
            this.loadBalancerService = new LoadBalancerService(
                `${name}-lb`,
                {
                    ...common,
                    serviceName: names.loadbalancer,
                    sourceRanges: services.loadBalancer.sourceRanges,
                    externalTrafficPolicy: services.loadBalancer.externalTrafficPolicy,
                },
                { parent: this },
            );
            this.loadBalancerAddress = this.loadBalancerService.address;
        }

        this.externalNameServices = Object.entries(services.externalNames).map(
            ([alias, host]) =>
                new ExternalNameService(
                    `${name}-alias-${alias}`,
                    { target: args.target, namespace: args.namespace, alias, host, labels: args.labels },
                    { parent: this },
                ),
        );

        const own: Record<string, k8s.core.v1.Service | undefined> = {
            headless: args.headlessService,
            clusterip: this.clusterIpService?.service,
            nodeport: this.nodePortService?.service,
            loadbalancer: this.loadBalancerService?.service,
        };
        this.exposedServices = services.exposures.map((exposure) => {
            const isOwn = !exposure.from.includes("/");
            const from = isOwn ? own[exposure.from] : exposure.from;
            if (!from) {
                throw new Error(
                    `exposure ${exposure.name} re-exposes the ${exposure.from} Service, which is not created here`,
                );
            }
            return new ExposedService(
                `${name}-expose-${exposure.name}`,
                {
                    target: args.target,
                    from,
                    serviceName: exposure.name,
                    type: exposure.type,
                    sourceRanges: services.loadBalancer.sourceRanges,
                    externalTrafficPolicy: services.loadBalancer.externalTrafficPolicy,
                    // Our own copies carry the app's labels; a copy of a foreign Service keeps the original's.
                    labels: isOwn ? (args.labels ?? args.selector) : undefined,
                    // The main Service first: a copy from the same pool never takes an address it asked for.
                    // (A fixed address is in a pool of its own, which the copy does not ask for.)
                    after:
                        exposure.type === "LoadBalancer" && this.loadBalancerService
                            ? [this.loadBalancerService.service]
                            : [],
                },
                { parent: this },
            );
        });

        const all = [
            ...(args.headlessService ? [args.headlessService] : []),
            ...[this.clusterIpService, this.nodePortService, this.loadBalancerService].flatMap((component) =>
                component ? [component.service] : [],
            ),
            ...this.externalNameServices.map((component) => component.service),
            ...this.exposedServices.map((component) => component.service),
        ];
        this.services = pulumi.all(all.map(summaryOf));
        this.externalNames = pulumi
            .all(this.externalNameServices.map((component) => pulumi.all([component.serviceName, component.host])))
            .apply((pairs) => Object.fromEntries(pairs));

        this.registerOutputs({
            services: this.services,
            nodePort: this.nodePort,
            loadBalancerAddress: this.loadBalancerAddress,
            externalNames: this.externalNames,
        });
    }
}
