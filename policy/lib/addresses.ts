/**
 * MetalLB address pool entries as ranges of numbers. The pack is loaded on its own, so it cannot share
 * the program's address code: this is the small part the policies need.
 */
import * as ipaddr from "ipaddr.js";

export interface AddressRange {
    readonly text: string;
    readonly family: "ipv4" | "ipv6";
    readonly first: bigint;
    readonly last: bigint;
}

/** Four-part IPv4 or IPv6, as Go's net.ParseIP reads them (ipaddr.isValid also takes `10` or `0xa`). */
export function isIpAddress(value: string): boolean {
    const bare = value.trim().replace(/^\[|\]$/g, "");
    return ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare);
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
    return address.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

/**
 * A pool entry as MetalLB reads it: a CIDR (`192.168.10.0/24`) or a range (`192.168.9.1-192.168.9.5`).
 * Undefined for anything else. https://metallb.universe.tf/configuration/#defining-the-ips-to-assign-to-the-load-balancer-services
 */
export function parseAddressRange(text: string): AddressRange | undefined {
    const trimmed = text.trim();
    if (trimmed.includes("-")) {
        const parts = trimmed.split("-").map((part) => part.trim());
        if (parts.length !== 2 || !isIpAddress(parts[0]) || !isIpAddress(parts[1])) return undefined;
        const [start, end] = parts.map((part) => ipaddr.parse(part));
        if (start.kind() !== end.kind()) return undefined;
        const [first, last] = [toBigInt(start), toBigInt(end)];
        return first <= last ? { text, family: start.kind(), first, last } : undefined;
    }
    if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(trimmed) && !ipaddr.IPv6.isValidCIDR(trimmed)) return undefined;
    const [network, prefix] = ipaddr.parseCIDR(trimmed);
    const size = 1n << BigInt((network.kind() === "ipv4" ? 32 : 128) - prefix);
    const first = (toBigInt(network) / size) * size;
    return { text, family: network.kind(), first, last: first + size - 1n };
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** True for a CIDR that lets every address in: `0.0.0.0/0` or `::/0`. */
export function isOpenToAll(cidr: string): boolean {
    const trimmed = cidr.trim();
    if (!ipaddr.isValidCIDR(trimmed)) return false;
    return ipaddr.parseCIDR(trimmed)[1] === 0;
}
