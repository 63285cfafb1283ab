import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { closestKey, ConfigError, namespaceProblems, parseConfig, RawConfig } from "../config";

/** The namespace problems of `keys` as the program reports them: one ConfigError, a line each. */
function checkConfigNamespaces(keys: readonly string[]): void {
    const problems = namespaceProblems(keys);
    if (problems.length > 0) throw new ConfigError(problems);
}
import { compareKeys } from "../config/problems";
import { configErrorOf, TEST_ENDPOINT_CIDRS, TEST_SOURCE_RANGES, TEST_ZONES } from "./helpers";

const pools = [{ name: "default-pool", addresses: ["192.168.10.0/24"] }];
/** The smallest valid bare-metal config; each bad case changes one thing. */
const baremetal = (overrides: Record<string, unknown> = {}): RawConfig => {
    const raw: Record<string, unknown> = { platform: "baremetal", metallb: { pools }, ...overrides };
    return Object.fromEntries(
        Object.entries(raw)
            .filter(([, value]) => value !== undefined)
            .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
};
/**
 * An EKS stack: its `eks` block (if any) with the tests' endpoint CIDRs unless it names its own, and the tests'
 * load balancer clients unless its `services` block says otherwise.
 */
const eks = (overrides: Record<string, unknown> = {}): RawConfig =>
    baremetal({
        platform: "eks",
        metallb: undefined,
        ...overrides,
        eks: {
            endpointPublicAccessCidrs: [...TEST_ENDPOINT_CIDRS],
            zones: [...TEST_ZONES],
            ...(overrides.eks as object | undefined),
        },
        services: overrides.services ?? { loadBalancer: { sourceRanges: [...TEST_SOURCE_RANGES] } },
    });

describe("config", () => {
    describe("accepts", () => {
        it("an EKS load balancer open to everyone when it says so, or internal with its clients' private ranges", () => {
            const open = parseConfig(eks({ services: { loadBalancer: { sourceRanges: ["0.0.0.0/0"] } } }));
            assert.deepStrictEqual(open.services.loadBalancer.sourceRanges, ["0.0.0.0/0"]);
            const internal = parseConfig(
                eks({
                    eks: { loadBalancerScheme: "internal" },
                    services: { loadBalancer: { sourceRanges: ["10.0.0.0/16"] } },
                }),
            );
            assert.deepStrictEqual(internal.services.loadBalancer.sourceRanges, ["10.0.0.0/16"]);
        });

        it("a bare-metal stack with only a pool, filling every documented default", () => {
            const config = parseConfig(baremetal());
            assert.strictEqual(config.platform, "baremetal");
            assert.strictEqual(config.app.name, "nginx");
            assert.strictEqual(config.app.replicas, 3);
            assert.strictEqual(config.app.podManagementPolicy, "OrderedReady");
            assert.strictEqual(config.app.storage.size, "1Gi");
            assert.deepStrictEqual(config.app.storage.accessModes, ["ReadWriteOnce"]);
            assert.strictEqual(config.metallb?.chartVersion, "0.16.1");
            assert.strictEqual(config.metallb?.mode, "l2");
            assert.strictEqual(config.services.nodePort.port, undefined);
            assert.deepStrictEqual(config.services.externalNames, {});
        });

        it("an EKS stack whose eks key lists only its endpoint CIDRs and zones, giving t3.medium 1/1/2 per zone", () => {
            const config = parseConfig(eks());
            assert.strictEqual(config.eks?.instanceType, "t3.medium");
            assert.deepStrictEqual(config.eks?.zones, [...TEST_ZONES]);
            assert.deepStrictEqual(config.eks?.nodesPerZone, { min: 1, desired: 1, max: 2 });
            assert.strictEqual(config.eks!.version, "1.34");
        });

        it("IPv4 and IPv6 pools given as CIDRs and ranges", () => {
            const config = parseConfig(
                baremetal({
                    metallb: {
                        pools: [
                            { name: "v4", addresses: ["192.168.10.0/24", "192.168.9.1-192.168.9.5"] },
                            { name: "v6", addresses: ["fc00:f853:ccd:e799::/124"] },
                        ],
                    },
                }),
            );
            assert.strictEqual(config.metallb?.pools.length, 2);
        });

        it("a fixed load balancer address inside the chosen pool", () => {
            const config = parseConfig(
                baremetal({
                    metallb: { pools: [{ ...pools[0], autoAssign: false }] },
                    services: { loadBalancer: { pool: "default-pool", addresses: ["192.168.10.20"] } },
                }),
            );
            assert.deepStrictEqual(config.services.loadBalancer.addresses, ["192.168.10.20"]);
        });

        it("one IPv4 and one IPv6 load balancer address, each inside a pool", () => {
            const config = parseConfig(
                baremetal({
                    metallb: {
                        pools: [
                            { ...pools[0], autoAssign: false },
                            { name: "v6", addresses: ["fc00:f853:ccd:e799::/124"], autoAssign: false },
                        ],
                    },
                    services: { loadBalancer: { addresses: ["192.168.10.20", "fc00:f853:ccd:e799::5"] } },
                }),
            );
            assert.strictEqual(config.services.loadBalancer.addresses.length, 2);
        });

        it("the edges of the NodePort range", () => {
            for (const port of [30000, 32767]) {
                assert.strictEqual(
                    parseConfig(baremetal({ services: { nodePort: { port } } })).services.nodePort.port,
                    port,
                );
            }
        });
    });

    // Each row: what is wrong, the raw config, the key the error must name, the bad value it must show and a
    // fragment of what is allowed.
    const rejected: [string, RawConfig, string, string, string][] = [
        ["an unknown platform", baremetal({ platform: "gke" }), "stateful-nginx:platform", '"gke"', "baremetal, eks"],
        [
            "an unknown top-level key",
            { ...baremetal(), servics: "{}" },
            "stateful-nginx:servics",
            "an unknown key",
            "allowed keys are",
        ],
        [
            "a structured key that is not an object",
            { ...baremetal(), app: "nginx" },
            "stateful-nginx:app",
            '"nginx"',
            "must be a YAML object",
        ],
        [
            "bare metal without metallb",
            baremetal({ metallb: undefined }),
            "stateful-nginx:metallb",
            "nothing",
            "is required",
        ],
        [
            "metallb on an EKS stack",
            eks({ metallb: { pools } }),
            "stateful-nginx:metallb",
            "",
            "only for platform baremetal",
        ],
        [
            "eks on a bare-metal stack",
            baremetal({ eks: { endpointPublicAccessCidrs: [...TEST_ENDPOINT_CIDRS], zones: [...TEST_ZONES] } }),
            "stateful-nginx:eks",
            "",
            "only for platform eks",
        ],
        [
            "a kubeContext on an EKS stack",
            eks({ kubeContext: "kind-kind" }),
            "stateful-nginx:kubeContext",
            '"kind-kind"',
            "only for platform baremetal",
        ],
        ["zero replicas", baremetal({ app: { replicas: 0 } }), "stateful-nginx:app.replicas", "0", "at least 1"],
        [
            "fractional replicas",
            baremetal({ app: { replicas: 1.5 } }),
            "stateful-nginx:app.replicas",
            "1.5",
            "whole number",
        ],
        [
            "an app name that is not a DNS label",
            baremetal({ app: { name: "Nginx_1" } }),
            "stateful-nginx:app.name",
            '"Nginx_1"',
            "DNS-1123",
        ],
        [
            "a namespace that is not a DNS label",
            baremetal({ app: { namespace: "my.ns" } }),
            "stateful-nginx:app.namespace",
            '"my.ns"',
            "DNS-1123",
        ],
        [
            "an image on latest",
            baremetal({ app: { image: "nginx:latest" } }),
            "stateful-nginx:app.image",
            '"nginx:latest"',
            "pinned",
        ],
        [
            "an image with no tag",
            baremetal({ app: { image: "nginx" } }),
            "stateful-nginx:app.image",
            '"nginx"',
            "pinned",
        ],
        [
            "an unknown pod management policy",
            baremetal({ app: { podManagementPolicy: "Random" } }),
            "stateful-nginx:app.podManagementPolicy",
            '"Random"',
            "OrderedReady, Parallel",
        ],
        [
            "a negative partition",
            baremetal({ app: { partition: -1 } }),
            "stateful-nginx:app.partition",
            "-1",
            "0 or more",
        ],
        [
            "a storage size that is not a quantity",
            baremetal({ app: { storage: { size: "1 GB" } } }),
            "stateful-nginx:app.storage.size",
            '"1 GB"',
            "quantity",
        ],
        [
            "an unknown access mode",
            baremetal({ app: { storage: { accessModes: ["RWO"] } } }),
            "stateful-nginx:app.storage.accessModes[0]",
            '"RWO"',
            "ReadWriteOnce",
        ],
        [
            "a memory limit that is not a quantity",
            baremetal({ app: { resources: { limits: { memory: "lots" } } } }),
            "stateful-nginx:app.resources.limits.memory",
            '"lots"',
            "quantity",
        ],
        [
            "a misspelt app key, by its full path, with the key it meant and the allowed ones",
            baremetal({ app: { replica: 3 } }),
            "stateful-nginx:app.replica",
            "an unknown key",
            "did you mean replicas? allowed keys are name, namespace, createNamespace,",
        ],
        [
            "an unknown key two levels down, listing the keys allowed there",
            baremetal({ app: { resources: { limits: { mem: "1Gi" } } } }),
            "stateful-nginx:app.resources.limits.mem",
            "an unknown key",
            "did you mean memory? allowed keys are cpu, memory",
        ],
        [
            "an unknown key of a list item, listing the keys allowed there",
            baremetal({ metallb: { pools: [{ name: "p", adresses: ["10.0.0.0/30"], addresses: ["10.0.0.4/30"] }] } }),
            "stateful-nginx:metallb.pools[0].adresses",
            "an unknown key",
            "did you mean addresses? allowed keys are name, addresses, autoAssign, avoidBuggyIPs",
        ],
        [
            "a misspelt top-level key, with the key it meant",
            { ...baremetal(), servics: "{}" },
            "stateful-nginx:servics",
            "an unknown key",
            "did you mean services?",
        ],
        [
            "replicas given as a string, in plain words",
            baremetal({ app: { replicas: "3" } }),
            "stateful-nginx:app.replicas",
            '"3"',
            "must be a number",
        ],
        [
            "a flag given as a word, in plain words",
            baremetal({ app: { createNamespace: "yes" } }),
            "stateful-nginx:app.createNamespace",
            '"yes"',
            "must be true or false",
        ],
        [
            "a list given as one string, in plain words",
            baremetal({ app: { storage: { accessModes: "ReadWriteOnce" } } }),
            "stateful-nginx:app.storage.accessModes",
            '"ReadWriteOnce"',
            "must be a list",
        ],
        [
            "two fixed load balancer addresses of the same family",
            baremetal({
                metallb: { pools: [{ ...pools[0], autoAssign: false }] },
                services: { loadBalancer: { addresses: ["192.168.10.20", "192.168.10.21"] } },
            }),
            "stateful-nginx:services.loadBalancer.addresses[1]",
            '"192.168.10.21"',
            "at most one IPv4 and one IPv6 address (192.168.10.20 is IPv4 too)",
        ],
        [
            "a NodePort below the range",
            baremetal({ services: { nodePort: { port: 29999 } } }),
            "stateful-nginx:services.nodePort.port",
            "29999",
            "30000-32767",
        ],
        [
            "a NodePort above the range",
            baremetal({ services: { nodePort: { port: 32768 } } }),
            "stateful-nginx:services.nodePort.port",
            "32768",
            "30000-32767",
        ],
        [
            "an IP address as ExternalName",
            baremetal({ services: { externalNames: { db: "10.0.0.5" } } }),
            "stateful-nginx:services.externalNames.db",
            '"10.0.0.5"',
            "not an IP",
        ],
        [
            "localhost as ExternalName",
            baremetal({ services: { externalNames: { db: "localhost" } } }),
            "stateful-nginx:services.externalNames.db",
            '"localhost"',
            "localhost",
        ],
        [
            "an ExternalName alias that is not a DNS label",
            baremetal({ services: { externalNames: { DB: "db.example.com" } } }),
            "stateful-nginx:services.externalNames.DB",
            '"DB"',
            "DNS-1123",
        ],
        [
            "an ExternalName alias taken by an own Service",
            baremetal({ services: { externalNames: { "nginx-lb": "db.example.com" } } }),
            "stateful-nginx:services.externalNames.nginx-lb",
            '"nginx-lb"',
            "already the name",
        ],
        [
            "an exposure of an unknown source",
            baremetal({ services: { exposures: [{ name: "debug", from: "mystery", type: "NodePort" }] } }),
            "stateful-nginx:services.exposures[0].from",
            '"mystery"',
            "namespace/name",
        ],
        [
            "an exposure of a disabled Service",
            baremetal({
                services: {
                    nodePort: { enabled: false },
                    exposures: [{ name: "debug", from: "nodeport", type: "LoadBalancer" }],
                },
            }),
            "stateful-nginx:services.exposures[0].from",
            '"nodeport"',
            "does not create",
        ],
        [
            "an exposure of type ExternalName",
            baremetal({ services: { exposures: [{ name: "debug", from: "clusterip", type: "ExternalName" }] } }),
            "stateful-nginx:services.exposures[0].type",
            '"ExternalName"',
            "ClusterIP, NodePort, LoadBalancer",
        ],
        [
            "a source range that is not a CIDR",
            baremetal({ services: { loadBalancer: { sourceRanges: ["10.0.0.0/33"] } } }),
            "stateful-nginx:services.loadBalancer.sourceRanges[0]",
            '"10.0.0.0/33"',
            "CIDR",
        ],
        [
            "an unknown external traffic policy",
            baremetal({ services: { loadBalancer: { externalTrafficPolicy: "Nearest" } } }),
            "stateful-nginx:services.loadBalancer.externalTrafficPolicy",
            '"Nearest"',
            "Cluster, Local",
        ],
        [
            "a load balancer pool that does not exist",
            baremetal({ services: { loadBalancer: { pool: "other" } } }),
            "stateful-nginx:services.loadBalancer.pool",
            '"other"',
            "default-pool",
        ],
        [
            "a fixed address outside its pool",
            baremetal({ services: { loadBalancer: { addresses: ["192.168.11.1"] } } }),
            "stateful-nginx:services.loadBalancer.addresses[0]",
            '"192.168.11.1"',
            "192.168.10.0/24",
        ],
        [
            "a fixed address on EKS",
            eks({ services: { loadBalancer: { addresses: ["192.168.11.1"], sourceRanges: [...TEST_SOURCE_RANGES] } } }),
            "stateful-nginx:services.loadBalancer.addresses",
            "",
            "only for platform baremetal",
        ],
        [
            "a pool address that does not parse",
            baremetal({ metallb: { pools: [{ name: "p", addresses: ["192.168.10.300/24"] }] } }),
            "stateful-nginx:metallb.pools[0].addresses[0]",
            '"192.168.10.300/24"',
            "CIDR",
        ],
        [
            "a range that ends before it starts",
            baremetal({ metallb: { pools: [{ name: "p", addresses: ["10.0.0.9-10.0.0.1"] }] } }),
            "stateful-nginx:metallb.pools[0].addresses[0]",
            '"10.0.0.9-10.0.0.1"',
            "starts after it ends",
        ],
        [
            "a range that mixes families",
            baremetal({ metallb: { pools: [{ name: "p", addresses: ["10.0.0.1-fc00::1"] }] } }),
            "stateful-nginx:metallb.pools[0].addresses[0]",
            '"10.0.0.1-fc00::1"',
            "mixes IPv4 and IPv6",
        ],
        [
            "overlapping pools",
            baremetal({ metallb: { pools: [...pools, { name: "b", addresses: ["192.168.10.128/25"] }] } }),
            "stateful-nginx:metallb.pools[1].addresses[0]",
            '"192.168.10.128/25"',
            "overlaps 192.168.10.0/24",
        ],
        [
            "a pool name that is not a DNS label",
            baremetal({ metallb: { pools: [{ name: "Pool_1", addresses: ["10.0.0.0/30"] }] } }),
            "stateful-nginx:metallb.pools[0].name",
            '"Pool_1"',
            "DNS-1123",
        ],
        [
            "a pool with no addresses",
            baremetal({ metallb: { pools: [{ name: "p", addresses: [] }] } }),
            "stateful-nginx:metallb.pools[0].addresses",
            "[]",
            "at least one",
        ],
        [
            "a pool no L2 advertisement covers",
            baremetal({
                metallb: {
                    pools: [...pools, { name: "b", addresses: ["10.0.0.0/30"] }],
                    l2: { pools: ["default-pool"] },
                },
            }),
            "stateful-nginx:metallb.pools[1].name",
            '"b"',
            "not announced",
        ],
        [
            "bgp mode without peers",
            baremetal({ metallb: { pools, mode: "bgp", bgp: { advertisements: [{ name: "all" }] } } }),
            "stateful-nginx:metallb.bgp.peers",
            "[]",
            "at least one peer",
        ],
        [
            "an ASN of zero",
            baremetal({
                metallb: {
                    pools,
                    mode: "bgp",
                    bgp: {
                        peers: [{ name: "r", myASN: 0, peerASN: 64501, peerAddress: "10.0.0.1" }],
                        advertisements: [{ name: "all" }],
                    },
                },
            }),
            "stateful-nginx:metallb.bgp.peers[0].myASN",
            "0",
            "1..4294967295",
        ],
        [
            "an ASN above 32 bits",
            baremetal({
                metallb: {
                    pools,
                    mode: "bgp",
                    bgp: {
                        peers: [{ name: "r", myASN: 64500, peerASN: 4294967296, peerAddress: "10.0.0.1" }],
                        advertisements: [{ name: "all" }],
                    },
                },
            }),
            "stateful-nginx:metallb.bgp.peers[0].peerASN",
            "4294967296",
            "1..4294967295",
        ],
        [
            "an unknown MetalLB mode",
            baremetal({ metallb: { pools, mode: "arp" } }),
            "stateful-nginx:metallb.mode",
            '"arp"',
            "l2, bgp",
        ],
        [
            "an unsupported EKS version",
            eks({ eks: { version: "1.23" } }),
            "stateful-nginx:eks.version",
            '"1.23"',
            "at least 1.34",
        ],
        [
            "an EKS stack without its endpoint CIDRs (required)",
            { platform: "eks", eks: JSON.stringify({ zones: TEST_ZONES }) },
            "stateful-nginx:eks.endpointPublicAccessCidrs",
            "nothing",
            "is required",
        ],
        [
            "a node group whose minimum exceeds the desired size",
            eks({ eks: { nodesPerZone: { min: 3, desired: 2, max: 3 } } }),
            "stateful-nginx:eks.nodesPerZone.desired",
            "2",
            "at least min (3)",
        ],
        [
            "a node group whose desired size exceeds the maximum",
            eks({ eks: { nodesPerZone: { desired: 4, max: 3 } } }),
            "stateful-nginx:eks.nodesPerZone.max",
            "3",
            "at least desired (4)",
        ],
        [
            "a zone of zero nodes",
            eks({ eks: { nodesPerZone: { min: 0 } } }),
            "stateful-nginx:eks.nodesPerZone.min",
            "0",
            "at least 1",
        ],
        [
            "an empty instance type",
            eks({ eks: { instanceType: "" } }),
            "stateful-nginx:eks.instanceType",
            '""',
            "instance type",
        ],
        [
            "an endpoint CIDR that does not parse",
            eks({ eks: { endpointPublicAccessCidrs: ["office"] } }),
            "stateful-nginx:eks.endpointPublicAccessCidrs[0]",
            '"office"',
            "CIDR",
        ],
        [
            "an internet-facing EKS load balancer with no client ranges",
            eks({ services: { loadBalancer: { sourceRanges: [] } } }),
            "stateful-nginx:services.loadBalancer.sourceRanges",
            "[]",
            "0.0.0.0/0 lets everyone in",
        ],
        [
            "a load balancer client range in a documentation range",
            baremetal({ services: { loadBalancer: { sourceRanges: ["198.51.100.0/24"] } } }),
            "stateful-nginx:services.loadBalancer.sourceRanges[0]",
            '"198.51.100.0/24"',
            "documentation range 198.51.100.0/24 (RFC 5737), which no client has",
        ],
        [
            "an unknown NLB scheme",
            eks({ eks: { loadBalancerScheme: "public" } }),
            "stateful-nginx:eks.loadBalancerScheme",
            '"public"',
            "internet-facing, internal",
        ],
        [
            "a verification image on latest",
            baremetal({ verify: { image: "busybox:latest" } }),
            "stateful-nginx:verify.image",
            '"busybox:latest"',
            "pinned",
        ],
    ];

    describe("rejects, in one line naming the key, the value and what is allowed,", () => {
        for (const [what, raw, key, value, allowed] of rejected) {
            it(what, () => {
                const message = configErrorOf(raw);
                assert.ok(!message.includes("\n"), `not one line: ${message}`);
                assert.ok(message.startsWith(`${key}: `), `should name ${key}: ${message}`);
                assert.ok(message.includes(`got ${value}`), `should show the value ${value}: ${message}`);
                assert.ok(message.includes(allowed), `should say what is allowed (${allowed}): ${message}`);
            });
        }
    });

    describe("reports every problem at once, one line each with its full key, ordered by key,", () => {
        /** The ConfigError `raw` is rejected with; fails the test if it is accepted. */
        const errorOf = (raw: RawConfig, options?: Parameters<typeof parseConfig>[1]): ConfigError => {
            try {
                parseConfig(raw, options);
            } catch (error) {
                assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
                return error;
            }
            assert.fail("expected the config to be rejected");
        };

        it("an EKS stack with no eks key: both keys the operator must set, one line each", () => {
            const error = errorOf({ platform: "eks" });
            assert.deepStrictEqual(
                error.problems.map((problem) => problem.key),
                ["stateful-nginx:eks.endpointPublicAccessCidrs", "stateful-nginx:eks.zones"],
            );
            for (const line of error.message.split("\n").slice(1)) assert.match(line, /: got nothing; is required: /);
        });

        it("three mistakes: an unknown key with swapped letters, a number out of range and a wrong type", () => {
            const error = errorOf(
                baremetal({
                    app: { replcias: 3, minReadySeconds: 99999 },
                    services: { nodePort: { enabled: "yes" } },
                }),
            );
            const lines = error.message.split("\n");
            assert.strictEqual(lines[0], "3 problems in the stack's configuration:");
            assert.strictEqual(lines.length, 4, error.message);
            assert.strictEqual(lines[1], "  stateful-nginx:app.minReadySeconds: got 99999; must be at most 3600");
            assert.match(lines[2], /^ {2}stateful-nginx:app\.replcias: got an unknown key; did you mean replicas\? /);
            assert.strictEqual(
                lines[3],
                '  stateful-nginx:services.nodePort.enabled: got "yes"; must be true or false',
            );
            assert.deepStrictEqual(
                error.problems.map((problem) => problem.key),
                [
                    "stateful-nginx:app.minReadySeconds",
                    "stateful-nginx:app.replcias",
                    "stateful-nginx:services.nodePort.enabled",
                ],
            );
        });

        it("in the same order whatever order the stack file gives them", () => {
            const forwards = errorOf(
                baremetal({ app: { replicas: 0, partition: -1, podManagementPolicy: "Random", nmae: "x" } }),
            );
            const backwards = errorOf(
                baremetal({ app: { nmae: "x", podManagementPolicy: "Random", partition: -1, replicas: 0 } }),
            );
            assert.strictEqual(forwards.problems.length, 4, forwards.message);
            assert.strictEqual(backwards.message, forwards.message);
        });

        it("ordering list indexes as numbers: pools[2] before pools[10]", () => {
            const keys = [
                "stateful-nginx:metallb.pools[10].name",
                "stateful-nginx:app.replicas",
                "stateful-nginx:metallb.pools[2].name",
                "stateful-nginx:metallb.pools[2]",
            ];
            assert.deepStrictEqual([...keys].sort(compareKeys), [
                "stateful-nginx:app.replicas",
                "stateful-nginx:metallb.pools[2]",
                "stateful-nginx:metallb.pools[2].name",
                "stateful-nginx:metallb.pools[10].name",
            ]);
        });

        it("every unknown top-level key, beside the problems of the keys it could read", () => {
            const error = errorOf({ ...baremetal({ app: { replicas: 0 } }), servics: "{}", aap: "{}" });
            assert.deepStrictEqual(
                error.problems.map((problem) => problem.key),
                ["stateful-nginx:aap", "stateful-nginx:app.replicas", "stateful-nginx:servics"],
            );
            assert.match(error.problems[0].line, /did you mean app\?/);
            assert.match(error.problems[2].line, /did you mean services\?/);
        });

        it("an unknown key of a list item and the required key it then lacks", () => {
            const error = errorOf(baremetal({ metallb: { pools: [{ name: "p", adresses: ["10.0.0.0/30"] }] } }));
            assert.deepStrictEqual(
                error.problems.map((problem) => problem.line),
                [
                    "stateful-nginx:metallb.pools[0].addresses: got nothing; must be a list",
                    "stateful-nginx:metallb.pools[0].adresses: got an unknown key; did you mean addresses? " +
                        "allowed keys are name, addresses, autoAssign, avoidBuggyIPs",
                ],
            );
        });

        it("a key that is not an object once, with nothing checked across keys against the defaults it stands for", () => {
            // With `app` unread, the app name would be the default `nginx`, and the alias would seem to clash.
            const error = errorOf(
                baremetal({ app: "nginx", services: { externalNames: { nginx: "db.example.com" } } }),
            );
            assert.strictEqual(error.message, 'stateful-nginx:app: got "nginx"; must be a YAML object');
        });

        it("each misspelt namespace", () => {
            assert.throws(
                () =>
                    checkConfigNamespaces(["statefulnginx:services", "stateful-nginx:platform", "stateful_nginx:app"]),
                (error: unknown) =>
                    error instanceof ConfigError &&
                    error.message.split("\n").length === 3 &&
                    error.problems[0].line.startsWith('stateful_nginx:app: got the namespace "stateful_nginx"; ') &&
                    error.problems[1].line.startsWith('statefulnginx:services: got the namespace "statefulnginx"; '),
            );
        });

        it("never showing the value of a secret key", () => {
            const error = errorOf(baremetal({ app: { replicas: "hunter2-token", image: "nginx:latest" } }), {
                isSecret: (key) => key === "app",
            });
            assert.strictEqual(error.problems.length, 2, error.message);
            assert.ok(!error.message.includes("hunter2"), error.message);
            assert.ok(!error.message.includes("nginx:latest"), error.message);
            assert.match(error.message, /stateful-nginx:app\.replicas: got \[secret\]; must be a number/);
        });
    });

    describe("did you mean", () => {
        it("counts two swapped letters as one edit: prot is port, replcias is replicas", () => {
            assert.strictEqual(closestKey("prot", ["enabled", "port"]), "port");
            assert.strictEqual(closestKey("replcias", ["name", "replicas", "image"]), "replicas");
            assert.match(
                configErrorOf(baremetal({ services: { nodePort: { prot: 30080 } } })),
                /^stateful-nginx:services\.nodePort\.prot: got an unknown key; did you mean port\? allowed keys are enabled, port$/,
            );
        });

        it("still suggests nothing for a key far from every allowed one", () => {
            assert.strictEqual(closestKey("size", ["enabled", "port"]), undefined);
        });

        // Keys an earlier version took and that are now refused with a message of their own.
        const removed: [area: string, keys: string[], kept: string][] = [
            ["app", ["retainNamespaceOnDelete", "orphanPodsOnDelete"], "replicas"],
            ["eks", ["minSize", "desiredSize", "maxSize", "nodeGroupName"], "nodesPerZone"],
        ];
        for (const [area, keys, kept] of removed) {
            it(`never lists a removed key of ${area} among the allowed ones, nor suggests one`, () => {
                const raw =
                    area === "eks"
                        ? eks({ eks: { [`${keys[0]}x`]: 1 } })
                        : baremetal({ [area]: { [`${keys[0]}x`]: 1 } });
                const message = configErrorOf(raw);
                const allowed = message.slice(message.indexOf("allowed keys are ") + "allowed keys are ".length);
                assert.ok(allowed.split(", ").includes(kept), message);
                for (const key of keys) assert.ok(!allowed.split(", ").includes(key), `${key} listed: ${message}`);
                assert.ok(!message.includes("did you mean"), message);
            });

            it(`still says what replaced a removed key of ${area} that is set`, () => {
                const raw =
                    area === "eks" ? eks({ eks: { [keys[0]]: 1 } }) : baremetal({ [area]: { [keys[0]]: true } });
                assert.match(configErrorOf(raw), new RegExp(`^stateful-nginx:${area}\\.${keys[0]}: got \\S+; is `));
            });
        }
    });

    describe("config namespaces", () => {
        it("accepts the project's keys and those of the packages the program uses", () => {
            assert.doesNotThrow(() =>
                checkConfigNamespaces([
                    "stateful-nginx:platform",
                    "aws:region",
                    "eks:something",
                    "kubernetes:enableServerSideApply",
                    "pulumi:tags",
                ]),
            );
        });

        it("refuses a misspelt namespace in one line, with the key it meant", () => {
            assert.throws(
                () => checkConfigNamespaces(["stateful-nginx:platform", "statefulnginx:services"]),
                (error: unknown) =>
                    error instanceof ConfigError &&
                    !error.message.includes("\n") &&
                    error.message.startsWith('statefulnginx:services: got the namespace "statefulnginx"; ') &&
                    error.message.includes("did you mean stateful-nginx:services?") &&
                    error.message.includes("aws, eks, kubernetes, pulumi"),
            );
        });
    });

    it("imports nothing from components/: the config comes first, the platform and the workload read it", () => {
        const dir = path.join(__dirname, "..", "config");
        const imports = fs
            .readdirSync(dir)
            .filter((file) => file.endsWith(".ts"))
            .flatMap((file) =>
                [...fs.readFileSync(path.join(dir, file), "utf8").matchAll(/from "([^"]+)"/g)].map(
                    (match) => `${file}: ${match[1]}`,
                ),
            );
        assert.ok(imports.length > 0, "found no imports to check");
        assert.deepStrictEqual(
            imports.filter((line) => /components\//.test(line)),
            [],
        );
    });

    it("never shows the kubeconfig in an error", () => {
        const message = configErrorOf({ ...eks(), kubeconfig: "apiVersion: v1\nclusters: [secret-token]" });
        assert.ok(message.startsWith("stateful-nginx:kubeconfig: "), message);
        assert.ok(!message.includes("secret-token"), message);
    });
});
