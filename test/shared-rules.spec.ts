/**
 * Rules that config, components and the policy pack share have one home each: these specs fail when a second
 * copy appears in components/, or when the pack's own copy (it must load on its own) starts to disagree.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadBalancerAnnotations, stackObjectName, existingPoolProblem } from "../components/baremetal";
import * as digest from "../components/digest";
import * as dns from "../components/dns";
import { fixedAddresses, METALLB_ANNOTATIONS, metallbAnnotationKeys } from "../components/metallb-annotations";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/security-context";
import * as services from "../components/services";
import { verificationChecks } from "../components/verify";
import * as workload from "../components/workload";
import { isIpAddress, tryParseAddressBlock } from "../config/addresses";
import { checkLoadBalancerPool, metallbSchema } from "../config/metallb";
import { fixedAddressProblem } from "../config/pools";
import { NODE_PORT_RANGE } from "../config/services";
import * as policyAddresses from "../policy/lib/addresses";
import { nodePortRange } from "../policy/policies/node-ports";
import { PROJECT_ROOT } from "../tools/stack-config";

/** The TypeScript files of components/, relative to the root, with their text. */
function componentSources(dir = path.join(PROJECT_ROOT, "components")): { file: string; text: string }[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return componentSources(full);
        if (!entry.name.endsWith(".ts")) return [];
        return [
            { file: path.relative(PROJECT_ROOT, full).split(path.sep).join("/"), text: fs.readFileSync(full, "utf8") },
        ];
    });
}

/** The files of components/ whose code (comments left out) matches `pattern`. */
function filesWithCode(pattern: RegExp): string[] {
    const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    return componentSources()
        .filter(({ text }) => pattern.test(withoutComments(text)))
        .map(({ file }) => file)
        .sort();
}

describe("one home for each shared rule", () => {
    it("reads the sources of components/", () => {
        assert.ok(componentSources().length > 40);
        assert.deepStrictEqual(filesWithCode(/export const METALLB_ANNOTATIONS\b/), [
            "components/metallb-annotations.ts",
        ]);
    });

    describe("MetalLB's annotation keys (components/metallb-annotations.ts)", () => {
        it("are written out in that file alone", () => {
            assert.deepStrictEqual(filesWithCode(/["'`]metallb\.(io|universe\.tf)\/(address-pool|loadBalancerIPs)/), [
                "components/metallb-annotations.ts",
            ]);
        });

        it("are what the platform writes and what the services read back", () => {
            const pools = [{ name: "fixed", addresses: ["192.0.2.0/28"], autoAssign: false }];
            const written = loadBalancerAnnotations({ addresses: ["192.0.2.10"] }, pools, (name) => `dev-${name}`);
            assert.deepStrictEqual(Object.keys(written).sort(), Object.values(METALLB_ANNOTATIONS).sort());
            assert.strictEqual(fixedAddresses(written), "192.0.2.10");
            // A re-exposed Service asks for neither the fixed address nor its pool.
            assert.deepStrictEqual(services.annotationsForExposure(written), {});
            assert.strictEqual("fixedAddresses" in services, false, "services keep no copy of their own");
        });

        it("are read under the deprecated prefix too, as MetalLB does", () => {
            assert.deepStrictEqual(metallbAnnotationKeys("addresses"), [
                "metallb.io/loadBalancerIPs",
                "metallb.universe.tf/loadBalancerIPs",
            ]);
            assert.strictEqual(fixedAddresses({ "metallb.universe.tf/loadBalancerIPs": "192.0.2.7" }), "192.0.2.7");
            assert.deepStrictEqual(
                services.annotationsForExposure({
                    "metallb.universe.tf/address-pool": "fixed",
                    "metallb.universe.tf/loadBalancerIPs": "192.0.2.7",
                    other: "kept",
                }),
                { other: "kept" },
            );
        });
    });

    describe("the short digest in names (components/digest.ts)", () => {
        it("is the only hash in components/", () => {
            assert.deepStrictEqual(filesWithCode(/createHash\(/), ["components/digest.ts"]);
        });

        it("is the one the stack's object names end in", () => {
            const long = stackObjectName("a".repeat(60), "default-pool");
            assert.ok(long.length <= 63);
            assert.ok(long.endsWith(`-${digest.shortDigest(`${"a".repeat(60)}-default-pool`, 8)}`), long);
        });

        it("has as many hex digits as asked, and refuses a length no SHA-256 has", () => {
            assert.match(digest.shortDigest("x", 12), /^[0-9a-f]{12}$/);
            assert.notStrictEqual(digest.shortDigest("x", 8), digest.shortDigest("y", 8));
            assert.throws(() => digest.shortDigest("x", 65), /1 to 64 hex digits, got 65/);
        });
    });

    describe("pod and Service DNS names (components/dns.ts)", () => {
        it("are the workload's and the verification Job's", () => {
            assert.strictEqual(workload.podDnsNames, dns.podDnsNames);
            assert.strictEqual(workload.CLUSTER_DOMAIN, dns.CLUSTER_DOMAIN);
            const checks = verificationChecks({
                namespace: "web",
                statefulSetName: "nginx",
                headlessServiceName: "nginx",
                replicas: 2,
                podPort: 8080,
                externalNames: { db: "db.example.com" },
            });
            const pods = dns.podDnsNames("nginx", "nginx", "web", 2);
            assert.deepStrictEqual(
                checks.filter((check) => check.kind === "pod-dns").map((check) => check.command[1]),
                pods.map((name) => `http://${name}:8080/`),
            );
            assert.deepStrictEqual(
                checks.find((check) => check.kind === "externalname")?.command[1],
                "db.web.svc.cluster.local.",
            );
        });

        it("are spelt out nowhere else in components/", () => {
            assert.deepStrictEqual(filesWithCode(/\.svc\.\$\{|["'`]cluster\.local["'`]/), ["components/dns.ts"]);
        });

        it("follow the cluster domain", () => {
            assert.strictEqual(dns.podDnsName("web", 1, "web", "ns", "k8s.internal"), "web-1.web.ns.svc.k8s.internal");
            assert.strictEqual(dns.serviceDnsName("db", "ns", { absolute: true }), "db.ns.svc.cluster.local.");
        });
    });

    describe("the restricted security context (components/security-context.ts)", () => {
        it("is set in that file alone", () => {
            assert.deepStrictEqual(filesWithCode(/allowPrivilegeEscalation:|seccompProfile:/), [
                "components/security-context.ts",
            ]);
        });

        it("is the restricted profile: non-root user and group, RuntimeDefault seccomp, no escalation or capabilities", () => {
            assert.deepStrictEqual(restrictedPodSecurityContext(65534), {
                runAsNonRoot: true,
                runAsUser: 65534,
                runAsGroup: 65534,
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(restrictedContainerSecurityContext(), {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
            });
            assert.throws(() => restrictedPodSecurityContext(0), /non-root user, got user 0/);
            // Each caller gets its own object: one cannot change another's.
            assert.notStrictEqual(restrictedContainerSecurityContext(), restrictedContainerSecurityContext());
        });
    });

    describe("a fixed address in a pool (config/pools.ts)", () => {
        const pools = [
            { name: "fixed", addresses: ["192.0.2.0/28"], autoAssign: false },
            { name: "shared", addresses: ["192.0.2.16-192.0.2.31"], autoAssign: true },
        ];
        const cases: [string, string | undefined][] = [
            ["192.0.2.10", undefined],
            ["192.0.2.20", "auto-assigned"],
            ["192.0.2.40", "outside"],
        ];

        it("gives the config and the platform's check of an existing pool the same verdict", () => {
            const metallb = metallbSchema.parse({ pools, l2: {} });
            for (const [address, verdict] of cases) {
                assert.strictEqual(fixedAddressProblem(address, pools)?.kind, verdict, address);
                const issues: string[] = [];
                checkLoadBalancerPool(metallb, { addresses: [address] }, (_path, _input, message) =>
                    issues.push(message),
                );
                const holder = pools.find((pool) => fixedAddressProblem(address, [pool])?.kind !== "outside");
                const live = existingPoolProblem(holder ?? pools[0], [address], "metallb-system/pool");
                assert.strictEqual(issues.length > 0, verdict !== undefined, `config on ${address}: ${issues}`);
                assert.strictEqual(live !== undefined, verdict !== undefined, `platform on ${address}: ${live}`);
            }
        });

        it("reads an unset autoAssign as MetalLB does: the pool hands its addresses out", () => {
            assert.strictEqual(
                fixedAddressProblem("192.0.2.1", [{ name: "p", addresses: ["192.0.2.0/30"] }])?.kind,
                "auto-assigned",
            );
        });
    });

    describe("the node port range (config/services.ts)", () => {
        it("is the policy pack's default range too", () => {
            const schema = nodePortRange.configSchema!.properties;
            assert.deepStrictEqual(
                { min: schema.min.default, max: schema.max.default },
                { min: NODE_PORT_RANGE.min, max: NODE_PORT_RANGE.max },
            );
        });
    });

    describe("address parsing: the program (config/addresses.ts) and the pack's copy (policy/lib/addresses.ts)", () => {
        const addresses = [
            "192.0.2.1",
            "fe80::1",
            "::ffff:192.0.2.1",
            "fe80::1%eth0",
            "[::1]",
            " 192.0.2.1",
            "10.1",
            "0xa.0.0.1",
            "010.0.0.1",
            "192.0.2.256",
            "",
        ];
        const entries = [
            "192.0.2.0/24",
            "192.0.2.0/024",
            "fe80::/64",
            "fe80::1%eth0/64",
            "fe80::1%eth0-fe80::5",
            "192.0.2.1-192.0.2.5",
            "192.0.2.1 - 192.0.2.5",
            "192.0.2.5-192.0.2.1",
            "192.0.2.1-fe80::1",
            " 192.0.2.0/24",
            "10.0/8",
            "192.0.2.0/33",
            "::/0",
        ];

        it("accept the same addresses, and refuse an IPv6 zone", () => {
            for (const address of addresses) {
                assert.strictEqual(policyAddresses.isIpAddress(address), isIpAddress(address), JSON.stringify(address));
            }
            assert.strictEqual(policyAddresses.isIpAddress("fe80::1%eth0"), false);
        });

        it("read the same pool entries as the same ranges", () => {
            for (const entry of entries) {
                const program = tryParseAddressBlock(entry);
                const pack = policyAddresses.parseAddressRange(entry);
                assert.deepStrictEqual(
                    pack && { family: pack.family, first: pack.first, last: pack.last },
                    program && { family: program.family, first: program.first, last: program.last },
                    JSON.stringify(entry),
                );
            }
            assert.strictEqual(policyAddresses.parseAddressRange("fe80::1%eth0/64"), undefined);
        });
    });
});
