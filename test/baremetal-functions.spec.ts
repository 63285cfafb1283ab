import * as assert from "assert";
import * as path from "path";
import { parse } from "yaml";
import {
    addressPoolSpec,
    bgpAdvertisementSpec,
    bgpPeerSpec,
    clusterFactsChart,
    configDigest,
    describeExistingMetalLb,
    embeddedKubeProxy,
    existingMetalLbProblem,
    kubeProxyMode,
    l2AdvertisementSpec,
    loadBalancerAnnotations,
    loadBalancerPool,
    metallbBackend,
    metallbChartSource,
    metallbChartValues,
    METALLB_APIS,
    metallbNamespaceLabels,
    missingMetalLbApis,
    parseClusterFacts,
    preflightProblem,
    requiredMetalLbApis,
    webhookCheckManifest,
    webhookCheckTrigger,
    withStrictArp,
} from "../components/baremetal";
import { parseConfig } from "../config";
import { MOCK_KUBE_PROXY_CONFIG } from "../tools/mock-state";

/** A validated MetalLB config, as the platform receives it. */
function metallbOf(metallb: Record<string, unknown>) {
    return parseConfig({ platform: "baremetal", metallb: JSON.stringify(metallb) }).metallb!;
}

const pools = [
    { name: "web", addresses: ["192.168.10.0/24", "fc00::/124"] },
    { name: "internal", addresses: ["10.0.0.10-10.0.0.20"] },
];

describe("bare metal: plain functions", () => {
    describe("LoadBalancer annotations", () => {
        it("name the configured pool and no addresses when none are fixed", () => {
            assert.deepStrictEqual(loadBalancerAnnotations({ pool: "internal", addresses: [] }, pools), {
                "metallb.io/address-pool": "internal",
            });
        });

        it("join fixed addresses (one per family) with a comma in metallb.io/loadBalancerIPs", () => {
            assert.deepStrictEqual(
                loadBalancerAnnotations({ pool: "web", addresses: ["192.168.10.7", "fc00::7"] }, pools),
                { "metallb.io/address-pool": "web", "metallb.io/loadBalancerIPs": "192.168.10.7,fc00::7" },
            );
        });

        it("take the pool that holds the fixed addresses when no pool is named", () => {
            assert.strictEqual(loadBalancerPool({ addresses: ["10.0.0.15"] }, pools), "internal");
        });

        it("name no pool when the fixed addresses are in different pools, so MetalLB finds each one's", () => {
            const annotations = loadBalancerAnnotations({ addresses: ["10.0.0.15", "fc00::1"] }, pools);
            assert.deepStrictEqual(annotations, { "metallb.io/loadBalancerIPs": "10.0.0.15,fc00::1" });
        });

        it("default to the first pool", () => {
            assert.strictEqual(loadBalancerPool({ addresses: [] }, pools), "web");
        });

        it("never use the deprecated metallb.universe.tf prefix", () => {
            const keys = Object.keys(loadBalancerAnnotations({ pool: "web", addresses: ["192.168.10.7"] }, pools));
            assert.ok(
                keys.every((key) => key.startsWith("metallb.io/")),
                keys.join(", "),
            );
        });
    });

    describe("MetalLB chart and namespace", () => {
        it("labels metallb-system privileged for enforce, audit and warn", () => {
            const labels = metallbNamespaceLabels();
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "privileged", mode);
            }
        });

        it("runs native mode unless FRR-K8s is asked for", () => {
            assert.deepStrictEqual(metallbChartValues({ frrk8s: false }), {
                frrk8s: { enabled: false },
                speaker: { frr: { enabled: false }, ignoreExcludeLB: false },
            });
            assert.strictEqual(metallbBackend({ frrk8s: false }), "native");
        });

        it("turns on FRR-K8s, and never the speaker's own FRR container, when asked", () => {
            const values = metallbChartValues({ frrk8s: true });
            assert.strictEqual(values.frrk8s.enabled, true);
            assert.strictEqual(values.speaker.frr.enabled, false);
            assert.strictEqual(metallbBackend({ frrk8s: true }), "frr-k8s");
        });

        it("lets speakers on nodes labelled exclude-from-external-load-balancers announce only when asked", () => {
            assert.strictEqual(
                metallbChartValues({ frrk8s: false, ignoreExcludeLB: true }).speaker.ignoreExcludeLB,
                true,
            );
            assert.strictEqual(metallbChartValues({ frrk8s: false }).speaker.ignoreExcludeLB, false);
        });
    });

    describe("custom resource specs", () => {
        const metallb = metallbOf({
            pools: [
                { name: "web", addresses: ["192.168.10.0/24"], autoAssign: false },
                { name: "internal", addresses: ["10.0.0.10-10.0.0.20"], avoidBuggyIPs: true },
            ],
            l2: { interfaces: ["eth0"], nodeSelectors: [{ matchLabels: { "metallb/speaker": "yes" } }] },
        });

        it("write every pool setting out, defaults included", () => {
            assert.deepStrictEqual(addressPoolSpec(metallb.pools[0]), {
                addresses: ["192.168.10.0/24"],
                autoAssign: false,
                avoidBuggyIPs: false,
            });
            assert.deepStrictEqual(addressPoolSpec(metallb.pools[1]), {
                addresses: ["10.0.0.10-10.0.0.20"],
                autoAssign: true,
                avoidBuggyIPs: true,
            });
        });

        it("list every pool by name in the L2Advertisement when l2.pools is not set", () => {
            assert.deepStrictEqual(l2AdvertisementSpec(metallb), {
                ipAddressPools: ["web", "internal"],
                interfaces: ["eth0"],
                nodeSelectors: [{ matchLabels: { "metallb/speaker": "yes" } }],
            });
        });

        it("leave interfaces and node selectors out of the L2Advertisement when none are configured", () => {
            const spec = l2AdvertisementSpec(metallbOf({ pools: [pools[1]], l2: { pools: ["internal"] } }));
            assert.deepStrictEqual(spec, { ipAddressPools: ["internal"] });
        });

        const bgp = metallbOf({
            mode: "bgp",
            pools: [pools[1], { name: "edge", addresses: ["203.0.113.0/28"] }],
            bgp: {
                peers: [
                    { name: "tor", myASN: 64500, peerASN: 64501, peerAddress: "10.0.0.1" },
                    {
                        name: "spine",
                        myASN: 4200000000,
                        peerASN: 4200000001,
                        peerAddress: "10.0.0.2",
                        peerPort: 1179,
                        holdTime: "90s",
                        nodeSelectors: [{ matchLabels: { rack: "r1" } }],
                    },
                ],
                advertisements: [
                    { name: "all" },
                    {
                        name: "edge",
                        pools: ["edge"],
                        aggregationLength: 28,
                        localPref: 200,
                        communities: ["64500:100"],
                        peers: ["spine"],
                    },
                ],
            },
        });

        it("give a BGPPeer its ASNs and address, and only the optional fields that are set", () => {
            assert.deepStrictEqual(bgpPeerSpec(bgp.bgp.peers[0]), {
                myASN: 64500,
                peerASN: 64501,
                peerAddress: "10.0.0.1",
            });
            assert.deepStrictEqual(bgpPeerSpec(bgp.bgp.peers[1]), {
                myASN: 4200000000,
                peerASN: 4200000001,
                peerAddress: "10.0.0.2",
                peerPort: 1179,
                holdTime: "90s",
                nodeSelectors: [{ matchLabels: { rack: "r1" } }],
            });
        });

        it("make a BGPAdvertisement without pools announce every pool, to every peer", () => {
            assert.deepStrictEqual(bgpAdvertisementSpec(bgp.bgp.advertisements[0], bgp), {
                ipAddressPools: ["internal", "edge"],
            });
        });

        it("carry aggregation, local preference, communities and peers into a BGPAdvertisement", () => {
            assert.deepStrictEqual(bgpAdvertisementSpec(bgp.bgp.advertisements[1], bgp), {
                ipAddressPools: ["edge"],
                aggregationLength: 28,
                localPref: 200,
                communities: ["64500:100"],
                peers: ["spine"],
            });
        });
    });

    describe("kube-proxy strictARP", () => {
        const before = parse(MOCK_KUBE_PROXY_CONFIG) as Record<string, unknown> & { ipvs: Record<string, unknown> };

        it("sets ipvs.strictARP and keeps every other setting as it was", () => {
            const after = parse(withStrictArp(MOCK_KUBE_PROXY_CONFIG, true)) as typeof before;
            assert.strictEqual(before.ipvs.strictARP, false);
            assert.strictEqual(after.ipvs.strictARP, true);
            assert.deepStrictEqual({ ...after, ipvs: { ...after.ipvs, strictARP: false } }, before);
        });

        it("changes only the strictARP line of the text", () => {
            const beforeLines = MOCK_KUBE_PROXY_CONFIG.split("\n");
            const afterLines = withStrictArp(MOCK_KUBE_PROXY_CONFIG, true).split("\n");
            const changed = afterLines.filter((line, index) => line !== beforeLines[index]);
            assert.deepStrictEqual(changed, ["  strictARP: true"]);
        });

        it("keeps comments", () => {
            const text = "# written by hand\nmode: ipvs # for MetalLB\nipvs:\n  scheduler: rr\n";
            const after = withStrictArp(text, true);
            assert.ok(after.includes("# written by hand") && after.includes("# for MetalLB"), after);
            assert.deepStrictEqual(parse(after), { mode: "ipvs", ipvs: { scheduler: "rr", strictARP: true } });
        });

        it("adds the ipvs section when the configuration has none", () => {
            assert.deepStrictEqual(parse(withStrictArp("mode: ipvs\n", true)), {
                mode: "ipvs",
                ipvs: { strictARP: true },
            });
        });

        it("is idempotent, so reading back its own result changes nothing", () => {
            const once = withStrictArp(MOCK_KUBE_PROXY_CONFIG, true);
            assert.strictEqual(withStrictArp(once, true), once);
            assert.strictEqual(configDigest(withStrictArp(once, true)), configDigest(once));
        });

        it("can turn strictARP back off", () => {
            const on = withStrictArp(MOCK_KUBE_PROXY_CONFIG, true);
            assert.strictEqual(withStrictArp(on, false), MOCK_KUBE_PROXY_CONFIG);
        });

        it("refuses a ConfigMap without config.conf, naming the cluster kinds it works on", () => {
            assert.throws(() => withStrictArp(undefined, true), /kube-system\/kube-proxy has no config\.conf.*kubeadm/);
            assert.throws(() => withStrictArp("- a\n- list\n", true), /not a YAML mapping/);
        });

        it("reads the proxy mode, iptables when unset", () => {
            assert.strictEqual(kubeProxyMode(MOCK_KUBE_PROXY_CONFIG), "ipvs");
            assert.strictEqual(kubeProxyMode('mode: ""\n'), "iptables");
            assert.strictEqual(kubeProxyMode("ipvs: {}\n"), "iptables");
        });

        it("gives a different restart digest for a different configuration", () => {
            assert.notStrictEqual(
                configDigest(withStrictArp(MOCK_KUBE_PROXY_CONFIG, true)),
                configDigest(MOCK_KUBE_PROXY_CONFIG),
            );
            assert.match(configDigest(MOCK_KUBE_PROXY_CONFIG), /^[0-9a-f]{16}$/);
        });
    });

    describe("webhook check", () => {
        it("runs again when a chart value changes, not only the chart version", () => {
            const native = webhookCheckTrigger("0.16.1", metallbChartValues({ frrk8s: false }));
            assert.notStrictEqual(native, webhookCheckTrigger("0.16.1", metallbChartValues({ frrk8s: true })));
            assert.notStrictEqual(
                native,
                webhookCheckTrigger("0.16.1", metallbChartValues({ frrk8s: false, ignoreExcludeLB: true })),
            );
            assert.notStrictEqual(native, webhookCheckTrigger("0.16.2", metallbChartValues({ frrk8s: false })));
        });

        it("does not run again for the same values written in another key order", () => {
            assert.strictEqual(
                webhookCheckTrigger("0.16.1", { a: 1, b: { c: true, d: [1, 2] } }),
                webhookCheckTrigger("0.16.1", { b: { d: [1, 2], c: true }, a: 1 }),
            );
            assert.match(webhookCheckTrigger("0.16.1", {}), /^0\.16\.1-[0-9a-f]{12}$/);
        });

        it("dry-runs an empty L2Advertisement in metallb-system, valid whatever pools exist", () => {
            assert.deepStrictEqual(parse(webhookCheckManifest()), {
                apiVersion: "metallb.io/v1beta1",
                kind: "L2Advertisement",
                metadata: { name: "webhook-check", namespace: "metallb-system" },
                spec: {},
            });
        });
    });
});

describe("bare metal: what the cluster says about itself", () => {
    /** Renders the facts chart's template the way Helm would for a cluster with these facts. */
    function render(kubeVersion: string, served: readonly string[]): unknown[] {
        const template = clusterFactsChart()
            ["templates/facts.yaml"].replace("{{ .Capabilities.KubeVersion.Version }}", kubeVersion)
            .replace(/\{\{ \.Capabilities\.APIVersions\.Has "([^"]+)" \}\}/g, (_, api: string) =>
                String(served.includes(api)),
            );
        assert.ok(!template.includes("{{"), template);
        return [parse(template)];
    }

    it("asks Helm for the server's version and every MetalLB API, in a chart that parses", () => {
        const chart = clusterFactsChart();
        assert.deepStrictEqual(Object.keys(chart).sort(), ["Chart.yaml", "templates/facts.yaml"]);
        assert.strictEqual(parse(chart["Chart.yaml"]).apiVersion, "v2");
        const facts = parseClusterFacts(render("v1.34.1", METALLB_APIS));
        assert.deepStrictEqual(facts, {
            kubeVersion: "v1.34.1",
            served: Object.fromEntries(METALLB_APIS.map((api) => [api, true])),
        });
        assert.deepStrictEqual(missingMetalLbApis(parseClusterFacts(render("v1.34.1", []))), [...METALLB_APIS]);
    });

    it("recognises k3s and RKE2, whose kube-proxy has no ConfigMap, by the server's version", () => {
        const facts = (kubeVersion: string) => parseClusterFacts(render(kubeVersion, METALLB_APIS));
        assert.strictEqual(embeddedKubeProxy(facts("v1.33.5+k3s1")), "k3s");
        assert.strictEqual(embeddedKubeProxy(facts("v1.32.8+rke2r1")), "rke2");
        assert.strictEqual(embeddedKubeProxy(facts("v1.34.1")), undefined);
        assert.strictEqual(embeddedKubeProxy(facts("v1.34.1-eks-3abf8a4")), undefined);
    });

    it("needs only the APIs of the stack's mode when it does not install MetalLB", () => {
        const l2Only = parseClusterFacts(
            render("v1.34.1", ["metallb.io/v1beta1/IPAddressPool", "metallb.io/v1beta1/L2Advertisement"]),
        );
        const base = { install: false, namespace: "metallb-system", strictARP: false } as const;
        assert.strictEqual(preflightProblem({ ...base, mode: "l2" }, l2Only), undefined);
        assert.match(
            String(preflightProblem({ ...base, mode: "bgp" }, l2Only)),
            /^stateful-nginx:metallb\.install: got false; .*\(metallb\.io\/v1beta1\/BGPAdvertisement, metallb\.io\/v1beta2\/BGPPeer\)/,
        );
        assert.deepStrictEqual(requiredMetalLbApis("l2"), [
            "metallb.io/v1beta1/IPAddressPool",
            "metallb.io/v1beta1/L2Advertisement",
        ]);
    });

    it("lets a stack that installs MetalLB on k3s go on when it leaves strictARP off", () => {
        const k3s = parseClusterFacts(render("v1.33.5+k3s1", []));
        const base = { install: true, mode: "l2", namespace: "metallb-system", k3sServiceLBDisabled: true } as const;
        assert.strictEqual(preflightProblem({ ...base, strictARP: false }, k3s), undefined);
        assert.match(
            String(preflightProblem({ ...base, strictARP: true }, k3s)),
            /^stateful-nginx:metallb\.strictARP: got true; k3s \(v1\.33\.5\+k3s1\)/,
        );
    });

    it("refuses k3s unless the stack says ServiceLB is off, installing MetalLB or not", () => {
        const k3s = parseClusterFacts(render("v1.33.5+k3s1", METALLB_APIS));
        for (const install of [true, false]) {
            const base = { install, mode: "l2", namespace: "metallb-system", strictARP: false } as const;
            assert.strictEqual(
                preflightProblem(base, k3s),
                "stateful-nginx:metallb.k3sServiceLBDisabled: got false; the cluster runs k3s (v1.33.5+k3s1), whose own load balancer ServiceLB would answer LoadBalancer Services beside MetalLB: start every k3s server with --disable=servicelb, then set metallb.k3sServiceLBDisabled: true",
            );
            assert.strictEqual(preflightProblem({ ...base, k3sServiceLBDisabled: true }, k3s), undefined);
        }
        // RKE2 ships no ServiceLB by default, and other clusters none at all.
        for (const version of ["v1.32.8+rke2r1", "v1.34.1", "v1.34.1-eks-3abf8a4"]) {
            const facts = parseClusterFacts(render(version, METALLB_APIS));
            assert.strictEqual(
                preflightProblem({ install: true, mode: "l2", namespace: "metallb-system", strictARP: false }, facts),
                undefined,
            );
        }
    });
});

describe("bare metal: a MetalLB already in the cluster (its ValidatingWebhookConfiguration)", () => {
    const webhook = (namespace: string, labels?: Record<string, string>, annotations?: Record<string, string>) =>
        describeExistingMetalLb({
            metadata: { labels, annotations },
            webhooks: ["ipaddresspool", "bgppeer"].map(() => ({
                clientConfig: { service: { namespace } },
            })),
        });
    const ours = webhook("metallb-system", { "app.kubernetes.io/instance": "metallb" });
    const install = { install: true, namespace: "metallb-system" };
    const use = { install: false, namespace: "metallb-system" };

    it("reads where MetalLB runs from the webhooks' Service, and who installed it from Helm's annotation", () => {
        assert.deepStrictEqual(ours, { namespaces: ["metallb-system"], helmRelease: undefined, instance: "metallb" });
        assert.deepStrictEqual(
            webhook("lb", { "app.kubernetes.io/instance": "lb" }, { "meta.helm.sh/release-name": "lb" }),
            { namespaces: ["lb"], helmRelease: "lb", instance: "lb" },
        );
    });

    it("goes on when the running MetalLB is the one the stack's chart rendered, or the one it uses", () => {
        assert.strictEqual(existingMetalLbProblem(install, ours), undefined);
        assert.strictEqual(existingMetalLbProblem(use, ours), undefined);
        assert.strictEqual(existingMetalLbProblem(use, webhook("metallb-system")), undefined);
    });

    it("tells a stack that would install MetalLB a second time to set metallb.install: false", () => {
        const helm = webhook(
            "metallb-system",
            { "app.kubernetes.io/instance": "metallb" },
            { "meta.helm.sh/release-name": "metallb" },
        );
        assert.strictEqual(
            existingMetalLbProblem(install, helm),
            "stateful-nginx:metallb.install: got true; MetalLB already runs in metallb-system as the Helm release metallb (metallb-webhook-configuration is Helm's), and a second install collides with it: set metallb.install: false to use it",
        );
        assert.strictEqual(
            existingMetalLbProblem(install, webhook("metallb-system")),
            "stateful-nginx:metallb.install: got true; MetalLB already runs in metallb-system, installed by other means (metallb-webhook-configuration is not from a chart release named metallb), and a second install collides with it: set metallb.install: false to use it",
        );
        assert.strictEqual(
            existingMetalLbProblem(install, webhook("lb-system", { "app.kubernetes.io/instance": "metallb" })),
            "stateful-nginx:metallb.install: got true; MetalLB already runs in lb-system (installed by another stack: metallb-webhook-configuration calls its webhook there), and a second install collides with it: set metallb.install: false to use it (with metallb.namespace: lb-system)",
        );
    });

    it("tells a stack that uses MetalLB in another namespace to set metallb.namespace", () => {
        assert.strictEqual(
            existingMetalLbProblem(use, webhook("lb-system")),
            'stateful-nginx:metallb.namespace: got "metallb-system"; MetalLB runs in lb-system (metallb-webhook-configuration calls its webhook there) and reads pools only from its own namespace: set metallb.namespace: lb-system',
        );
    });
});

describe("bare metal: the chart's source and images (air-gapped clusters)", () => {
    it("takes MetalLB's repository by default, a mirror, an OCI registry or a local chart", () => {
        assert.deepStrictEqual(metallbChartSource({}), {
            chart: "metallb",
            repositoryOpts: { repo: "https://metallb.github.io/metallb" },
        });
        assert.deepStrictEqual(metallbChartSource({ chartRepository: "https://charts.example.com/metallb" }), {
            chart: "metallb",
            repositoryOpts: { repo: "https://charts.example.com/metallb" },
        });
        assert.deepStrictEqual(metallbChartSource({ chartRepository: "oci://registry.example.com/charts/" }), {
            chart: "oci://registry.example.com/charts/metallb",
        });
        assert.deepStrictEqual(metallbChartSource({ chartPath: "vendor/metallb-0.16.1.tgz" }), {
            chart: path.resolve("vendor/metallb-0.16.1.tgz"),
        });
    });

    it("gives the chart the controller's and speaker's images only when configured", () => {
        assert.deepStrictEqual(metallbChartValues({ frrk8s: false }), {
            frrk8s: { enabled: false },
            speaker: { frr: { enabled: false }, ignoreExcludeLB: false },
        });
        const images = {
            controller: { repository: "registry.example.com:5000/metallb/controller", tag: "v0.16.1" },
            speaker: { repository: "registry.example.com:5000/metallb/speaker" },
        };
        assert.deepStrictEqual(metallbChartValues({ frrk8s: false, images }), {
            frrk8s: { enabled: false },
            controller: { image: images.controller },
            speaker: { frr: { enabled: false }, ignoreExcludeLB: false, image: images.speaker },
        });
    });
});
