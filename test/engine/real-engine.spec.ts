/**
 * The real engine judges the program: the Pulumi CLI, the Kubernetes provider and a Kubernetes control plane
 * built by engine/build.sh, on the loopback cluster of engine/cluster.sh (kwok nodes, MetalLB's controller).
 * The stack is the dev stack with MetalLB already present (tools/local-stack.ts). Every assertion reads the
 * API server's objects (a kubectl watch for the pods' readiness during a change) or the engine's own output
 * (`--json` events, its error lines); nothing here is modelled.
 *
 * kwok plays the kubelets: pods turn Ready and Job pods complete without running anything, so what a
 * container would do (nginx answering, the verification Job's fetches) is not proven here: test/e2e does
 * that on kind. Skipped, with the reason, where the engine is not built.
 */
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parseDocument } from "yaml";
import { claimNames } from "../../components/workload";
import { engineView } from "../../tools/engine-view";
import { UNKNOWN } from "../../tools/mock-runtime";
import { localStackFile } from "../../tools/local-stack";
import { readResourcesFile } from "../../tools/policy-runner";
import { PROJECT_ROOT, stackFilePath } from "../../tools/stack-config";
import {
    asPolicySees,
    builtEngine,
    describeFailure,
    engineEvents,
    type EngineEvent,
    type KubeList,
    LocalCluster,
    type PropertyDifference,
    propertyDifferences,
    readProbe,
    stepsByUrn,
} from "./local-engine";

const MINUTE = 60_000;
const run = promisify(execFile);
const STACK = "local";
const NAMESPACE = "stateful-nginx";
const POLICY_PACK = path.join(PROJECT_ROOT, "policy");

/**
 * Where the policy runner's model may differ from what the engine hands a policy pack, and why; any other
 * difference fails the comparison.
 * - During a preview, the provider dry-runs a create on the API server when it can (pulumi-kubernetes
 *   v4.25.0 `(*kubeProvider).Create`; here: objects in a namespace that exists, such as MetalLB's), and the
 *   server's answer carries metadata it sets itself. The model returns the inputs.
 * - The provider's Check round-trips an object without unknown values through its Go type
 *   (v4.25.0 `normalizeInputs` -> `clients.Normalize`), which drops zero values of `omitempty` fields:
 *   the headless Service's explicit `publishNotReadyAddresses: false` never reaches a policy.
 */
function explainedDifference(difference: PropertyDifference): boolean {
    const serverSet = /^\.metadata\.(uid|creationTimestamp|generation|managedFields|resourceVersion)$/;
    if (serverSet.test(difference.path) && difference.model === undefined) return true;
    return (
        difference.path === ".spec.publishNotReadyAddresses" &&
        difference.model === false &&
        difference.real === undefined
    );
}

describe("the real engine on a local cluster", function () {
    this.timeout(15 * MINUTE);
    let cluster: LocalCluster;
    const timings: string[] = [];
    const log = (line: string) => process.stdout.write(`      ${line}\n`);

    before(async function () {
        const engine = builtEngine();
        if ("missing" in engine) {
            log(`skipped: ${engine.missing}`);
            this.skip();
        }
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "stateful-nginx-engine-"));
        // Three ports from a random base: the API server, etcd's clients, etcd's peers.
        cluster = new LocalCluster(root, 20000 + 3 * Math.floor(Math.random() * 6000));
        await timed("cluster start", () => cluster.start());
        fs.writeFileSync(cluster.stackFile(STACK), localStackFile(fs.readFileSync(stackFilePath("dev"), "utf8")));
        const init = await cluster.pulumi("stack", "init", STACK);
        assert.strictEqual(init.code, 0, describeFailure("pulumi stack init", init));
    });

    after(function () {
        if (!cluster) return;
        if (timings.length > 0) log(`measured: ${timings.join("; ")}`);
        cluster.stop(!process.env.STATEFUL_NGINX_KEEP_CLUSTER);
        if (!process.env.STATEFUL_NGINX_KEEP_CLUSTER) fs.rmSync(cluster.root, { recursive: true, force: true });
        else log(`cluster kept in ${cluster.root}`);
    });

    /** Edits the local stack file as a person would; the next `up` reads it. */
    function editStack(edit: (config: ReturnType<typeof parseDocument>) => void): void {
        const doc = parseDocument(fs.readFileSync(cluster.stackFile(STACK), "utf8"));
        edit(doc);
        fs.writeFileSync(cluster.stackFile(STACK), doc.toString());
    }

    /** Edits the stack file for the length of `body` only: what it runs sees the edit, what follows does not. */
    async function withEditedStack(
        edit: (config: ReturnType<typeof parseDocument>) => void,
        body: () => Promise<void>,
    ): Promise<void> {
        const original = fs.readFileSync(cluster.stackFile(STACK), "utf8");
        editStack(edit);
        try {
            await body();
        } finally {
            fs.writeFileSync(cluster.stackFile(STACK), original);
        }
    }

    async function timed<T>(what: string, action: () => Promise<T>): Promise<T> {
        const started = Date.now();
        const result = await action();
        timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return result;
    }

    /** `npm run policy -- --engine`: the real `pulumi preview --policy-pack`, run from the stack's project. */
    const previewWithPolicies = () =>
        run(
            process.execPath,
            [
                "-r",
                path.join(PROJECT_ROOT, "tools", "register.js"),
                path.join(PROJECT_ROOT, "tools", "policy.ts"),
                "--stack",
                STACK,
                "--engine",
                "--policy-config",
                path.join(POLICY_PACK, "config", "dev.json"),
            ],
            { cwd: cluster.project, env: { ...process.env, ...cluster.env }, maxBuffer: 16 << 20 },
        ).then(
            ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
            (error: { code?: number; stdout?: string; stderr?: string }) => ({
                code: typeof error.code === "number" ? error.code : 1,
                stdout: error.stdout ?? "",
                stderr: error.stderr ?? "",
            }),
        );

    async function up(what: string): Promise<EngineEvent[]> {
        const result = await timed(what, () =>
            cluster.pulumi("up", "--yes", "--skip-preview", "--json", "--stack", STACK),
        );
        assert.strictEqual(result.code, 0, describeFailure(`pulumi up (${what})`, result));
        const events = engineEvents(result.stdout);
        assert.strictEqual(events.find((e) => e.summaryEvent)?.summaryEvent?.result, "succeeded");
        return events;
    }

    const changes = (events: EngineEvent[]) => events.find((e) => e.summaryEvent)!.summaryEvent!.resourceChanges;
    const readyPods = () =>
        cluster
            .json<KubeList>("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=nginx")
            .items.filter((pod) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
            .map((pod) => pod.metadata.name)
            .sort();
    const podUids = () =>
        cluster
            .json<KubeList>("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=nginx")
            .items.map((p) => p.metadata.uid)
            .sort();
    const claims = () =>
        new Map<string, { uid: string; volume: string; phase: string }>(
            cluster
                .json<KubeList>("get", "pvc", "-n", NAMESPACE)
                .items.map((c) => [
                    c.metadata.name,
                    { uid: c.metadata.uid, volume: c.spec?.volumeName ?? "", phase: c.status?.phase ?? "" },
                ]),
        );

    it("shows a policy pack what the policy runner's model shows it, property by property (preview of a new stack)", async () => {
        // The real view: a pack that judges nothing records what the engine hands Analyze and AnalyzeStack.
        const probe = path.join(cluster.root, "probe.jsonl");
        const pack = path.join(__dirname, "probe-pack");
        const result = await cluster.pulumiWithEnv(
            { PROBE_OUT: probe },
            "preview",
            "--stack",
            STACK,
            "--policy-pack",
            pack,
        );
        assert.strictEqual(result.code, 0, describeFailure("pulumi preview with the probe pack", result));
        const real = readProbe(probe);
        // The model: the program under the mock runtime, as `npm run synth -- --preview` records it and
        // `npm run policy -- --resources` shows it to the pack. KUBECONFIG as the engine had it: the kubernetes
        // SDK's Provider takes its default kubeconfig from there.
        const out = path.join(cluster.root, "synth");
        execFileSync(
            process.execPath,
            [
                "-r",
                "./tools/register.js",
                "tools/synth.ts",
                "--stack",
                STACK,
                "--config",
                cluster.stackFile(STACK),
            ].concat(["--preview", "--out", out]),
            { cwd: PROJECT_ROOT, stdio: "ignore", env: { ...process.env, KUBECONFIG: cluster.env.KUBECONFIG } },
        );
        const model = engineView(readResourcesFile(path.join(out, "resources.json")), { preview: true });
        for (const [view, modelled, engine] of [
            ["Analyze", model.analyze, real.analyze],
            ["AnalyzeStack", model.stack, real.stack],
        ] as const) {
            assert.deepStrictEqual(modelled.map((r) => r.urn).sort(), engine.map((r) => r.urn).sort(), view);
            const byUrn = new Map(modelled.map((r) => [r.urn, asPolicySees(r.properties, UNKNOWN)]));
            const unexplained = engine.flatMap((resource) =>
                propertyDifferences(byUrn.get(resource.urn), resource.props)
                    .filter((difference) => !explainedDifference(difference))
                    .map((difference) => `${view} ${resource.urn} ${JSON.stringify(difference)}`),
            );
            assert.deepStrictEqual(unexplained, []);
        }
    });

    let firstUp: EngineEvent[] = [];

    it("brings the dev stack up: pods ready, one bound claim each, MetalLB's address on nginx-lb", async () => {
        const events = await up("first up");
        firstUp = events;
        assert.ok((changes(events).create ?? 0) > 10, JSON.stringify(changes(events)));
        assert.deepStrictEqual(readyPods(), ["nginx-0", "nginx-1", "nginx-2"]);
        const bound = claims();
        // The program's claims are the ones the StatefulSet controller uses: else they would stay Pending.
        for (const name of claimNames("nginx", 3)) assert.strictEqual(bound.get(name)?.phase, "Bound", name);
        const lb = cluster.json("get", "service", "nginx-lb", "-n", NAMESPACE);
        assert.deepStrictEqual(lb.status?.loadBalancer?.ingress, [{ ip: "172.18.255.200", ipMode: "VIP" }]);
        const nodePort = cluster.json("get", "service", "nginx-nodeport", "-n", NAMESPACE);
        assert.strictEqual(nodePort.spec?.ports?.[0]?.nodePort, 30080);
        const outputs = JSON.parse((await cluster.pulumi("stack", "output", "--json", "--stack", STACK)).stdout);
        assert.strictEqual(outputs.loadBalancerAddress, "172.18.255.200");
    });

    it("runs the metrics exporter beside nginx, and skips the PodMonitor with one info line (no Prometheus Operator)", async () => {
        const pods = cluster.json<{
            items: {
                metadata: { name: string };
                spec: { containers: { name: string; ports?: { name: string }[] }[] };
            }[];
        }>("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=nginx");
        assert.strictEqual(pods.items.length, 3);
        for (const pod of pods.items) {
            assert.deepStrictEqual(
                pod.spec.containers.map((container) => [container.name, container.ports?.map((port) => port.name)]),
                [
                    ["nginx", ["http"]],
                    ["nginx-exporter", ["metrics"]],
                ],
                pod.metadata.name,
            );
        }
        const configMaps = cluster
            .json<KubeList>("get", "configmaps", "-n", NAMESPACE)
            .items.map((c) => c.metadata.name);
        assert.ok(
            configMaps.some((name) => /^nginx-stub-status-[0-9a-f]{8}$/.test(name)),
            configMaps.join(", "),
        );
        const skips = firstUp
            .map((event) => event.diagnosticEvent)
            .filter((d) => d && /PodMonitor and PrometheusRule skipped/.test(d.message));
        assert.deepStrictEqual(
            skips.map((d) => d!.severity),
            ["info"],
        );
        const outputs = JSON.parse((await cluster.pulumi("stack", "output", "--json", "--stack", STACK)).stdout);
        assert.match(outputs.monitoring.skipped, /does not serve monitoring\.coreos\.com\/v1\/PodMonitor/);
    });

    it("reports no changes on a second up with nothing changed", async () => {
        const events = await up("no-change up");
        // A `.get` (MetalLB's definitions, read to check they are there) is read again on every run.
        const changed = [...stepsByUrn(events)].filter(([, op]) => op !== "same" && op !== "read");
        assert.deepStrictEqual(changed, []);
        assert.deepStrictEqual(
            Object.keys(changes(events)).filter((op) => op !== "read"),
            ["same"],
        );
    });

    it("passes the policy pack in a preview (npm run policy -- --engine: pulumi preview --policy-pack, dev's config)", async () => {
        const result = await timed("preview with the policy pack", previewWithPolicies);
        assert.strictEqual(result.code, 0, describeFailure("npm run policy -- --engine", result));
        assert.doesNotMatch(result.stdout, /mandatory/);
    });

    it("stops a preview whose stack breaks a mandatory policy, naming the policy", async () => {
        const alias = ["config", "stateful-nginx:services", "externalNames", "database"];
        await withEditedStack(
            (doc) => doc.setIn(alias, "db.prod.example.com"),
            async () => {
                const result = await previewWithPolicies();
                assert.notStrictEqual(result.code, 0, "the preview passed");
                assert.match(result.stdout, /externalname-safe/);
                assert.match(result.stdout, /mandatory/);
            },
        );
    });

    it("scales 3 -> 5 -> 2: the new ordinals get claims, scaling down keeps every claim", async () => {
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "replicas"], 5));
        await up("replicas 5");
        assert.deepStrictEqual(readyPods(), ["nginx-0", "nginx-1", "nginx-2", "nginx-3", "nginx-4"]);
        const atFive = claims();
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "replicas"], 2));
        const fewestReady = await cluster.watchReadyPods(NAMESPACE, "app.kubernetes.io/name=nginx");
        await up("replicas 2");
        assert.strictEqual(await fewestReady(), 2, "scaling down stopped a pod it keeps");
        assert.deepStrictEqual(readyPods(), ["nginx-0", "nginx-1"]);
        const atTwo = claims();
        assert.deepStrictEqual([...atTwo.keys()].sort(), [...atFive.keys()].sort());
        for (const [name, claim] of atFive) assert.strictEqual(atTwo.get(name)?.uid, claim.uid, name);
    });

    it("scales 2 -> 5 again in one up, each ordinal back on its kept claim, then back to 2", async () => {
        const kept = claims();
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "replicas"], 5));
        await up("replicas 2 -> 5");
        assert.deepStrictEqual(readyPods(), ["nginx-0", "nginx-1", "nginx-2", "nginx-3", "nginx-4"]);
        const now = claims();
        for (const name of claimNames("nginx", 5)) {
            assert.strictEqual(now.get(name)?.uid, kept.get(name)?.uid, name);
            assert.strictEqual(now.get(name)?.volume, kept.get(name)?.volume, name);
        }
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "replicas"], 2));
        await up("replicas 5 -> 2");
    });

    it("recreates the set for a new podManagementPolicy, keeping every pod (orphaned, then adopted)", async () => {
        const setUid = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid;
        const before = podUids();
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "podManagementPolicy"], "Parallel"));
        const fewestReady = await cluster.watchReadyPods(NAMESPACE, "app.kubernetes.io/name=nginx");
        const events = await up("podManagementPolicy Parallel");
        assert.strictEqual(await fewestReady(), 2, "a pod stopped being Ready while the set was recreated");
        const set = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE);
        assert.notStrictEqual(set.metadata.uid, setUid, "the StatefulSet was not recreated");
        assert.strictEqual(set.spec?.podManagementPolicy, "Parallel");
        assert.ok(
            [...stepsByUrn(events)].some(([urn, op]) => urn.endsWith("::nginx") && op.includes("replace")),
            "the engine did not replace the set",
        );
        assert.deepStrictEqual(podUids(), before);
    });

    it("refuses a larger size on a class that cannot expand, in preview and in up, before anything changes", async () => {
        const setUid = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid;
        const refusal =
            /stateful-nginx:app\.storage\.size: got 2Gi; storage class standard does not allow volume expansion/;
        await withEditedStack(
            (doc) => doc.setIn(["config", "stateful-nginx:app", "storage", "size"], "2Gi"),
            async () => {
                const preview = await cluster.pulumi("preview", "--stack", STACK);
                assert.notStrictEqual(preview.code, 0, "the preview passed");
                assert.match(preview.stdout + preview.stderr, refusal);
                const result = await cluster.pulumi("up", "--yes", "--skip-preview", "--stack", STACK);
                assert.notStrictEqual(result.code, 0, "the up passed");
                assert.match(result.stdout + result.stderr, refusal);
            },
        );
        assert.strictEqual(cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid, setUid);
        for (const [name, claim] of claims()) {
            const size = cluster.json("get", "pvc", name, "-n", NAMESPACE).spec?.resources?.requests?.storage;
            assert.strictEqual(size, "1Gi", `${name} (${claim.uid})`);
        }
    });

    it("grows every claim in place once the class allows it, recreating the set without stopping a pod", async () => {
        // What an administrator does first: allowVolumeExpansion is one of a StorageClass's mutable fields.
        cluster.kubectl("patch", "storageclass", "standard", "--type=merge", "-p", '{"allowVolumeExpansion":true}');
        const setUid = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid;
        const before = { pods: podUids(), claims: claims() };
        editStack((doc) => {
            doc.setIn(["config", "stateful-nginx:app", "storage", "allowsExpansion"], true);
            doc.setIn(["config", "stateful-nginx:app", "storage", "size"], "2Gi");
        });
        const fewestReady = await cluster.watchReadyPods(NAMESPACE, "app.kubernetes.io/name=nginx");
        await up("app.storage.size 1Gi -> 2Gi");
        assert.strictEqual(await fewestReady(), 2, "a pod stopped being Ready while the claims grew");
        // The claims of the running ordinals grow; those of ordinals scaled away keep their size until the set
        // grows back to them, when the program applies them again (docs/operations.md).
        const running = new Set(claimNames("nginx", 2));
        for (const [name, claim] of before.claims) {
            const live = cluster.json("get", "pvc", name, "-n", NAMESPACE);
            assert.strictEqual(live.metadata.uid, claim.uid, `${name} was replaced`);
            assert.strictEqual(live.spec?.resources?.requests?.storage, running.has(name) ? "2Gi" : "1Gi", name);
        }
        const set = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE);
        assert.notStrictEqual(set.metadata.uid, setUid, "the set kept its old claim template");
        assert.deepStrictEqual(podUids(), before.pods);
    });

    it("stops a smaller size at the claims' hook with one line, before the claims or the set change", async () => {
        const setUid = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid;
        await withEditedStack(
            (doc) => doc.setIn(["config", "stateful-nginx:app", "storage", "size"], "1Gi"),
            async () => {
                const result = await cluster.pulumi("up", "--yes", "--skip-preview", "--stack", STACK);
                assert.notStrictEqual(result.code, 0, "the up passed");
                assert.match(
                    result.stdout + result.stderr,
                    /stateful-nginx:app\.storage\.size: got 1Gi; claim nginx-persistent-storage-nginx-\d is 2Gi and a claim never shrinks; set 2Gi or more/,
                );
            },
        );
        assert.strictEqual(cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid, setUid);
        for (const name of claimNames("nginx", 5)) {
            const size = cluster.json("get", "pvc", name, "-n", NAMESPACE).spec?.resources?.requests?.storage;
            assert.strictEqual(size, claimNames("nginx", 2).includes(name) ? "2Gi" : "1Gi", name);
        }
    });

    it("rolls a new image out in place: the same set, one pod at a time, every claim kept", async () => {
        const setUid = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE).metadata.uid;
        const kept = claims();
        const image = "nginxinc/nginx-unprivileged:1.29.2-alpine";
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "image"], image));
        const fewestReady = await cluster.watchReadyPods(NAMESPACE, "app.kubernetes.io/name=nginx");
        const events = await up("app.image changed");
        // Provider 4.25.0 can report a StatefulSet update ready before the controller has rolled it out (the
        // race 4.26.0 fixed: engine/versions.md), and it was seen here: wait for the rollout itself.
        cluster.kubectl("rollout", "status", "statefulset/nginx", "-n", NAMESPACE, "--timeout=120s");
        // docs/operations.md: a rolling update from the highest ordinal, one pod at a time.
        assert.strictEqual(await fewestReady(), 1, "not one pod at a time");
        const set = cluster.json("get", "statefulset", "nginx", "-n", NAMESPACE);
        assert.strictEqual(set.metadata.uid, setUid, "the StatefulSet was recreated");
        assert.ok(
            [...stepsByUrn(events)].some(([urn, op]) => urn.endsWith("StatefulSet::nginx") && op === "update"),
            "the engine did not update the set in place",
        );
        const pods = cluster.json<KubeList>("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=nginx");
        assert.deepStrictEqual(
            pods.items.map((pod) => `${pod.metadata.name} ${pod.spec?.containers?.[0]?.image}`).sort(),
            [`nginx-0 ${image}`, `nginx-1 ${image}`],
        );
        assert.deepStrictEqual(readyPods(), ["nginx-0", "nginx-1"]);
        const now = claims();
        for (const [name, claim] of kept) assert.strictEqual(now.get(name)?.uid, claim.uid, name);
    });

    it("leaves the claims and the namespace after pulumi destroy, and stops the pods", async () => {
        const before = claims();
        const result = await cluster.pulumi("destroy", "--yes", "--skip-preview", "--json", "--stack", STACK);
        assert.strictEqual(result.code, 0, describeFailure("pulumi destroy", result));
        const after = claims();
        assert.deepStrictEqual([...after.keys()].sort(), [...before.keys()].sort());
        for (const [name, claim] of before) assert.strictEqual(after.get(name)?.uid, claim.uid, name);
        assert.strictEqual(cluster.json("get", "namespace", NAMESPACE).metadata.name, NAMESPACE);
        assert.deepStrictEqual(cluster.json<KubeList>("get", "statefulsets", "-n", NAMESPACE).items, []);
        assert.deepStrictEqual(readyPods(), []);
    });

    it("comes back in one up after the destroy, on the same claims bound to the same volumes", async () => {
        const before = claims();
        await up("up after destroy");
        assert.deepStrictEqual(readyPods(), ["nginx-0", "nginx-1"]);
        const after = claims();
        for (const name of claimNames("nginx", 2)) {
            assert.strictEqual(after.get(name)?.uid, before.get(name)?.uid, name);
            assert.strictEqual(after.get(name)?.volume, before.get(name)?.volume, name);
            assert.strictEqual(after.get(name)?.phase, "Bound", name);
        }
    });

    it("applies the namespace and the claims as one field manager, also after they were applied again", () => {
        // A patch made again under a new manager would co-own the labels with the old one, and a label the
        // program stops setting would stay (pulumi-kubernetes v4.25.0 provider.go `fieldManagerName`).
        const appliers = (...object: string[]) =>
            [
                ...new Set(
                    (cluster.json(...object, "--show-managed-fields").metadata.managedFields ?? [])
                        .filter((entry) => entry.operation === "Apply")
                        .map((entry) => entry.manager),
                ),
            ].sort();
        assert.deepStrictEqual(appliers("get", "namespace", NAMESPACE), ["stateful-nginx"]);
        for (const name of claimNames("nginx", 5)) {
            assert.deepStrictEqual(appliers("get", "pvc", name, "-n", NAMESPACE), ["stateful-nginx"], name);
        }
    });

    it("renames the app with a fixed node port and address: the old Services free them first, the old claims stay", async () => {
        const oldClaims = claims();
        editStack((doc) => doc.setIn(["config", "stateful-nginx:app", "name"], "web"));
        const fewestReady = await cluster.watchReadyPods(NAMESPACE, "app.kubernetes.io/name=nginx");
        await up("app.name nginx -> web");
        // The old set stops only once the new one is ready (docs/operations.md).
        assert.ok((await fewestReady()) >= 2, "fewer than 2 pods were Ready during the rename");
        const lb = cluster.json("get", "service", "web-lb", "-n", NAMESPACE);
        assert.deepStrictEqual(lb.status?.loadBalancer?.ingress, [{ ip: "172.18.255.200", ipMode: "VIP" }]);
        assert.strictEqual(
            cluster.json("get", "service", "web-nodeport", "-n", NAMESPACE).spec?.ports?.[0]?.nodePort,
            30080,
        );
        assert.strictEqual(cluster.kubectl("get", "service", "nginx-lb", "-n", NAMESPACE, "--ignore-not-found"), "");
        const readyWeb = cluster
            .json<KubeList>("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/instance=web")
            .items.filter((pod) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
            .map((pod) => pod.metadata.name)
            .sort();
        assert.deepStrictEqual(readyWeb, ["web-0", "web-1"]);
        const now = claims();
        for (const [name, claim] of oldClaims)
            assert.strictEqual(now.get(name)?.uid, claim.uid, `${name} was not kept`);
        for (const name of claimNames("web", 2)) assert.strictEqual(now.get(name)?.phase, "Bound", name);
    });
});
