import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
    BareMetalPlatform,
    configDigest,
    KUBE_PROXY_CONFIG_ANNOTATION,
    WEBHOOK_CHECK_TIMING,
    webhookCheckTrigger,
} from "../components/baremetal";
import { parseConfig } from "../config";
import { redactSecrets, RegisteredResource, runProgram } from "../tools/mock-runtime";
import { MOCK_KUBE_PROXY_CONFIG } from "../tools/mock-state";
import { readStackFile, stackFilePath } from "../tools/stack-config";
import { isSecret, metadataOf, runConfig, runStack, specOf, StackRun } from "./helpers";

const TYPES = {
    platform: "stateful-nginx:platform:BareMetalPlatform",
    metallb: "stateful-nginx:baremetal:MetalLb",
    webhookCheck: "stateful-nginx:baremetal:MetalLbWebhookCheck",
    kubeProxy: "stateful-nginx:baremetal:KubeProxyStrictArp",
    provider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    chart: "kubernetes:helm.sh/v4:Chart",
    job: "kubernetes:batch/v1:Job",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    service: "kubernetes:core/v1:Service",
    configMap: "kubernetes:core/v1:ConfigMap",
    configMapPatch: "kubernetes:core/v1:ConfigMapPatch",
    daemonSetPatch: "kubernetes:apps/v1:DaemonSetPatch",
    pool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    l2: "kubernetes:metallb.io/v1beta1:L2Advertisement",
    bgpAdvertisement: "kubernetes:metallb.io/v1beta1:BGPAdvertisement",
    bgpPeer: "kubernetes:metallb.io/v1beta2:BGPPeer",
} as const;

// Required fields and allowed fields of each MetalLB v0.16.1 CRD's `spec` (from config/crd/bases of that tag),
// with the bounds the API server enforces. The server prunes or rejects anything else.
type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === "string";
const isBool: Check = (value) => typeof value === "boolean";
const strings: Check = (value) => Array.isArray(value) && value.every(isString);
const int =
    (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
    (value) =>
        Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const selectors: Check = (value) =>
    Array.isArray(value) &&
    value.every(
        (selector) =>
            typeof selector === "object" &&
            Object.keys(selector).every((key) => ["matchLabels", "matchExpressions"].includes(key)) &&
            Object.values(selector.matchLabels ?? {}).every(isString),
    );
const CRD_SPECS: Record<string, { required: string[]; fields: Record<string, Check> }> = {
    [TYPES.pool]: {
        required: ["addresses"],
        fields: { addresses: strings, autoAssign: isBool, avoidBuggyIPs: isBool, serviceAllocation: Boolean },
    },
    [TYPES.l2]: {
        required: [],
        fields: {
            ipAddressPools: strings,
            ipAddressPoolSelectors: selectors,
            interfaces: strings,
            nodeSelectors: selectors,
            serviceSelectors: selectors,
        },
    },
    [TYPES.bgpAdvertisement]: {
        required: [],
        fields: {
            aggregationLength: int(1),
            aggregationLengthV6: int(0),
            communities: strings,
            ipAddressPools: strings,
            ipAddressPoolSelectors: selectors,
            localPref: int(0, 4294967295),
            nodeSelectors: selectors,
            peers: strings,
            serviceSelectors: selectors,
        },
    },
    [TYPES.bgpPeer]: {
        // v1beta2 requires myASN; peerASN (or dynamicASN) and peerAddress (or interface) are each required
        // by MetalLB's webhook, and this program never uses the alternatives.
        required: ["myASN", "peerASN", "peerAddress"],
        fields: {
            myASN: int(0, 4294967295),
            peerASN: int(0, 4294967295),
            peerAddress: isString,
            peerPort: int(1, 16384),
            holdTime: isString,
            keepaliveTime: isString,
            nodeSelectors: selectors,
            password: isString,
            bfdProfile: isString,
            ebgpMultiHop: isBool,
        },
    },
};

function assertMatchesCrd(resource: RegisteredResource): void {
    const schema = CRD_SPECS[resource.type];
    assert.ok(schema, `no CRD schema for ${resource.type}`);
    const metadata = metadataOf(resource);
    const spec = specOf(resource);
    assert.strictEqual(metadata.namespace, "metallb-system", resource.name);
    assert.match(metadata.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, resource.name);
    assert.strictEqual(typeof resource.inputs.spec, "object", `${resource.name}: spec is required`);
    for (const field of schema.required) assert.ok(field in spec, `${resource.name}: spec.${field} is required`);
    for (const [field, value] of Object.entries(spec)) {
        assert.ok(schema.fields[field], `${resource.name}: spec.${field} is not a field of ${resource.type}`);
        assert.ok(schema.fields[field](value), `${resource.name}: spec.${field} = ${JSON.stringify(value)}`);
    }
}

const devFile = readStackFile(stackFilePath("dev"));
const devMetallb = JSON.parse(devFile.config["stateful-nginx:metallb"]);

const bgpMetallb = {
    mode: "bgp",
    pools: [
        { name: "default-pool", addresses: ["172.18.255.201-172.18.255.250"] },
        { name: "fixed", addresses: ["172.18.255.200/32"], autoAssign: false },
        { name: "edge", addresses: ["203.0.113.0/28"], autoAssign: false },
    ],
    bgp: {
        peers: [
            { name: "tor-a", myASN: 64500, peerASN: 64501, peerAddress: "172.18.0.2" },
            { name: "tor-b", myASN: 64500, peerASN: 64502, peerAddress: "172.18.0.3", holdTime: "90s" },
        ],
        advertisements: [
            { name: "default", pools: ["default-pool", "fixed"] },
            { name: "edge", pools: ["edge"], communities: ["64500:100"], localPref: 200, peers: ["tor-b"] },
        ],
    },
};

const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: s3cr3t-t0ken\n";

/** Every string in `value` outside secret markers. */
function plainStrings(value: unknown): string[] {
    if (isSecret(value)) return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(plainStrings);
    if (typeof value === "object" && value !== null) return Object.values(value).flatMap(plainStrings);
    return [];
}

describe("bare-metal platform (mock runtime)", function () {
    this.timeout(120000);
    let dev: StackRun;
    let bgp: StackRun;
    let frr: StackRun;
    let strictArp: StackRun;
    let withKubeconfig: StackRun;

    before(async () => {
        dev = await runStack("dev");
        bgp = await runStack("dev", { "stateful-nginx:metallb": bgpMetallb });
        frr = await runStack("dev", {
            "stateful-nginx:metallb": {
                chartVersion: "0.15.2",
                mode: "bgp",
                frrk8s: true,
                pools: [...bgpMetallb.pools, { name: "v6", addresses: ["fc00:f853:ccd:e799::/124"] }],
                bgp: { peers: [bgpMetallb.bgp.peers[0]], advertisements: [{ name: "all" }] },
            },
        });
        strictArp = await runStack("dev", { "stateful-nginx:metallb": { ...devMetallb, strictARP: true } });
        withKubeconfig = await runConfig(
            "dev",
            { ...devFile.config, "stateful-nginx:kubeconfig": KUBECONFIG, "stateful-nginx:kubeContext": "kind-kind" },
            [...devFile.secretKeys, "stateful-nginx:kubeconfig"],
        );
    });

    const platformOf = (run: StackRun) => run.get(TYPES.platform, "baremetal");
    const chartOf = (run: StackRun) => run.get(TYPES.chart, "baremetal-metallb-chart");
    const jobOf = (run: StackRun) => run.get(TYPES.job, "baremetal-webhook-check-job");
    const metallbObjects = (run: StackRun) =>
        run.resources.filter((resource) => /^kubernetes:metallb\.io\//.test(resource.type));

    describe("the resource set (dev stack)", () => {
        it("reaches the cluster through one explicit provider, used by every Kubernetes resource", () => {
            const providers = dev.ofType(TYPES.provider);
            assert.deepStrictEqual(
                providers.map((provider) => provider.name),
                ["baremetal-k8s"],
            );
            const kubernetes = dev.resources.filter((resource) => resource.type.startsWith("kubernetes:"));
            assert.ok(kubernetes.length > 5);
            for (const resource of kubernetes) assert.strictEqual(resource.provider, providers[0].urn, resource.name);
        });

        it("uses the ambient kubeconfig and its current context when none is configured", () => {
            const provider = dev.get(TYPES.provider, "baremetal-k8s");
            assert.strictEqual(provider.inputs.kubeconfig, undefined);
            assert.strictEqual(provider.inputs.context, undefined);
        });

        it("creates metallb-system with privileged Pod Security labels", () => {
            const namespace = dev.object(TYPES.namespace, "metallb-system");
            const labels = metadataOf(namespace).labels;
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "privileged");
            }
        });

        it("installs the official metallb chart, pinned to 0.16.1, into metallb-system", () => {
            const chart = chartOf(dev);
            assert.strictEqual(chart.inputs.chart, "metallb");
            assert.deepStrictEqual(chart.inputs.repositoryOpts, { repo: "https://metallb.github.io/metallb" });
            assert.strictEqual(chart.inputs.version, "0.16.1");
            assert.strictEqual(chart.inputs.namespace, "metallb-system");
            assert.strictEqual(chart.custom, false, "helm.v4.Chart is a component the provider implements");
        });

        it("runs MetalLB in native mode for L2: FRR-K8s and the speaker's FRR off", () => {
            assert.deepStrictEqual(chartOf(dev).inputs.values, {
                frrk8s: { enabled: false },
                speaker: { frr: { enabled: false }, ignoreExcludeLB: false },
            });
        });

        it("names the Helm release metallb, so the speaker DaemonSet is metallb-speaker", () => {
            // Without `name`, helm.v4.Chart takes the resource name (baremetal-metallb-chart) as the release name.
            assert.strictEqual(chartOf(dev).inputs.name, "metallb");
        });

        it("creates the dev pools with their addresses and settings, named as in the config", () => {
            assert.deepStrictEqual(specOf(dev.object(TYPES.pool, "dev-default-pool")), {
                addresses: ["172.18.255.201-172.18.255.250"],
                autoAssign: true,
                avoidBuggyIPs: false,
            });
            assert.deepStrictEqual(specOf(dev.object(TYPES.pool, "dev-fixed")), {
                addresses: ["172.18.255.200/32"],
                autoAssign: false,
                avoidBuggyIPs: false,
            });
        });

        it("announces the pool with one L2Advertisement and creates nothing for BGP", () => {
            const [l2] = dev.ofType(TYPES.l2);
            assert.strictEqual(dev.ofType(TYPES.l2).length, 1);
            assert.strictEqual(metadataOf(l2).name, "dev-l2-advertisement");
            assert.deepStrictEqual(specOf(l2), { ipAddressPools: ["dev-default-pool", "dev-fixed"] });
            assert.deepStrictEqual(dev.ofType(TYPES.bgpPeer), []);
            assert.deepStrictEqual(dev.ofType(TYPES.bgpAdvertisement), []);
        });

        it("leaves kube-proxy alone when strictARP is off", () => {
            assert.deepStrictEqual(dev.ofType(TYPES.configMapPatch), []);
            assert.deepStrictEqual(dev.ofType(TYPES.daemonSetPatch), []);
            assert.deepStrictEqual(dev.ofType(TYPES.kubeProxy), []);
            assert.ok(!dev.resources.some((resource) => resource.read && resource.type === TYPES.configMap));
        });

        it("keeps every MetalLB object under the platform component, named after it", () => {
            const platform = platformOf(dev);
            const owned = [
                chartOf(dev),
                jobOf(dev),
                ...metallbObjects(dev),
                dev.object(TYPES.namespace, "metallb-system"),
            ];
            for (const resource of owned) {
                assert.ok(dev.ancestors(resource).includes(platform), resource.name);
                assert.ok(resource.name.startsWith("baremetal-"), resource.name);
            }
            assert.strictEqual(dev.byUrn(chartOf(dev).parent!).type, TYPES.metallb);
            assert.strictEqual(dev.byUrn(jobOf(dev).parent!).type, TYPES.webhookCheck);
        });

        it("gives the webhook check only the right to create L2Advertisements in metallb-system", () => {
            const role = dev.get(TYPES.role, "baremetal-webhook-check-role");
            assert.strictEqual(metadataOf(role).namespace, "metallb-system");
            assert.deepStrictEqual(role.inputs.rules, [
                { apiGroups: ["metallb.io"], resources: ["l2advertisements"], verbs: ["create"] },
            ]);
        });

        it("runs the webhook check as a non-root kubectl dry run that is retried and never stored", () => {
            const spec = specOf(jobOf(dev));
            const pod = spec.template.spec;
            assert.strictEqual(pod.restartPolicy, "Never");
            assert.ok(spec.backoffLimit >= 3, "a few attempts with Kubernetes' back-off");
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.match(pod.containers[0].image, /^registry\.k8s\.io\/kubectl:v\d+\.\d+\.\d+$/);
            assert.ok(pod.containers[0].args.includes("--dry-run=server"));
        });

        it("has Pulumi replace a webhook check that did not complete, instead of waiting on it again", () => {
            assert.strictEqual(metadataOf(jobOf(dev)).annotations["pulumi.com/replaceUnready"], "true");
        });

        it("fails the webhook check inside Pulumi's 10-minute Job wait, retries and back-off included", () => {
            const spec = specOf(jobOf(dev));
            // pulumi-kubernetes waits 600 s for a Job (provider/pkg/await/job.go, DefaultJobTimeoutMins = 10, v4.32.0).
            const pulumiWaitSeconds = 600;
            assert.ok(spec.activeDeadlineSeconds > 0 && spec.activeDeadlineSeconds <= pulumiWaitSeconds - 120);
            // Kubernetes waits 10 s, 20 s, 40 s, ... (capped at 360 s) between failed pods.
            const backoff = Array.from({ length: spec.backoffLimit }, (_, retry) => Math.min(10 * 2 ** retry, 360));
            const requestTimeout = WEBHOOK_CHECK_TIMING.requestTimeoutSeconds;
            const worstCase = backoff.reduce((sum, wait) => sum + wait, 0) + (spec.backoffLimit + 1) * requestTimeout;
            assert.ok(worstCase < pulumiWaitSeconds, `retries alone take ${worstCase} s`);
            assert.ok(spec.template.spec.containers[0].args.includes(`--request-timeout=${requestTimeout}s`));
        });

        it("ties the webhook check's pod template to the chart version and every chart value", () => {
            const chart = chartOf(dev);
            assert.strictEqual(
                specOf(jobOf(dev)).template.metadata.annotations["stateful-nginx/rerun-for"],
                webhookCheckTrigger(chart.inputs.version as string, chart.inputs.values as object),
            );
        });
    });

    describe("dependencies", () => {
        it("creates each pool after the ones before it, and deletes a renamed one before its replacement", () => {
            // MetalLB's webhook refuses overlapping pools: a new pool waits for the others to give up addresses.
            const pools = dev.ofType(TYPES.pool);
            assert.deepStrictEqual(
                pools.map((pool) => pool.name),
                ["baremetal-pool-default-pool", "baremetal-pool-fixed"],
            );
            assert.ok(dev.dependsOn(pools[1], pools[0]));
            for (const pool of pools) assert.strictEqual(pool.options.deleteBeforeReplace, true, pool.name);
        });

        it("installs the chart after its namespace", () => {
            assert.ok(dev.dependsOn(chartOf(dev), dev.object(TYPES.namespace, "metallb-system")));
        });

        it("runs the webhook check and everything it needs after the chart", () => {
            const check = dev.resources.filter((resource) => resource.parent === jobOf(dev).parent);
            assert.strictEqual(check.length, 5, check.map((resource) => resource.type).join(", "));
            for (const resource of check) assert.ok(dev.dependsOn(resource, chartOf(dev)), resource.name);
        });

        for (const [label, run] of [
            ["l2", () => dev],
            ["bgp", () => bgp],
        ] as const) {
            it(`creates every MetalLB custom resource after the chart and the webhook check (${label})`, () => {
                const objects = metallbObjects(run());
                assert.ok(objects.length >= 2);
                for (const resource of objects) {
                    assert.ok(run().dependsOn(resource, chartOf(run())), `${resource.name} after the chart`);
                    assert.ok(run().dependsOn(resource, jobOf(run())), `${resource.name} after the webhook check`);
                }
            });
        }

        it("creates advertisements after the pools they announce", () => {
            const pools = dev.ofType(TYPES.pool);
            for (const ad of [...dev.ofType(TYPES.l2), ...bgp.ofType(TYPES.bgpAdvertisement)]) {
                const run = ad.type === TYPES.l2 ? dev : bgp;
                for (const pool of run.ofType(TYPES.pool))
                    assert.ok(run.dependsOn(ad, pool), `${ad.name} -> ${pool.name}`);
            }
            assert.ok(pools.length > 0);
        });

        it("creates BGP advertisements after the peers they name", () => {
            for (const ad of bgp.ofType(TYPES.bgpAdvertisement)) {
                for (const peer of bgp.ofType(TYPES.bgpPeer)) assert.ok(bgp.dependsOn(ad, peer), ad.name);
            }
        });

        it("creates the LoadBalancer Service after the chart, the pools and the advertisement", () => {
            const [lb] = dev.ofType(TYPES.service).filter((service) => specOf(service).type === "LoadBalancer");
            assert.ok(lb, "the dev stack has a LoadBalancer Service");
            for (const dependency of [chartOf(dev), ...dev.ofType(TYPES.pool), ...dev.ofType(TYPES.l2)]) {
                assert.ok(dev.dependsOn(lb, dependency), dependency.name);
            }
        });

        it("gives the LoadBalancer Service the dev pool and fixed address as MetalLB annotations", () => {
            const [lb] = dev.ofType(TYPES.service).filter((service) => specOf(service).type === "LoadBalancer");
            const annotations = metadataOf(lb).annotations;
            assert.strictEqual(annotations["metallb.io/address-pool"], "dev-fixed");
            assert.strictEqual(annotations["metallb.io/loadBalancerIPs"], "172.18.255.200");
        });
    });

    describe("bgp mode (overrides)", () => {
        it("creates one v1beta2 BGPPeer per peer, named as configured", () => {
            const peers = bgp.ofType(TYPES.bgpPeer);
            assert.deepStrictEqual(peers.map((peer) => metadataOf(peer).name).sort(), ["dev-tor-a", "dev-tor-b"]);
            assert.ok(peers.every((peer) => peer.inputs.apiVersion === "metallb.io/v1beta2"));
            assert.deepStrictEqual(specOf(bgp.object(TYPES.bgpPeer, "dev-tor-b")), {
                myASN: 64500,
                peerASN: 64502,
                peerAddress: "172.18.0.3",
                holdTime: "90s",
            });
        });

        it("creates the BGPAdvertisements with their pools, communities, preference and peers", () => {
            assert.deepStrictEqual(specOf(bgp.object(TYPES.bgpAdvertisement, "dev-edge")), {
                ipAddressPools: ["dev-edge"],
                localPref: 200,
                communities: ["64500:100"],
                peers: ["dev-tor-b"],
            });
            assert.deepStrictEqual(specOf(bgp.object(TYPES.bgpAdvertisement, "dev-default")), {
                ipAddressPools: ["dev-default-pool", "dev-fixed"],
            });
        });

        it("creates no L2Advertisement", () => {
            assert.deepStrictEqual(bgp.ofType(TYPES.l2), []);
        });

        it("keeps native mode for plain IPv4 BGP", () => {
            assert.deepStrictEqual(chartOf(bgp).inputs.values, {
                frrk8s: { enabled: false },
                speaker: { frr: { enabled: false }, ignoreExcludeLB: false },
            });
        });

        it("turns on FRR-K8s when metallb.frrk8s is set, and installs the configured chart version", () => {
            const chart = chartOf(frr);
            assert.deepStrictEqual(chart.inputs.values, {
                frrk8s: { enabled: true },
                speaker: { frr: { enabled: false }, ignoreExcludeLB: false },
            });
            assert.strictEqual(chart.inputs.version, "0.15.2");
            assert.strictEqual(
                specOf(jobOf(frr)).template.metadata.annotations["stateful-nginx/rerun-for"],
                webhookCheckTrigger("0.15.2", chart.inputs.values as object),
            );
            assert.deepStrictEqual(specOf(frr.object(TYPES.pool, "dev-v6")).addresses, ["fc00:f853:ccd:e799::/124"]);
        });
    });

    describe("custom resources against the MetalLB v0.16.1 CRD schemas", () => {
        for (const [label, run] of [
            ["dev", () => dev],
            ["bgp", () => bgp],
            ["frr-k8s", () => frr],
        ] as const) {
            it(`gives every custom resource of the ${label} run the required fields and only known ones`, () => {
                const objects = metallbObjects(run());
                assert.ok(objects.length > 0);
                objects.forEach(assertMatchesCrd);
            });
        }

        it("would catch a spec that misses a required field or carries an unknown one", () => {
            const pool = dev.object(TYPES.pool, "dev-default-pool");
            const broken = (spec: unknown) => ({ ...pool, inputs: { ...pool.inputs, spec } });
            assert.throws(() => assertMatchesCrd(broken({ autoAssign: true })), /spec.addresses is required/);
            assert.throws(() => assertMatchesCrd(broken({ addresses: [], pool: "x" })), /not a field/);
        });
    });

    describe("strictARP", () => {
        const patchOf = () => strictArp.get(TYPES.configMapPatch, "baremetal-kube-proxy-config");
        const restartOf = () => strictArp.get(TYPES.daemonSetPatch, "baremetal-kube-proxy-restart");
        const written = () => patchOf().inputs.data as Record<string, string>;

        it("reads the live kube-proxy ConfigMap instead of creating one", () => {
            const reads = strictArp.resources.filter((resource) => resource.read && resource.type === TYPES.configMap);
            assert.strictEqual(reads.length, 1);
            assert.ok(
                !strictArp
                    .ofType(TYPES.configMap)
                    .some((resource) => !resource.read && resource.name.includes("kube-proxy")),
            );
            assert.ok(strictArp.dependsOn(patchOf(), reads[0]));
        });

        it("server-side-applies kube-system/kube-proxy's config.conf with strictARP on, forcing the field over", () => {
            const metadata = metadataOf(patchOf());
            assert.deepStrictEqual([metadata.namespace, metadata.name], ["kube-system", "kube-proxy"]);
            assert.strictEqual(metadata.annotations["pulumi.com/patchForce"], "true");
            assert.deepStrictEqual(Object.keys(written()), ["config.conf"]);
            assert.strictEqual(parse(written()["config.conf"]).ipvs.strictARP, true);
        });

        it("keeps every other kube-proxy setting", () => {
            const after = parse(written()["config.conf"]);
            const before = parse(MOCK_KUBE_PROXY_CONFIG);
            assert.deepStrictEqual({ ...after, ipvs: { ...after.ipvs, strictARP: false } }, before);
        });

        it("retains the ConfigMap patch on delete, so kube-proxy never loses config.conf", () => {
            assert.strictEqual(patchOf().options.retainOnDelete, true);
            assert.strictEqual(restartOf().options.retainOnDelete, undefined);
        });

        it("restarts kube-proxy after the patch with a pod-template annotation derived from the new config", () => {
            const restart = restartOf();
            assert.deepStrictEqual(
                [metadataOf(restart).namespace, metadataOf(restart).name],
                ["kube-system", "kube-proxy"],
            );
            const annotations = specOf(restart).template.metadata.annotations;
            assert.strictEqual(annotations[KUBE_PROXY_CONFIG_ANNOTATION], configDigest(written()["config.conf"]));
            assert.ok(strictArp.dependsOn(restart, patchOf()));
        });

        it("holds the LoadBalancer Service until kube-proxy has restarted", () => {
            const [lb] = strictArp.ofType(TYPES.service).filter((service) => specOf(service).type === "LoadBalancer");
            assert.ok(strictArp.dependsOn(lb, restartOf()));
        });
    });

    describe("kubeconfig", () => {
        const provider = () => withKubeconfig.get(TYPES.provider, "baremetal-k8s");

        it("reaches the provider as a secret, with the configured context", () => {
            const { kubeconfig, context } = provider().inputs;
            assert.ok(isSecret(kubeconfig), "kubeconfig is a secret");
            assert.strictEqual((kubeconfig as { value: unknown }).value, KUBECONFIG);
            assert.strictEqual(context, "kind-kind");
        });

        it("appears nowhere in plain text: not in any resource's inputs, nor in the stack outputs", () => {
            for (const resource of withKubeconfig.resources) {
                assert.ok(!plainStrings(resource.inputs).some((text) => text.includes("s3cr3t-t0ken")), resource.name);
            }
            assert.ok(!plainStrings(withKubeconfig.outputs).some((text) => text.includes("s3cr3t-t0ken")));
        });

        it("is redacted from what the synth writes", () => {
            const written = JSON.stringify(redactSecrets(withKubeconfig.resources));
            assert.ok(!written.includes("s3cr3t-t0ken"));
            assert.ok(written.includes("[secret]"));
        });
    });

    describe("the ClusterTarget", () => {
        let target: Record<string, unknown>;
        let resources: RegisteredResource[];

        before(async () => {
            const metallb = parseConfig({ platform: "baremetal", metallb: JSON.stringify(bgpMetallb) }).metallb!;
            const run = await runProgram(
                async () => {
                    const edge = new BareMetalPlatform("edge", {
                        metallb,
                        loadBalancer: { pool: "edge", addresses: ["203.0.113.5"] },
                        kubeconfig: KUBECONFIG,
                    });
                    const lab = new BareMetalPlatform("lab", {
                        metallb: parseConfig({ platform: "baremetal", metallb: JSON.stringify(devMetallb) }).metallb!,
                        loadBalancer: { addresses: [] },
                        storageClassName: "local-path",
                    });
                    const urns = (resources: pulumi.Resource[]) =>
                        pulumi.all(resources.map((resource) => resource.urn));
                    return {
                        edgeReady: urns(edge.target.loadBalancer.ready),
                        edgeAnnotations: edge.target.loadBalancer.annotations,
                        edgeStorage: edge.target.storageClassName,
                        edgeKind: edge.target.kind,
                        edgeProvider: edge.target.provider.urn,
                        labReady: urns(lab.target.loadBalancer.ready),
                        labStorage: lab.target.storageClassName,
                        labAnnotations: lab.target.loadBalancer.annotations,
                    };
                },
                { stack: "test", config: {} },
            );
            target = run.outputs;
            resources = run.resources;
        });

        const urnOf = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!.urn;

        it("is ready for LoadBalancers exactly when the chart, pools, peers and advertisements are (bgp)", () => {
            const expected = [
                urnOf(TYPES.chart, "edge-metallb-chart"),
                urnOf(TYPES.pool, "edge-pool-default-pool"),
                urnOf(TYPES.pool, "edge-pool-fixed"),
                urnOf(TYPES.pool, "edge-pool-edge"),
                urnOf(TYPES.bgpPeer, "edge-peer-tor-a"),
                urnOf(TYPES.bgpPeer, "edge-peer-tor-b"),
                urnOf(TYPES.bgpAdvertisement, "edge-bgp-default"),
                urnOf(TYPES.bgpAdvertisement, "edge-bgp-edge"),
            ];
            assert.deepStrictEqual([...(target.edgeReady as string[])].sort(), expected.sort());
        });

        it("is ready for LoadBalancers exactly when the chart, pools and L2Advertisement are (l2)", () => {
            const expected = [
                urnOf(TYPES.chart, "lab-metallb-chart"),
                urnOf(TYPES.pool, "lab-pool-default-pool"),
                urnOf(TYPES.pool, "lab-pool-fixed"),
                urnOf(TYPES.l2, "lab-l2"),
            ];
            assert.deepStrictEqual([...(target.labReady as string[])].sort(), expected.sort());
        });

        it("hands over the provider, the storage class (standard by default) and the MetalLB annotations", () => {
            assert.strictEqual(target.edgeKind, "baremetal");
            assert.strictEqual(target.edgeProvider, urnOf(TYPES.provider, "edge-k8s"));
            assert.strictEqual(target.edgeStorage, "standard");
            assert.strictEqual(target.labStorage, "local-path");
            assert.deepStrictEqual(target.edgeAnnotations, {
                "metallb.io/address-pool": "test-edge",
                "metallb.io/loadBalancerIPs": "203.0.113.5",
            });
            assert.deepStrictEqual(target.labAnnotations, { "metallb.io/address-pool": "test-default-pool" });
        });

        it("keeps a kubeconfig passed as a plain string secret in the provider", () => {
            const provider = resources.find((r) => r.type === TYPES.provider && r.name === "edge-k8s")!;
            assert.ok(isSecret(provider.inputs.kubeconfig));
        });

        it("lets two platforms live in one program: every child name derives from the component's", () => {
            const children = resources.filter((r) => r.parent !== null && r.type !== "pulumi:pulumi:Stack");
            const names = children.map((r) => `${r.type}::${r.name}`);
            assert.strictEqual(new Set(names).size, names.length, "no two resources share a type and name");
            const stray = children.filter((r) => !/^(edge|lab)(-|$)/.test(r.name));
            assert.deepStrictEqual(stray, []);
        });
    });
});
