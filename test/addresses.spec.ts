import * as assert from "assert";
import {
    blocksContain,
    blocksOverlap,
    isCidr,
    isIpAddress,
    parseAddressBlock,
    tryParseAddressBlock,
} from "../config/addresses";

describe("address maths", () => {
    describe("parseAddressBlock", () => {
        it("reads an IPv4 CIDR as the inclusive range of its network", () => {
            const block = parseAddressBlock("192.168.10.0/24");
            assert.strictEqual(block.family, "ipv4");
            assert.strictEqual(block.last - block.first + 1n, 256n);
            assert.strictEqual(block.first, (192n << 24n) | (168n << 16n) | (10n << 8n));
        });

        it("masks the host bits of a CIDR written with them set", () => {
            assert.deepStrictEqual(
                [parseAddressBlock("10.0.0.5/30").first, parseAddressBlock("10.0.0.5/30").last],
                [parseAddressBlock("10.0.0.4/30").first, parseAddressBlock("10.0.0.4/30").last],
            );
        });

        it("reads a /32 and a /128 as one address", () => {
            for (const text of ["10.1.2.3/32", "fc00::7/128"]) {
                const block = parseAddressBlock(text);
                assert.strictEqual(block.first, block.last, text);
            }
        });

        it("reads an IPv6 CIDR with 2^(128-prefix) addresses", () => {
            const block = parseAddressBlock("fc00:f853:ccd:e799::/124");
            assert.strictEqual(block.family, "ipv6");
            assert.strictEqual(block.last - block.first + 1n, 16n);
            assert.strictEqual(
                parseAddressBlock("2001:db8::/32").last - parseAddressBlock("2001:db8::/32").first,
                (1n << 96n) - 1n,
            );
        });

        it("reads a range, with or without spaces around the dash", () => {
            const block = parseAddressBlock("192.168.9.1-192.168.9.5");
            assert.strictEqual(block.last - block.first, 4n);
            assert.strictEqual(parseAddressBlock("192.168.9.1 - 192.168.9.5").first, block.first);
        });

        it("reads an IPv6 range", () => {
            const block = parseAddressBlock("fc00::10-fc00::1f");
            assert.strictEqual(block.family, "ipv6");
            assert.strictEqual(block.last - block.first, 15n);
        });

        it("accepts a range of one address", () => {
            const block = parseAddressBlock("10.0.0.1-10.0.0.1");
            assert.strictEqual(block.first, block.last);
        });

        const bad: [string, string][] = [
            ["10.0.0.9-10.0.0.1", "starts after it ends (10.0.0.9 is after 10.0.0.1)"],
            ["fc00::9-fc00::1", "starts after it ends"],
            ["10.0.0.1-fc00::1", "mixes IPv4 and IPv6"],
            ["192.168.10.300/24", "must be a CIDR"],
            ["10.0.0.0/33", "must be a CIDR"],
            ["fc00::/129", "must be a CIDR"],
            ["10.0.0.1", "must be a CIDR"],
            ["10.1/8", "must be a CIDR"],
            ["0xa.0.0.1-10.0.0.9", "must be a CIDR"],
            ["10.0.0.1-10.0.0.2-10.0.0.3", "must be a CIDR"],
            ["pool", "must be a CIDR"],
            ["", "must be a CIDR"],
        ];
        for (const [text, message] of bad) {
            it(`rejects ${JSON.stringify(text)}: ${message}`, () => {
                assert.throws(
                    () => parseAddressBlock(text),
                    (error: Error) => error.message.includes(message),
                );
                assert.strictEqual(tryParseAddressBlock(text), undefined);
            });
        }
    });

    describe("isIpAddress and isCidr", () => {
        it("take addresses the way Kubernetes writes them", () => {
            for (const text of ["192.168.1.1", "0.0.0.0", "fc00::1", "::1", "::ffff:1.2.3.4"]) {
                assert.ok(isIpAddress(text), text);
            }
        });

        it("refuse shorthand, hex, octal and zoned forms that ipaddr.js alone would take", () => {
            for (const text of ["10.1", "0xa.0.0.1", "010.0.0.1", "4294967295", "fe80::1%eth0", "1.2.3.4 "]) {
                assert.ok(!isIpAddress(text), text);
            }
            assert.ok(!isCidr("10.1/8"));
            assert.ok(!isCidr("10.0.0.0/8/8"));
            assert.ok(isCidr("10.0.0.0/8"));
            assert.ok(isCidr("fc00::/7"));
        });
    });

    describe("blocksOverlap", () => {
        const a = parseAddressBlock("192.168.10.0/24");
        it("is true for a CIDR inside another", () => {
            assert.ok(blocksOverlap(a, parseAddressBlock("192.168.10.128/25")));
        });
        it("is true for ranges sharing only their edge address", () => {
            assert.ok(blocksOverlap(a, parseAddressBlock("192.168.10.255-192.168.11.10")));
        });
        it("is false for adjacent blocks", () => {
            assert.ok(!blocksOverlap(a, parseAddressBlock("192.168.11.0/24")));
            assert.ok(!blocksOverlap(a, parseAddressBlock("192.168.9.0-192.168.9.255")));
        });
        it("is false across families, even where the numbers coincide", () => {
            // ::c0a8:a00/120 has the same 32-bit value as 192.168.10.0/24.
            assert.ok(!blocksOverlap(a, parseAddressBlock("::c0a8:a00/120")));
        });
        it("works for IPv6", () => {
            assert.ok(blocksOverlap(parseAddressBlock("fc00::/64"), parseAddressBlock("fc00::ffff-fc00::1:0")));
            assert.ok(!blocksOverlap(parseAddressBlock("fc00::/64"), parseAddressBlock("fc00:0:0:1::/64")));
        });
    });

    describe("blocksContain", () => {
        const blocks = ["172.18.255.200-172.18.255.250", "fc00:f853:ccd:e799::/124"].map(parseAddressBlock);
        it("finds addresses at both edges of a range", () => {
            assert.ok(blocksContain(blocks, "172.18.255.200"));
            assert.ok(blocksContain(blocks, "172.18.255.250"));
        });
        it("does not find the addresses just outside", () => {
            assert.ok(!blocksContain(blocks, "172.18.255.199"));
            assert.ok(!blocksContain(blocks, "172.18.255.251"));
        });
        it("finds IPv6 addresses in an IPv6 block, written in any valid form", () => {
            assert.ok(blocksContain(blocks, "fc00:f853:ccd:e799::f"));
            assert.ok(blocksContain(blocks, "fc00:f853:0ccd:e799:0:0:0:1"));
            assert.ok(!blocksContain(blocks, "fc00:f853:ccd:e799::10"));
        });
        it("finds an IPv4-mapped IPv6 address in its IPv4 block", () => {
            assert.ok(blocksContain(blocks, "::ffff:172.18.255.220"));
        });
        it("is false for something that is not an address", () => {
            assert.ok(!blocksContain(blocks, "172.18.255"));
            assert.ok(!blocksContain(blocks, "nginx"));
        });
    });
});
