/**
 * The Service annotations MetalLB reads: the bare-metal platform writes them, and the services read them back
 * when they re-expose a Service. MetalLB v0.16.1 reads each under `metallb.io/` and, for backward compatibility,
 * under the deprecated `metallb.universe.tf/` (controller/service.go, `valueForAnnotation`); the program writes
 * only the first.
 */
export const METALLB_ANNOTATIONS = {
    /** The IPAddressPool to take the address from. */
    pool: "metallb.io/address-pool",
    /** Fixed addresses, comma-separated (one per IP family). */
    addresses: "metallb.io/loadBalancerIPs",
} as const;

/** The prefix MetalLB still reads but no longer documents. */
const DEPRECATED_PREFIX = "metallb.universe.tf/";

/** Every key MetalLB reads for one annotation: the current one, then the deprecated one. */
export function metallbAnnotationKeys(annotation: keyof typeof METALLB_ANNOTATIONS): string[] {
    const current = METALLB_ANNOTATIONS[annotation];
    return [current, current.replace(/^metallb\.io\//, DEPRECATED_PREFIX)];
}

/** The fixed addresses the annotations request (MetalLB `loadBalancerIPs`, either prefix), or undefined for none. */
export function fixedAddresses<T>(annotations: Record<string, T>): T | undefined {
    const key = metallbAnnotationKeys("addresses").find((candidate) => annotations[candidate] !== undefined);
    return key === undefined ? undefined : annotations[key];
}
