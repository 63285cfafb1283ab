import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterTarget } from "../target";

export interface ExternalNameServiceArgs {
    /** The cluster: its provider creates the Service. */
    target: ClusterTarget;
    /** Namespace of the alias: clients in it resolve `<alias>` to the host. */
    namespace: pulumi.Input<string>;
    /** `metadata.name`: the name clients use. */
    alias: string;
    /** The DNS name the alias stands for (a CNAME; never an IP, never localhost: the config checks it). */
    host: pulumi.Input<string>;
    /**
     * Labels on the Service object.
     * @default {}
     */
    labels?: Record<string, string>;
}

/**
 * An ExternalName Service: a DNS alias (CNAME) inside the cluster for a host outside it, so the app uses the
 * same name (`database`) in every stack while each stack points it elsewhere. No selector, no ports, no
 * proxying; the provider does not wait for endpoints.
 */
export class ExternalNameService extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    /** `metadata.name` of the Service: the alias. */
    public readonly serviceName: pulumi.Output<string>;
    /** `ExternalName`. */
    public readonly type: pulumi.Output<string>;
    /** The host the alias resolves to. */
    public readonly host: pulumi.Output<string>;

    constructor(name: string, args: ExternalNameServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:services:ExternalNameService", name, {}, opts);

        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: args.alias, namespace: args.namespace, labels: args.labels ?? {} },
                spec: { type: "ExternalName", externalName: args.host },
            },
            { parent: this, provider: args.target.provider },
        );
        this.serviceName = this.service.metadata.name;
        this.type = this.service.spec.type;
        this.host = this.service.spec.externalName;

        this.registerOutputs({ serviceName: this.serviceName, type: this.type, host: this.host });
    }
}
