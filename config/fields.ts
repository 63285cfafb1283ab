import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { isCidr, isIpAddress } from "./addresses";

/** A DNS-1123 label: what Kubernetes allows as the name of a namespace, Service or pool. */
export const dnsLabel = z
    .string()
    .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)",
    );

/** A Kubernetes resource quantity such as `1Gi`, `500Mi` or `250m`. */
export const quantity = z
    .string()
    .regex(
        /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/,
        "must be a Kubernetes quantity such as 1Gi, 500Mi or 250m",
    );

/** An IPv4 or IPv6 CIDR such as `192.168.0.0/16`. */
export const cidr = z.string().refine(isCidr, "must be a CIDR such as 192.168.0.0/16");

/**
 * Ranges no client can come from: documentation ranges (RFC 5737, RFC 3849) are routed nowhere, so an
 * endpoint or a load balancer limited to them is reachable by nobody. An EKS API limited to them stops
 * `pulumi up` itself: pulumi-eks 4.3.0 waits on the API's /healthz, then every Kubernetes create times out
 * (about 20 billed minutes).
 */
const DOCUMENTATION_RANGES: readonly [range: string, rfc: string][] = [
    ["192.0.2.0/24", "RFC 5737"],
    ["198.51.100.0/24", "RFC 5737"],
    ["203.0.113.0/24", "RFC 5737"],
    ["2001:db8::/32", "RFC 3849"],
];

/** The documentation range `cidr` lies in, as `192.0.2.0/24 (RFC 5737)`, if any. */
export function documentationRangeOf(cidr: string): string | undefined {
    const [address, bits] = ipaddr.parseCIDR(cidr);
    const found = DOCUMENTATION_RANGES.find(([range]) => {
        const [rangeAddress, rangeBits] = ipaddr.parseCIDR(range);
        return address.kind() === rangeAddress.kind() && bits >= rangeBits && address.match(rangeAddress, rangeBits);
    });
    return found && `${found[0]} (${found[1]})`;
}

/** A key an earlier version took: any value is refused with `message`, so old stack files say what changed. */
export function removedKey(message: string) {
    return z.never({ error: message }).optional();
}

/** A single IPv4 or IPv6 address. */
export const ipAddress = z.string().refine(isIpAddress, "must be an IPv4 or IPv6 address");

/** Kubernetes label keys and values, as used in selectors. */
export const labelMap = z.record(
    z
        .string()
        .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a Kubernetes label key"),
    z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, "must be a Kubernetes label value"),
);
