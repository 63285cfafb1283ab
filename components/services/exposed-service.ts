import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterTarget } from "../target";
import {
    annotationsForExposure,
    loadBalancerSpec,
    parseServiceReference,
    reexposedPorts,
    selectorOf,
} from "./service-spec";

export type ExposedServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

export interface ExposedServiceArgs {
    /** The cluster: its provider reads the original and creates the new Service. */
    target: ClusterTarget;
    /**
     * The Service to re-expose: one this program manages, or `namespace/name` of one already in the cluster,
     * which is read (`Service.get`) and never changed.
     */
    from: k8s.core.v1.Service | string;
    /** `metadata.name` of the new Service, in the original's namespace (a selector only sees its own namespace). */
    serviceName: string;
    /** The type of the new Service. */
    type: ExposedServiceType;
    /**
     * Client CIDRs allowed to reach the load balancer (LoadBalancer only).
     * @default [] - everyone
     */
    sourceRanges?: string[];
    /**
     * External traffic policy (LoadBalancer only).
     * @default "Cluster"
     */
    externalTrafficPolicy?: "Cluster" | "Local";
    /**
     * Resources the new Service waits for besides the platform's readiness: the program's own LoadBalancer
     * Service, so that a copy drawing from the same pool never takes its fixed address first.
     * @default []
     */
    after?: pulumi.Resource[];
    /**
     * Labels on the new Service.
     * @default - the original's labels, as `kubectl expose` does
     */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Records on the new Service which Service it copies, for whoever finds it with `kubectl get svc`. */
export const EXPOSES_ANNOTATION = "stateful-nginx/exposes";

/**
 * kube-linter's opt-out of `dangling-service` (https://docs.kubelinter.io/#/configuring-kubelinter): a copy of a
 * Service already in the cluster selects pods this program does not create, which linters and the
 * `service-targets-workload` policy would otherwise report as selecting nothing.
 */
export const IGNORE_DANGLING_ANNOTATION = "ignore-check.kube-linter.io/dangling-service";

/**
 * A new Service of another type with the same selector and ports as an existing one, which stays untouched:
 * `kubectl expose service <name> --type <type> --name <new>` as code. The troubleshooting move for
 * reaching pods behind a ClusterIP from outside, or trying a load balancer without changing the original.
 * Node ports and the cluster IP are never copied; the new Service gets its own.
 */
export class ExposedService extends pulumi.ComponentResource {
    /** The original, as this program knows it (read from the cluster when given as `namespace/name`). */
    public readonly source: k8s.core.v1.Service;
    /** True when the original was read from the cluster rather than created by this program. */
    public readonly sourceIsRead: boolean;
    public readonly service: k8s.core.v1.Service;
    /** `metadata.name` of the new Service. */
    public readonly serviceName: pulumi.Output<string>;
    /** The new Service's type. */
    public readonly type: pulumi.Output<string>;

    constructor(name: string, args: ExposedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:services:ExposedService", name, {}, opts);
        const provider = args.target.provider;

        let namespace: pulumi.Input<string>;
        let what: pulumi.Input<string>;
        if (typeof args.from === "string") {
            const reference = parseServiceReference(args.from);
            this.source = k8s.core.v1.Service.get(`${name}-source`, args.from, { parent: this, provider });
            this.sourceIsRead = true;
            namespace = reference.namespace;
            what = args.from;
        } else {
            this.source = args.from;
            this.sourceIsRead = false;
            namespace = args.from.metadata.namespace;
            what = pulumi.interpolate`${args.from.metadata.namespace}/${args.from.metadata.name}`;
        }
        const whatText = pulumi.output(what);
        const selector = pulumi
            .all([this.source.spec, whatText])
            .apply(([spec, description]) => selectorOf(spec, description));
        const ports = pulumi
            .all([this.source.spec, whatText])
            .apply(([spec, description]) => reexposedPorts(spec?.ports, description));

        const isLoadBalancer = args.type === "LoadBalancer";
        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: {
                    name: args.serviceName,
                    namespace,
                    labels: args.labels ?? this.source.metadata.apply((metadata) => metadata?.labels ?? {}),
                    annotations: {
                        ...(isLoadBalancer ? annotationsForExposure(args.target.loadBalancer.annotations) : {}),
                        [EXPOSES_ANNOTATION]: what,
                        ...(this.sourceIsRead
                            ? {
                                  [IGNORE_DANGLING_ANNOTATION]: `re-exposes ${String(args.from)}, whose pods this stack does not create`,
                              }
                            : {}),
                    },
                },
                spec: {
                    type: args.type,
                    selector,
                    ports,
                    ...(isLoadBalancer ? loadBalancerSpec(args) : {}),
                },
            },
            {
                parent: this,
                provider,
                // A selector Service waits for ready endpoints, a LoadBalancer also for its address.
                dependsOn: [
                    ...args.target.ready,
                    ...(isLoadBalancer ? args.target.loadBalancer.ready : []),
                    ...(args.after ?? []),
                ],
            },
        );
        this.serviceName = this.service.metadata.name;
        this.type = this.service.spec.type;

        this.registerOutputs({ serviceName: this.serviceName, type: this.type });
    }
}
