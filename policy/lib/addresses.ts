/**
 * MetalLB address pool entries as ranges of numbers, and client CIDRs. The pack is loaded on its own (the analyzer
 * host's ts-node reads policy/ with its own tsconfig and skips node_modules), so it keeps its own copy of the small
 * part of the program's address rules (config/addresses.ts) it needs; the grammar is the same, Go's net.ParseIP and
 * net.ParseCIDR as MetalLB v0.16.1 reads pools (internal/config/config.go, `ParseCIDR`), and a spec feeds both the
 * same entries.
 */
import * as ipaddr from "ipaddr.js";

export interface AddressRange {
    readonly text: string;
    readonly family: "ipv4" | "ipv6";
    readonly first: bigint;
    readonly last: bigint;
}

/**
 * Four-part decimal IPv4 or IPv6 without a zone (`fe80::1%eth0`), as Go's net.ParseIP reads them: ipaddr.isValid
 * alone also takes `10`, `0xa.0.0.1` and zones.
 */
export function isIpAddress(value: string): boolean {
    return ipaddr.IPv4.isValidFourPartDecimal(value) || (ipaddr.IPv6.isValid(value) && !value.includes("%"));
}

/** True for a CIDR whose address part passes isIpAddress and whose prefix fits its family. */
export function isCidr(text: string): boolean {
    const [address, prefix, ...rest] = text.split("/");
    return (
        rest.length === 0 &&
        prefix !== undefined &&
        /^\d{1,3}$/.test(prefix) &&
        isIpAddress(address) &&
        ipaddr.isValidCIDR(text)
    );
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
    return address.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

/**
 * A pool entry as MetalLB reads it: a CIDR (`192.168.10.0/24`) or a range (`192.168.9.1-192.168.9.5`, spaces
 * around either address allowed). Undefined for anything else.
 * https://metallb.io/configuration/#defining-the-ips-to-assign-to-the-load-balancer-services
 */
export function parseAddressRange(text: string): AddressRange | undefined {
    if (text.includes("-")) {
        const parts = text.split("-").map((part) => part.trim());
        if (parts.length !== 2 || !isIpAddress(parts[0]) || !isIpAddress(parts[1])) return undefined;
        const [start, end] = parts.map((part) => ipaddr.parse(part));
        if (start.kind() !== end.kind()) return undefined;
        const [first, last] = [toBigInt(start), toBigInt(end)];
        return first <= last ? { text, family: start.kind(), first, last } : undefined;
    }
    if (!isCidr(text)) return undefined;
    const [network, prefix] = ipaddr.parseCIDR(text);
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
    return isCidr(trimmed) && ipaddr.parseCIDR(trimmed)[1] === 0;
}
