import * as assert from "assert";
import { parseConfig, RawConfig } from "../config";
import { configErrorOf } from "./helpers";

const pool = { name: "default-pool", addresses: ["192.168.10.0/24"] };
const peer = { name: "tor", myASN: 64500, peerASN: 64501, peerAddress: "10.0.0.1" };

/** A bare-metal stack whose `metallb` key is `metallb`, with the other keys given. */
function stack(metallb: Record<string, unknown>, others: Record<string, unknown> = {}): RawConfig {
    return {
        platform: "baremetal",
        metallb: JSON.stringify(metallb),
        ...Object.fromEntries(Object.entries(others).map(([key, value]) => [key, JSON.stringify(value)])),
    };
}
/** A bgp-mode stack with one peer and one advertisement of every pool, changed by `changes`. */
function bgp(changes: Record<string, unknown> = {}, bgpChanges: Record<string, unknown> = {}): RawConfig {
    return stack({
        pools: [pool],
        mode: "bgp",
        ...changes,
        bgp: { peers: [peer], advertisements: [{ name: "all" }], ...bgpChanges },
    });
}

describe("bare-metal config", () => {
    describe("accepts", () => {
        const good: [string, RawConfig][] = [
            [
                "an IPv4 CIDR, an IPv4 range and an IPv6 CIDR in l2 mode",
                stack({
                    pools: [{ name: "dual", addresses: ["192.168.10.0/24", "192.168.9.1-192.168.9.5", "fc00::/124"] }],
                }),
            ],
            ["adjacent pools", stack({ pools: [pool, { name: "next", addresses: ["192.168.11.0/24"] }] })],
            [
                "the largest ASN and peer port MetalLB takes",
                bgp({}, { peers: [{ ...peer, myASN: 4294967295, peerASN: 1, peerPort: 16384 }] }),
            ],
            [
                "IPv6 over BGP with FRR-K8s",
                bgp(
                    { frrk8s: true, pools: [pool, { name: "v6", addresses: ["fc00::/124"] }] },
                    { peers: [peer, { ...peer, name: "v6-peer", peerAddress: "fc00::1" }] },
                ),
            ],
            [
                "an IPv6 pool that only L2 announces",
                stack({ pools: [pool, { name: "v6", addresses: ["fc00::/124"] }] }),
            ],
            [
                "a fixed address in a pool other than the first when no pool is named",
                stack(
                    { pools: [pool, { name: "b", addresses: ["10.0.0.0/30"], autoAssign: false }] },
                    { services: { loadBalancer: { addresses: ["10.0.0.2"] } } },
                ),
            ],
            [
                "a fixed address in a pool that MetalLB never hands out by itself",
                stack(
                    { pools: [pool, { name: "fixed", addresses: ["10.0.0.7/32"], autoAssign: false }] },
                    { services: { loadBalancer: { pool: "fixed", addresses: ["10.0.0.7"] } } },
                ),
            ],
            ["speakers announcing from excluded nodes (kubeadm)", stack({ pools: [pool], ignoreExcludeLB: true })],
            [
                "a stack that uses the MetalLB already running, with pools of its own",
                stack({ install: false, pools: [pool] }),
            ],
            [
                "a stack that uses an existing pool by name and has none of its own",
                stack({ install: false }, { services: { loadBalancer: { pool: "shared" } } }),
            ],
            [
                "a MetalLB that runs in a namespace of its own choosing",
                stack({ install: false, namespace: "metallb", pools: [pool] }),
            ],
            [
                "an air-gapped install: a chart mirror, MetalLB's images and the check's image from a local registry",
                stack({
                    pools: [pool],
                    chartRepository: "oci://registry.example.com:5000/charts",
                    images: {
                        controller: { repository: "registry.example.com:5000/metallb/controller", tag: "v0.16.1" },
                        speaker: { repository: "registry.example.com:5000/metallb/speaker" },
                    },
                    webhookCheckImage: "registry.example.com:5000/kubectl:v1.34.1",
                }),
            ],
            ["a local copy of the chart", stack({ pools: [pool], chartPath: "vendor/metallb-0.16.1.tgz" })],
            ["an install protected from destroy", stack({ pools: [pool], protect: true })],
            ["k3s with ServiceLB turned off", stack({ install: false, pools: [pool], k3sServiceLBDisabled: true })],
            [
                "no pool at all when the stack has no LoadBalancer Service",
                stack({ install: false }, { services: { loadBalancer: { enabled: false } } }),
            ],
        ];
        for (const [label, raw] of good) {
            it(label, () => {
                assert.doesNotThrow(() => parseConfig(raw));
            });
        }
    });

    // Each row: what is wrong, the raw config, and the exact one-line error.
    const rejected: [string, RawConfig, string][] = [
        [
            "an address that does not parse",
            stack({ pools: [{ name: "p", addresses: ["192.168.10.300/24"] }] }),
            'stateful-nginx:metallb.pools[0].addresses[0]: got "192.168.10.300/24"; must be a CIDR such as 192.168.10.0/24 or a range such as 192.168.9.1-192.168.9.5',
        ],
        [
            "a shorthand IPv4 address ipaddr.js alone would take",
            stack({ pools: [{ name: "p", addresses: ["10.1-10.2"] }] }),
            'stateful-nginx:metallb.pools[0].addresses[0]: got "10.1-10.2"; must be a CIDR such as 192.168.10.0/24 or a range first-last of two addresses',
        ],
        [
            "a range whose start is after its end",
            stack({ pools: [{ name: "p", addresses: ["10.0.0.9-10.0.0.1"] }] }),
            'stateful-nginx:metallb.pools[0].addresses[0]: got "10.0.0.9-10.0.0.1"; starts after it ends (10.0.0.9 is after 10.0.0.1)',
        ],
        [
            "a range that mixes families",
            stack({ pools: [{ name: "p", addresses: ["10.0.0.1-fc00::1"] }] }),
            'stateful-nginx:metallb.pools[0].addresses[0]: got "10.0.0.1-fc00::1"; mixes IPv4 and IPv6 in one range; a range must be of one family',
        ],
        [
            "two pools that overlap",
            stack({ pools: [pool, { name: "b", addresses: ["192.168.10.250-192.168.11.5"] }] }),
            'stateful-nginx:metallb.pools[1].addresses[0]: got "192.168.10.250-192.168.11.5"; overlaps 192.168.10.0/24 of pool default-pool',
        ],
        [
            "two IPv6 blocks of one pool that overlap",
            stack({ pools: [{ name: "v6", addresses: ["fc00::/120", "fc00::80/121"] }] }),
            'stateful-nginx:metallb.pools[0].addresses[1]: got "fc00::80/121"; overlaps fc00::/120 of pool v6',
        ],
        [
            "a pool name that is not a DNS-1123 label",
            stack({ pools: [{ name: "Pool_1", addresses: ["10.0.0.0/30"] }] }),
            "stateful-nginx:metallb.pools[0].name: got \"Pool_1\"; must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)",
        ],
        [
            "a pool name that starts with a dash",
            stack({ pools: [{ name: "-pool", addresses: ["10.0.0.0/30"] }] }),
            "stateful-nginx:metallb.pools[0].name: got \"-pool\"; must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)",
        ],
        [
            "two pools with one name",
            stack({ pools: [pool, { ...pool, addresses: ["10.0.0.0/30"] }] }),
            'stateful-nginx:metallb.pools[1].name: got "default-pool"; is used by two pools; names must be unique',
        ],
        [
            "no pools",
            stack({ pools: [] }),
            // The cross-key LoadBalancer check also finds no pool; only the first problem is spelt out.
            "stateful-nginx:metallb.pools: got []; must list at least one address pool",
        ],
        [
            "a fixed LoadBalancer address outside its pool",
            stack(
                { pools: [pool] },
                { services: { loadBalancer: { pool: "default-pool", addresses: ["192.168.11.1"] } } },
            ),
            'stateful-nginx:services.loadBalancer.addresses[0]: got "192.168.11.1"; is outside pool default-pool (192.168.10.0/24)',
        ],
        [
            "a fixed LoadBalancer address in a pool that hands out addresses automatically",
            stack({ pools: [pool] }, { services: { loadBalancer: { addresses: ["192.168.10.200"] } } }),
            'stateful-nginx:services.loadBalancer.addresses[0]: got "192.168.10.200"; is in pool default-pool, which MetalLB hands out to any LoadBalancer Service (autoAssign: true), so another Service can take it first; put fixed addresses in a pool of their own with autoAssign: false',
        ],
        ...(
            [
                ["chartVersion", "0.16.1"],
                ["frrk8s", false],
                ["strictARP", false],
                ["ignoreExcludeLB", false],
                ["protect", true],
                ["chartRepository", "https://charts.example.com/metallb"],
                ["chartPath", "vendor/metallb"],
                ["webhookCheckImage", "registry.k8s.io/kubectl:v1.34.1"],
            ] as const
        ).map(([key, value]): [string, RawConfig, string] => {
            return [
                `${key} when the stack does not install MetalLB`,
                stack({ install: false, pools: [pool], [key]: value }),
                `stateful-nginx:metallb.${key}: got ${JSON.stringify(value)}; is only used when the stack installs MetalLB; remove it, or set metallb.install: true`,
            ];
        }),
        [
            "no pool of its own and no existing pool named",
            stack({ install: false }),
            "stateful-nginx:services.loadBalancer.pool: got nothing; must name an existing MetalLB pool when metallb.pools is empty (or list the stack's own pools in metallb.pools)",
        ],
        [
            "a MetalLB namespace that is not a DNS-1123 label",
            stack({ install: false, namespace: "MetalLB", pools: [pool] }),
            "stateful-nginx:metallb.namespace: got \"MetalLB\"; must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)",
        ],
        [
            "a LoadBalancer pool that does not exist",
            stack({ pools: [pool] }, { services: { loadBalancer: { pool: "other" } } }),
            'stateful-nginx:services.loadBalancer.pool: got "other"; names no MetalLB pool (pools: default-pool)',
        ],
        [
            "a pool no L2 advertisement covers",
            stack({ pools: [pool, { name: "b", addresses: ["10.0.0.0/30"] }], l2: { pools: ["default-pool"] } }),
            'stateful-nginx:metallb.pools[1].name: got "b"; is not announced by any L2 advertisement, so its addresses would never be reachable',
        ],
        [
            "a pool no BGP advertisement covers",
            bgp(
                { pools: [pool, { name: "b", addresses: ["10.0.0.0/30"] }] },
                { advertisements: [{ name: "one", pools: ["default-pool"] }] },
            ),
            'stateful-nginx:metallb.pools[1].name: got "b"; is not announced by any BGP advertisement, so its addresses would never be reachable',
        ],
        [
            "an L2 advertisement of a pool that does not exist",
            stack({ pools: [pool], l2: { pools: ["default-pool", "gone"] } }),
            'stateful-nginx:metallb.l2.pools[1]: got "gone"; names no pool (pools: default-pool)',
        ],
        [
            "bgp mode without peers",
            bgp({}, { peers: [] }),
            "stateful-nginx:metallb.bgp.peers: got []; must list at least one peer in bgp mode",
        ],
        [
            "an ASN of zero",
            bgp({}, { peers: [{ ...peer, myASN: 0 }] }),
            "stateful-nginx:metallb.bgp.peers[0].myASN: got 0; must be an ASN in 1..4294967295",
        ],
        [
            "an ASN above 32 bits",
            bgp({}, { peers: [{ ...peer, peerASN: 4294967296 }] }),
            "stateful-nginx:metallb.bgp.peers[0].peerASN: got 4294967296; must be an ASN in 1..4294967295",
        ],
        [
            "a fractional ASN",
            bgp({}, { peers: [{ ...peer, peerASN: 64501.5 }] }),
            "stateful-nginx:metallb.bgp.peers[0].peerASN: got 64501.5; must be a whole number",
        ],
        [
            "a peer port above MetalLB's limit",
            bgp({}, { peers: [{ ...peer, peerPort: 17900 }] }),
            "stateful-nginx:metallb.bgp.peers[0].peerPort: got 17900; must be a port in 1..16384",
        ],
        [
            "a peer address in shorthand",
            bgp({}, { peers: [{ ...peer, peerAddress: "10.1" }] }),
            'stateful-nginx:metallb.bgp.peers[0].peerAddress: got "10.1"; must be an IPv4 or IPv6 address such as 192.168.1.1',
        ],
        [
            "two peers with one name",
            bgp({}, { peers: [peer, { ...peer, peerAddress: "10.0.0.2" }] }),
            'stateful-nginx:metallb.bgp.peers[1].name: got "tor"; is used by two peers; names must be unique',
        ],
        [
            "an advertisement for a peer that does not exist",
            bgp({}, { advertisements: [{ name: "all", peers: ["spine"] }] }),
            'stateful-nginx:metallb.bgp.advertisements[0].peers[0]: got "spine"; names no peer (peers: tor)',
        ],
        [
            "an IPv4 aggregation length of 0",
            bgp({}, { advertisements: [{ name: "all", aggregationLength: 0 }] }),
            "stateful-nginx:metallb.bgp.advertisements[0].aggregationLength: got 0; must be a prefix length in 1..32",
        ],
        [
            "an IPv4 aggregation length above 32",
            bgp({}, { advertisements: [{ name: "all", aggregationLength: 64 }] }),
            "stateful-nginx:metallb.bgp.advertisements[0].aggregationLength: got 64; must be a prefix length in 1..32",
        ],
        [
            "a community with a half above 16 bits",
            bgp({}, { advertisements: [{ name: "all", communities: ["65536:1"] }] }),
            'stateful-nginx:metallb.bgp.advertisements[0].communities[0]: got "65536:1"; must be a BGP community such as 64512:100 (two numbers in 0..65535)',
        ],
        [
            "an IPv6 pool announced by native BGP",
            bgp({ pools: [pool, { name: "v6", addresses: ["fc00::/124"] }] }),
            'stateful-nginx:metallb.pools[1].addresses[0]: got "fc00::/124"; is IPv6, which MetalLB announces over BGP only with the FRR-K8s backend (set metallb.frrk8s: true)',
        ],
        [
            "an IPv6 peer for native BGP",
            bgp({}, { peers: [{ ...peer, peerAddress: "fc00::1" }] }),
            'stateful-nginx:metallb.bgp.peers[0].peerAddress: got "fc00::1"; is IPv6, which MetalLB\'s native BGP speaker cannot peer with (set metallb.frrk8s: true)',
        ],
        [
            "a chart version that is not pinned",
            stack({ pools: [pool], chartVersion: "latest" }),
            'stateful-nginx:metallb.chartVersion: got "latest"; must be a chart version such as 0.16.1',
        ],
        [
            "an unknown mode",
            stack({ pools: [pool], mode: "arp" }),
            'stateful-nginx:metallb.mode: got "arp"; must be one of l2, bgp',
        ],
        [
            "a chart repository that is not a URL",
            stack({ pools: [pool], chartRepository: "charts.example.com/metallb" }),
            'stateful-nginx:metallb.chartRepository: got "charts.example.com/metallb"; must be an http(s):// chart repository or an oci:// registry, such as https://charts.example.com/metallb',
        ],
        [
            "a chart repository and a local chart at once",
            stack({ pools: [pool], chartRepository: "https://charts.example.com", chartPath: "vendor/metallb" }),
            'stateful-nginx:metallb.chartPath: got "vendor/metallb"; is set together with metallb.chartRepository; set one of them',
        ],
        [
            "an image repository that carries its tag",
            stack({
                pools: [pool],
                images: { speaker: { repository: "registry.example.com:5000/metallb/speaker:v0.16.1" } },
            }),
            'stateful-nginx:metallb.images.speaker.repository: got "registry.example.com:5000/metallb/speaker:v0.16.1"; must be a repository without a tag: put the tag in tag',
        ],
        [
            "an image tag latest",
            stack({
                pools: [pool],
                images: { controller: { repository: "quay.io/metallb/controller", tag: "latest" } },
            }),
            'stateful-nginx:metallb.images.controller.tag: got "latest"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "an image of a component the chart does not take",
            stack({ pools: [pool], images: { frr: { repository: "quay.io/frrouting/frr" } } }),
            "stateful-nginx:metallb.images.frr: got an unknown key; allowed keys are controller, speaker",
        ],
        [
            "a webhook check image that is not pinned",
            stack({ pools: [pool], webhookCheckImage: "registry.k8s.io/kubectl" }),
            'stateful-nginx:metallb.webhookCheckImage: got "registry.k8s.io/kubectl"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "ServiceLB's switch as a string",
            stack({ pools: [pool], k3sServiceLBDisabled: "yes" }),
            'stateful-nginx:metallb.k3sServiceLBDisabled: got "yes"; must be true or false',
        ],
    ];

    describe("rejects, before anything is registered, with one line naming key, value and what is allowed", () => {
        for (const [label, raw, expected] of rejected) {
            it(label, () => {
                const message = configErrorOf(raw);
                assert.strictEqual(message, expected);
                assert.ok(!message.includes("\n"), "one line");
            });
        }

        it("a misspelt key in the metallb block", () => {
            assert.match(
                configErrorOf(stack({ pools: [pool], strictArp: true })),
                /^stateful-nginx:metallb\.strictArp: got an unknown key; did you mean strictARP\? allowed keys are /,
            );
        });
    });
});
