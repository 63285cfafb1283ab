import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_METALLB_NAMESPACE } from "../../config/metallb";

/** The namespace MetalLB runs in and watches for its custom resources, unless `metallb.namespace` says otherwise. */
export const METALLB_NAMESPACE = DEFAULT_METALLB_NAMESPACE;

/** A label selector as MetalLB's CRDs take it (node selectors, pool selectors). */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** What every MetalLB custom resource wrapper takes: the object's name and namespace, and its spec. */
export interface MetalLbResourceArgs<Spec> {
    /** `metadata.name`: set explicitly, because Services and advertisements refer to pools by name. */
    name: string;
    /** Where MetalLB runs: it reads its custom resources from its own namespace only. @default METALLB_NAMESPACE */
    namespace?: string;
    spec: pulumi.Input<Spec>;
    /** Extra labels on the object. */
    labels?: Record<string, string>;
}

/**
 * A MetalLB custom resource with a typed `spec`, in MetalLB's namespace. The subclasses fix `apiVersion`
 * and `kind`; `k8s.apiextensions.CustomResource` itself takes any fields.
 */
export abstract class MetalLbCustomResource<Spec extends object> extends k8s.apiextensions.CustomResource {
    // `declare`: the base constructor assigns every registered field; a class field would reset it.
    declare public readonly spec: pulumi.Output<Spec>;

    protected constructor(
        apiVersion: string,
        kind: string,
        name: string,
        args: MetalLbResourceArgs<Spec>,
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(
            name,
            {
                apiVersion,
                kind,
                metadata: { name: args.name, namespace: args.namespace ?? METALLB_NAMESPACE, labels: args.labels },
                spec: args.spec,
            },
            opts,
        );
    }
}
