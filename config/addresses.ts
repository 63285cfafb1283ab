import * as ipaddr from "ipaddr.js";

/** One block of a MetalLB address pool, as an inclusive range of addresses of one family. */
export interface AddressBlock {
    readonly text: string;
    readonly family: "ipv4" | "ipv6";
    readonly first: bigint;
    readonly last: bigint;
}

/**
 * True for an address written the way Kubernetes and MetalLB (Go's net.ParseIP) accept it: four decimal
 * octets for IPv4 (ipaddr.js alone would also take `10.1` or `0xa.0.0.1`), or IPv6 without a zone.
 */
export function isIpAddress(text: string): boolean {
    return ipaddr.IPv4.isValidFourPartDecimal(text) || (ipaddr.IPv6.isValid(text) && !text.includes("%"));
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
 * Parses a pool entry as MetalLB accepts it: a CIDR (`192.168.10.0/24`, `fc00::/124`) or a range
 * (`192.168.9.1-192.168.9.5`). Throws an Error whose message says what is wrong.
 */
export function parseAddressBlock(text: string): AddressBlock {
    if (text.includes("-")) {
        const [startText, endText, ...rest] = text.split("-").map((part) => part.trim());
        if (rest.length > 0 || !isIpAddress(startText) || !isIpAddress(endText)) {
            throw new Error("must be a CIDR such as 192.168.10.0/24 or a range first-last of two addresses");
        }
        const start = ipaddr.parse(startText);
        const end = ipaddr.parse(endText);
        if (start.kind() !== end.kind()) {
            throw new Error("mixes IPv4 and IPv6 in one range; a range must be of one family");
        }
        const [first, last] = [toBigInt(start), toBigInt(end)];
        if (first > last) {
            throw new Error(`starts after it ends (${startText} is after ${endText})`);
        }
        return { text, family: start.kind(), first, last };
    }
    if (!isCidr(text)) {
        throw new Error("must be a CIDR such as 192.168.10.0/24 or a range such as 192.168.9.1-192.168.9.5");
    }
    const [network, prefix] = ipaddr.parseCIDR(text);
    const bits = network.kind() === "ipv4" ? 32 : 128;
    const size = 1n << BigInt(bits - prefix);
    const first = (toBigInt(network) / size) * size;
    return { text, family: network.kind(), first, last: first + size - 1n };
}

/** Like parseAddressBlock, but undefined for an entry that does not parse. */
export function tryParseAddressBlock(text: string): AddressBlock | undefined {
    try {
        return parseAddressBlock(text);
    } catch {
        return undefined;
    }
}

export function blocksOverlap(a: AddressBlock, b: AddressBlock): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** True when `address` (an IPv4 or IPv6 address) lies inside one of the blocks. */
export function blocksContain(blocks: readonly AddressBlock[], address: string): boolean {
    if (!isIpAddress(address)) {
        return false;
    }
    const parsed = ipaddr.process(address);
    const value = toBigInt(parsed);
    return blocks.some((block) => block.family === parsed.kind() && block.first <= value && value <= block.last);
}
