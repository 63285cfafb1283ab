/**
 * Decisions about Service specs that need no Pulumi: ports, selectors, what a re-exposed Service copies,
 * which address a load balancer reports. Tested without mocks.
 */
import type * as k8s from "@pulumi/kubernetes";
import { fixedAddresses, metallbAnnotationKeys } from "../metallb-annotations";

/** The workload's one port, as a Service maps it. */
export interface ServicePortSpec {
    /** Port name, also what `targetPort` may refer to on the pods. */
    readonly name: string;
    /** The port the Service listens on. */
    readonly port: number;
    /** The container port, by name or number. */
    readonly targetPort: string | number;
}

/** A port of a Service spec as the Kubernetes provider takes it. */
export interface ServicePortInput {
    name?: string;
    port: number;
    targetPort?: string | number;
    protocol?: string;
    appProtocol?: string;
    nodePort?: number;
}

/** The Service ports for the workload's port; `nodePort` pins the node port (NodePort Services only). */
export function servicePorts(port: ServicePortSpec, nodePort?: number): ServicePortInput[] {
    return [
        {
            name: port.name,
            port: port.port,
            targetPort: port.targetPort,
            protocol: "TCP",
            ...(nodePort !== undefined ? { nodePort } : {}),
        },
    ];
}

/** `namespace/name` of a Service already in the cluster. */
export interface ServiceReference {
    readonly namespace: string;
    readonly name: string;
}

/** Splits `namespace/name`; the config has already checked its form, this guards direct callers. */
export function parseServiceReference(reference: string): ServiceReference {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(reference);
    if (!match) throw new Error(`a Service reference must be namespace/name, got ${JSON.stringify(reference)}`);
    return { namespace: match[1], name: match[3] };
}

/**
 * The selector of a Service being re-exposed. A Service without one (endpoints managed by hand, or an
 * ExternalName) cannot be re-exposed: the copy would select nothing and the provider would wait for
 * endpoints that never come. `kubectl expose` refuses it for the same reason.
 */
export function selectorOf(spec: k8s.types.output.core.v1.ServiceSpec | undefined, what: string) {
    const selector = spec?.selector ?? {};
    if (Object.keys(selector).length === 0) {
        throw new Error(`cannot re-expose Service ${what}: it has no selector, so a copy would select no pods`);
    }
    return selector;
}

/**
 * The ports of a Service being re-exposed, as a new Service of another type declares them. Node ports are
 * left out: they belong to the original (a port is allocated once per cluster), and the new Service gets
 * its own. The cluster IP is never copied either; only selector and ports are.
 */
export function reexposedPorts(
    ports: readonly k8s.types.output.core.v1.ServicePort[] | undefined,
    what: string,
): ServicePortInput[] {
    if (!ports || ports.length === 0) throw new Error(`cannot re-expose Service ${what}: it declares no ports`);
    return ports.map((port) => {
        const copy: ServicePortInput = { port: port.port };
        if (port.name) copy.name = port.name;
        // The API server fills targetPort with port when a Service leaves it out.
        copy.targetPort = port.targetPort ?? port.port;
        copy.protocol = port.protocol ?? "TCP";
        if (port.appProtocol) copy.appProtocol = port.appProtocol;
        return copy;
    });
}

/**
 * The address of a LoadBalancer Service: the first ingress point's IP (MetalLB, most clouds) or its
 * hostname (AWS load balancers report only a DNS name). Undefined until the load balancer is provisioned.
 */
export function loadBalancerAddress(status: k8s.types.output.core.v1.ServiceStatus | undefined): string | undefined {
    const ingress = status?.loadBalancer?.ingress?.[0];
    return ingress?.ip ?? ingress?.hostname;
}

/**
 * The platform's LoadBalancer annotations for a re-exposed Service: the same pool or NLB, never the fixed
 * address: an address serves one Service unless both opt into sharing (https://metallb.io/usage/#ip-address-sharing).
 * A fixed address comes from a pool MetalLB never hands out by itself (autoAssign: false, which the config
 * requires) and which the original holds: the copy asks for no pool then, and MetalLB gives it an address from an
 * auto-assigning one.
 */
export function annotationsForExposure<T>(annotations: Record<string, T>): Record<string, T> {
    const dropped = [
        ...metallbAnnotationKeys("addresses"),
        ...(fixedAddresses(annotations) === undefined ? [] : metallbAnnotationKeys("pool")),
    ];
    return Object.fromEntries(Object.entries(annotations).filter(([key]) => !dropped.includes(key)));
}

/** The LoadBalancer-only part of a spec: client ranges (left out when empty) and traffic policy. */
export function loadBalancerSpec(options: {
    sourceRanges?: readonly string[];
    externalTrafficPolicy?: "Cluster" | "Local";
}): { loadBalancerSourceRanges?: string[]; externalTrafficPolicy: "Cluster" | "Local" } {
    const ranges = options.sourceRanges ?? [];
    return {
        ...(ranges.length > 0 ? { loadBalancerSourceRanges: [...ranges] } : {}),
        externalTrafficPolicy: options.externalTrafficPolicy ?? "Cluster",
    };
}

/** How the stack outputs name a Service's type; a headless Service is a ClusterIP Service without an IP. */
export function describeServiceType(spec: { type?: string; clusterIP?: string } | undefined): string {
    const type = spec?.type ?? "ClusterIP";
    return type === "ClusterIP" && spec?.clusterIP === "None" ? "ClusterIP (headless)" : type;
}
