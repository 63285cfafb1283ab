/**
 * What the cluster says before MetalLB is installed or used (k3s's ServiceLB, a MetalLB already there), and
 * that a refused cluster gets nothing of MetalLB; the chart's source, images and protection from config.
 */
import * as assert from "assert";
import * as path from "path";
import { resetMockCluster, setMockCluster } from "../tools/mock-state";
import { readStackFile, stackFilePath } from "../tools/stack-config";
import { metadataOf, runConfig, runStack, specOf, StackRun } from "./helpers";

const TYPES = {
    metallb: "stateful-nginx:baremetal:MetalLb",
    webhookCheck: "stateful-nginx:baremetal:MetalLbWebhookCheck",
    namespace: "kubernetes:core/v1:Namespace",
    chart: "kubernetes:helm.sh/v4:Chart",
    job: "kubernetes:batch/v1:Job",
    webhookConfiguration: "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
    pool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    l2: "kubernetes:metallb.io/v1beta1:L2Advertisement",
} as const;

const dev = readStackFile(stackFilePath("dev"));
const devMetallb = JSON.parse(dev.config["stateful-nginx:metallb"]);
const STAGING_FILE = path.join(__dirname, "fixtures", "Pulumi.staging.yaml");
const staging = readStackFile(STAGING_FILE);
const stagingMetallb = JSON.parse(staging.config["stateful-nginx:metallb"]);

function runDev(metallb: Record<string, unknown> = {}): Promise<StackRun> {
    return runConfig("dev", { ...dev.config, "stateful-nginx:metallb": { ...devMetallb, ...metallb } });
}

function runStaging(metallb: Record<string, unknown> = {}): Promise<StackRun> {
    return runConfig(
        "staging",
        { ...staging.config, "stateful-nginx:metallb": { ...stagingMetallb, ...metallb } },
        staging.secretKeys,
    );
}

interface Refusal {
    /** The line the program stopped with. */
    message: string;
    /** Every resource the program registered or read before it stopped, as `type name`. */
    registered: string[];
}

/**
 * Runs a program that must stop, and records every resource that reached the mocks: each registration and read
 * goes through mockResourceState, whether or not the program ends well.
 */
async function refusalOf(run: () => Promise<unknown>): Promise<Refusal> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require("../tools/mock-state") as { mockResourceState: (...args: unknown[]) => unknown };
    const original = state.mockResourceState;
    const registered: string[] = [];
    state.mockResourceState = (...args: unknown[]) => {
        registered.push(`${String(args[0])} ${String(args[1])}`);
        return original(...args);
    };
    try {
        await run();
    } catch (error) {
        return { message: (error as Error).message, registered };
    } finally {
        state.mockResourceState = original;
    }
    assert.fail("expected the program to stop");
}

/** Anything of MetalLB's install or of the stack's MetalLB objects among what was registered. */
function metallbResources(registered: string[]): string[] {
    const ofMetalLb = (entry: string) =>
        [TYPES.metallb, TYPES.webhookCheck, TYPES.chart, TYPES.namespace].some((type) =>
            entry.startsWith(`${type} `),
        ) ||
        entry.startsWith("kubernetes:metallb.io/") ||
        / baremetal-(metallb|webhook-check)/.test(entry);
    // Reading MetalLB's webhook configuration is part of the judgement; it creates nothing.
    return registered.filter((entry) => ofMetalLb(entry) && !entry.startsWith(`${TYPES.webhookConfiguration} `));
}

describe("bare metal: the cluster is judged before MetalLB (mock runtime)", function () {
    this.timeout(60000);
    afterEach(resetMockCluster);

    describe("k3s and its ServiceLB", () => {
        it("stops a stack that installs MetalLB on k3s with one line naming metallb.k3sServiceLBDisabled", async () => {
            setMockCluster({ kubeVersion: "v1.33.5+k3s1", metallbInstalled: false });
            const { message } = await refusalOf(() => runDev());
            assert.strictEqual(
                message,
                "stateful-nginx:metallb.k3sServiceLBDisabled: got false; the cluster runs k3s (v1.33.5+k3s1), whose own load balancer ServiceLB would answer LoadBalancer Services beside MetalLB: start every k3s server with --disable=servicelb, then set metallb.k3sServiceLBDisabled: true",
            );
        });

        it("stops a stack that uses an existing MetalLB on k3s the same way", async () => {
            setMockCluster({ kubeVersion: "v1.33.5+k3s1" });
            const { message } = await refusalOf(() => runStaging());
            assert.match(message, /^stateful-nginx:metallb\.k3sServiceLBDisabled: got false; /);
        });

        it("goes on when the stack says ServiceLB is off", async () => {
            setMockCluster({ kubeVersion: "v1.33.5+k3s1", metallbInstalled: false });
            const run = await runDev({ k3sServiceLBDisabled: true });
            assert.strictEqual(run.ofType(TYPES.chart).length, 1);
        });
    });

    describe("a refused cluster gets nothing of MetalLB", () => {
        const k3s = () => setMockCluster({ kubeVersion: "v1.33.5+k3s1", metallbInstalled: false });
        const refusals: [string, () => void, () => Promise<unknown>, RegExp][] = [
            ["k3s with ServiceLB", k3s, () => runDev(), /^stateful-nginx:metallb\.k3sServiceLBDisabled: got false; /],
            [
                "strictARP on k3s",
                k3s,
                () => runDev({ strictARP: true, k3sServiceLBDisabled: true }),
                /^stateful-nginx:metallb\.strictARP: got true; /,
            ],
            [
                "MetalLB already installed with Helm",
                () =>
                    setMockCluster({
                        metallbWebhook: { namespace: "metallb-system", instance: "metallb", helmRelease: "metallb" },
                    }),
                () => runDev(),
                /^stateful-nginx:metallb\.install: got true; /,
            ],
            [
                "MetalLB's CRDs left without MetalLB",
                () => setMockCluster({ metallbWebhook: undefined }),
                () => runDev(),
                /'metallb-webhook-configuration' does not exist/,
            ],
            [
                "MetalLB in another namespace than the stack's pools",
                () => setMockCluster({ metallbWebhook: { namespace: "lb-system" } }),
                () => runStaging(),
                /^stateful-nginx:metallb\.namespace: got "metallb-system"; /,
            ],
        ];
        for (const [label, cluster, run, line] of refusals) {
            it(`registers no namespace, chart, check Job, pool or advertisement: ${label}`, async () => {
                cluster();
                const { message, registered } = await refusalOf(run);
                assert.match(message, line);
                assert.deepStrictEqual(metallbResources(registered), []);
                assert.ok(registered.includes("pulumi:providers:kubernetes baremetal-k8s"), registered.join(", "));
            });
        }

        it("would catch a MetalLB resource registered before the judgement", () => {
            assert.deepStrictEqual(metallbResources([`${TYPES.chart} baremetal-metallb-chart`]), [
                `${TYPES.chart} baremetal-metallb-chart`,
            ]);
            assert.deepStrictEqual(metallbResources([`${TYPES.metallb} baremetal-metallb`]), [
                `${TYPES.metallb} baremetal-metallb`,
            ]);
        });

        it("holds the MetalLB component, and so everything under it, on the judgement", async () => {
            const run = await runStack("dev");
            const metallb = run.get(TYPES.metallb, "baremetal-metallb");
            const check = run.get(TYPES.webhookCheck, "baremetal-webhook-check");
            const children = [
                run.object(TYPES.namespace, "metallb-system"),
                run.get(TYPES.chart, "baremetal-metallb-chart"),
            ];
            for (const child of children) {
                assert.strictEqual(child.parent, metallb.urn, child.name);
                // A dependency on a component is one on its children (@pulumi/pulumi 3.248 runtime/dependsOn.ts).
                assert.ok(run.dependsOn(check, child), `the webhook check waits for ${child.name}`);
            }
        });
    });

    describe("a MetalLB already in the cluster (its ValidatingWebhookConfiguration)", () => {
        it("reads metallb-webhook-configuration when MetalLB's API is served, and goes on when it is the stack's own", async () => {
            const run = await runStack("dev");
            const [read] = run.ofType(TYPES.webhookConfiguration);
            assert.ok(read?.read, "read, never created");
            assert.strictEqual(
                read.outputs.metadata && (read.outputs.metadata as { name: string }).name,
                "metallb-webhook-configuration",
            );
        });

        it("reads nothing of MetalLB on a cluster without its API", async () => {
            setMockCluster({ metallbInstalled: false });
            const run = await runStack("dev");
            assert.deepStrictEqual(run.ofType(TYPES.webhookConfiguration), []);
        });

        it("tells a stack that would install MetalLB over a Helm release to set metallb.install: false", async () => {
            setMockCluster({
                metallbWebhook: { namespace: "metallb-system", instance: "metallb", helmRelease: "metallb" },
            });
            const { message } = await refusalOf(() => runDev());
            assert.strictEqual(
                message,
                "stateful-nginx:metallb.install: got true; MetalLB already runs in metallb-system as the Helm release metallb (metallb-webhook-configuration is Helm's), and a second install collides with it: set metallb.install: false to use it",
            );
        });

        it("tells a stack that would install MetalLB beside one in another namespace which keys to set", async () => {
            setMockCluster({ metallbWebhook: { namespace: "lb-system", instance: "metallb" } });
            const { message } = await refusalOf(() => runDev());
            assert.match(message, /set metallb\.install: false to use it \(with metallb\.namespace: lb-system\)$/);
        });

        it("tells a stack that uses MetalLB from the wrong namespace to set metallb.namespace", async () => {
            setMockCluster({ metallbWebhook: { namespace: "lb-system" } });
            const { message } = await refusalOf(() => runStaging());
            assert.strictEqual(
                message,
                'stateful-nginx:metallb.namespace: got "metallb-system"; MetalLB runs in lb-system (metallb-webhook-configuration calls its webhook there) and reads pools only from its own namespace: set metallb.namespace: lb-system',
            );
        });

        it("stops at the read, before any pool, when MetalLB's CRDs are there without MetalLB", async () => {
            setMockCluster({ metallbWebhook: undefined });
            const { message, registered } = await refusalOf(() => runStaging());
            assert.match(message, /metallb-webhook-configuration' does not exist/);
            assert.deepStrictEqual(
                registered.filter((entry) => entry.startsWith("kubernetes:metallb.io/")),
                [],
            );
        });
    });

    describe("air-gapped clusters: chart, images and the check's image from config", () => {
        let mirrored: StackRun;
        let local: StackRun;
        const images = {
            controller: { repository: "registry.example.com:5000/metallb/controller", tag: "v0.16.1" },
            speaker: { repository: "registry.example.com:5000/metallb/speaker", tag: "v0.16.1" },
        };
        before(async () => {
            mirrored = await runDev({
                chartRepository: "oci://registry.example.com:5000/charts",
                images,
                webhookCheckImage: "registry.example.com:5000/kubectl:v1.34.1",
            });
            local = await runDev({ chartPath: "vendor/metallb-0.16.1.tgz" });
        });

        it("takes the chart from the configured registry or local path, with no repository", () => {
            const chart = mirrored.get(TYPES.chart, "baremetal-metallb-chart");
            assert.strictEqual(chart.inputs.chart, "oci://registry.example.com:5000/charts/metallb");
            assert.strictEqual(chart.inputs.repositoryOpts, undefined);
            const fromDisk = local.get(TYPES.chart, "baremetal-metallb-chart");
            assert.strictEqual(fromDisk.inputs.chart, path.resolve("vendor/metallb-0.16.1.tgz"));
            assert.strictEqual(fromDisk.inputs.repositoryOpts, undefined);
        });

        it("gives the chart the controller's and speaker's images", () => {
            const values = mirrored.get(TYPES.chart, "baremetal-metallb-chart").inputs.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
            assert.deepStrictEqual(values.controller.image, images.controller);
            assert.deepStrictEqual(values.speaker.image, images.speaker);
        });

        it("runs the webhook check from the configured image", () => {
            const job = mirrored.get(TYPES.job, "baremetal-webhook-check-job");
            assert.strictEqual(
                specOf(job).template.spec.containers[0].image,
                "registry.example.com:5000/kubectl:v1.34.1",
            );
        });
    });

    describe("shared clusters", () => {
        it("gives the staging example's pool autoAssign: false: MetalLB picks among auto-assigning pools at random", () => {
            assert.ok(stagingMetallb.pools.length > 0);
            for (const pool of stagingMetallb.pools) assert.strictEqual(pool.autoAssign, false, pool.name);
        });

        it("protects MetalLB's namespace and chart (its CRDs with it) from destroy when metallb.protect is set", async () => {
            const run = await runDev({ protect: true });
            for (const resource of [
                run.get(TYPES.metallb, "baremetal-metallb"),
                run.object(TYPES.namespace, "metallb-system"),
                run.get(TYPES.chart, "baremetal-metallb-chart"),
            ]) {
                assert.strictEqual(resource.options.protect, true, resource.name);
            }
            // The stack's own objects stay its own to delete.
            for (const resource of [
                ...run.ofType(TYPES.pool),
                ...run.ofType(TYPES.l2),
                run.get(TYPES.job, "baremetal-webhook-check-job"),
            ]) {
                assert.strictEqual(resource.options.protect, undefined, resource.name);
            }
        });

        it("protects nothing by default", async () => {
            const run = await runStack("dev");
            assert.deepStrictEqual(
                run.resources.filter((resource) => resource.options.protect).map((resource) => resource.name),
                [],
            );
            assert.ok(metadataOf(run.object(TYPES.namespace, "metallb-system")));
        });
    });
});
