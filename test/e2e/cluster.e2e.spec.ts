/**
 * End to end, on a real cluster: `pulumi up` with the Automation API (local file backend, a temporary
 * stack), then what a person would check by hand with kubectl. Runs only when E2E_KUBECONFIG names the
 * kubeconfig of a disposable cluster with a default `standard` storage class (kind) and `pulumi` and
 * `kubectl` are on the PATH; otherwise the suite reports itself skipped, with the reason.
 *
 *   E2E_KUBECONFIG=$HOME/.kube/config npx mocha test/e2e/cluster.e2e.spec.ts
 *
 * The MetalLB pool is E2E_METALLB_ADDRESSES (a range or CIDR on the nodes' network), or else taken from
 * `docker network inspect kind`. The runner must reach that network (kind on a Linux host does; Docker Desktop
 * does not route it): the LoadBalancer address is fetched from here, outside the cluster.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { DATA_VOLUME } from "../../components/workload/pod-template";
import { PROJECT_ROOT } from "../../tools/stack-config";
import {
    claimNameOf,
    claimProblems,
    e2ePrerequisites,
    fetchFromRunner,
    inPool,
    ipv4SubnetOfDockerNetwork,
    jobOutcome,
    parseVerificationLog,
    kindStackConfig,
    type KindStackOptions,
    loadBalancerUrl,
    orderedStartProblems,
    parseClaims,
    parseStatefulSetPods,
    poolRangeFromSubnet,
} from "./cluster";

const SET = "nginx";
const MINUTE = 60_000;

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("on a real cluster (end to end)", function () {
    this.timeout(40 * MINUTE);

    let kubeconfig: string;
    let namespace: string;
    let pool: string;
    let backend: string;
    let stack: Stack | undefined;
    let destroyed = false;
    const log = (line: string) => process.stdout.write(`      ${line}\n`);

    function kubectl(...args: string[]): string {
        try {
            return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], {
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
        } catch (error) {
            const { stderr } = error as { stderr?: string };
            throw new Error(`kubectl ${args.join(" ")}: ${stderr ?? String(error)}`);
        }
    }

    const pods = () => parseStatefulSetPods(kubectl("get", "pods", "-n", namespace, "-o", "json"), SET);
    const claims = () => parseClaims(kubectl("get", "pvc", "-n", namespace, "-o", "json"));
    const podDns = (ordinal: number) => `${SET}-${ordinal}.${SET}.${namespace}.svc.cluster.local`;
    /** The page a pod serves, fetched through its DNS name from inside another pod (as in the notes). */
    const pageOf = (ordinal: number, from: number) =>
        kubectl(
            "exec",
            "-n",
            namespace,
            `${SET}-${from}`,
            "-c",
            "nginx",
            "--",
            "wget",
            "-q",
            "-O",
            "-",
            `http://${podDns(ordinal)}:8080/`,
        );

    async function until<T>(
        what: string,
        timeoutMs: number,
        probe: () => T | undefined | Promise<T | undefined>,
    ): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        let lastError: unknown;
        for (;;) {
            try {
                const value = await probe();
                if (value !== undefined) return value;
            } catch (error) {
                lastError = error;
            }
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(lastError ?? "")}`);
            await sleep(3000);
        }
    }

    async function up(replicas: number, day2: Pick<KindStackOptions, "podManagementPolicy" | "storageSize"> = {}) {
        await stack!.setAllConfig(
            kindStackConfig({
                kubeconfig: fs.readFileSync(kubeconfig, "utf8"),
                poolAddresses: pool,
                namespace,
                replicas,
                ...day2,
            }),
        );
        const result = await stack!.up({ onOutput: (out) => process.stdout.write(out) });
        return result.outputs;
    }

    before(async function () {
        const prerequisites = e2ePrerequisites(process.env);
        if (!prerequisites.kubeconfig) {
            console.log(`      end-to-end suite skipped: ${prerequisites.missing}`);
            this.skip();
        }
        kubeconfig = path.resolve(prerequisites.kubeconfig);
        pool =
            process.env.E2E_METALLB_ADDRESSES ??
            poolRangeFromSubnet(
                ipv4SubnetOfDockerNetwork(execFileSync("docker", ["network", "inspect", "kind"], { encoding: "utf8" })),
            );
        const suffix = crypto.randomBytes(3).toString("hex");
        namespace = `e2e-${suffix}`;
        backend = fs.mkdtempSync(path.join(os.tmpdir(), "stateful-nginx-e2e-"));
        log(`namespace ${namespace}, MetalLB pool ${pool}, state in ${backend}`);

        // Loaded here, not at the top: the unit run never needs the Automation API.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: `e2e-${suffix}`, workDir: PROJECT_ROOT },
            {
                envVars: {
                    PULUMI_BACKEND_URL: `file://${backend}`,
                    PULUMI_CONFIG_PASSPHRASE: "stateful-nginx-e2e",
                },
            },
        );
    });

    after(async function () {
        if (!stack) return;
        this.timeout(15 * MINUTE);
        const attempt = async (what: string, action: () => unknown) => {
            try {
                await action();
            } catch (error) {
                log(`cleanup: ${what} failed: ${String(error).split("\n")[0]}`);
            }
        };
        if (!destroyed)
            await attempt("pulumi destroy", () => stack!.destroy({ onOutput: (out) => process.stdout.write(out) }));
        // The program keeps claims and the namespace on purpose; the test's own leftovers go here.
        await attempt("deleting the claims", () =>
            kubectl("delete", "pvc", "--all", "-n", namespace, "--wait=true", "--timeout=5m"),
        );
        await attempt("deleting the namespace", () =>
            kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=5m"),
        );
        // Also removes Pulumi.<stack>.yaml from the project folder.
        await attempt("removing the stack", () => stack!.workspace.removeStack(stack!.name, { force: true }));
        fs.rmSync(path.join(PROJECT_ROOT, `Pulumi.${stack.name}.yaml`), { force: true });
        fs.rmSync(backend, { recursive: true, force: true });
    });

    let outputs: Record<string, { value: unknown }>;

    it("brings the stack up (pulumi up, verification Job included)", async () => {
        outputs = await up(3);
        assert.ok(outputs.verificationJob?.value, "the stack exports no verificationJob");
    });

    it("started nginx-0, nginx-1 and nginx-2 in order, each after the previous was ready", () => {
        const problems = orderedStartProblems(pods(), 3);
        assert.deepStrictEqual(problems, []);
    });

    it("gave every pod one bound claim named nginx-persistent-storage-nginx-N", () => {
        const current = pods();
        assert.deepStrictEqual(claimProblems(current, claims(), DATA_VOLUME, SET), []);
        assert.deepStrictEqual(
            current.flatMap((pod) => pod.claims),
            [
                "nginx-persistent-storage-nginx-0",
                "nginx-persistent-storage-nginx-1",
                "nginx-persistent-storage-nginx-2",
            ],
        );
    });

    it("ran the verification Job to success, every check passing", () => {
        const job = String(outputs.verificationJob.value);
        const outcome = jobOutcome(kubectl("get", "job", job, "-n", namespace, "-o", "json"));
        const jobLog = parseVerificationLog(kubectl("logs", `job/${job}`, "-n", namespace));
        assert.ok(outcome.succeeded, outcome.reason);
        assert.deepStrictEqual(jobLog.failed, []);
        for (const check of [
            "pod-dns nginx-0",
            "pod-dns nginx-1",
            "pod-dns nginx-2",
            "headless-dns nginx",
            "loadbalancer nginx-lb",
        ]) {
            assert.ok(jobLog.passed.includes(check), `no PASS ${check} in the log`);
        }
    });

    it("got the LoadBalancer an address from the MetalLB pool", () => {
        const address = String(outputs.loadBalancerAddress?.value ?? "");
        const status = JSON.parse(kubectl("get", "service", "nginx-lb", "-n", namespace, "-o", "json")).status;
        assert.strictEqual(status.loadBalancer.ingress?.[0]?.ip, address);
        assert.ok(inPool(address, pool), `${address} is not in ${pool}`);
    });

    it("answers on the LoadBalancer address from the runner, outside the cluster (the address is announced)", async () => {
        const address = String(outputs.loadBalancerAddress?.value ?? "");
        const service = JSON.parse(kubectl("get", "service", "nginx-lb", "-n", namespace, "-o", "json"));
        const url = loadBalancerUrl(address, service.spec.ports[0].port);
        // A speaker needs a few seconds after the address is assigned to win the election and send ARP.
        const page = await until(`an answer from ${url} on the runner`, 2 * MINUTE, async () => {
            const response = await fetchFromRunner(url);
            return response.status === 200 ? response.body : undefined;
        });
        assert.match(page, new RegExp(`Pod ${SET}-\\d+ of namespace ${namespace}`));
    });

    it("brings nginx-1 back after it is deleted, with the same claim and the same page", async () => {
        const before = pods().find((pod) => pod.ordinal === 1)!;
        const claimBefore = claims().get(claimNameOf(DATA_VOLUME, SET, 1))!;
        const pageBefore = pageOf(1, 0);
        assert.match(pageBefore, /nginx-1/);

        kubectl("delete", "pod", `${SET}-1`, "-n", namespace, "--wait=true");
        const after = await until("a new nginx-1 to be ready", 5 * MINUTE, () =>
            pods().find((pod) => pod.ordinal === 1 && pod.uid !== before.uid && pod.readyAt),
        );
        const claimAfter = claims().get(claimNameOf(DATA_VOLUME, SET, 1))!;
        assert.deepStrictEqual(after.claims, [claimBefore.name]);
        assert.strictEqual(claimAfter.uid, claimBefore.uid);
        assert.strictEqual(claimAfter.volumeName, claimBefore.volumeName);
        // The page records when it was first written: the same text means the same volume.
        const pageAfter = await until("nginx-1 to answer on its DNS name", 2 * MINUTE, () => pageOf(1, 0));
        assert.strictEqual(pageAfter, pageBefore);
    });

    it("keeps nginx-persistent-storage-nginx-2 when scaled to 2", async () => {
        const claimBefore = claims().get(claimNameOf(DATA_VOLUME, SET, 2))!;
        outputs = await up(2);
        await until("nginx-2 to be gone", 3 * MINUTE, () =>
            pods().some((pod) => pod.ordinal === 2) ? undefined : true,
        );
        assert.deepStrictEqual(
            pods().map((pod) => pod.name),
            ["nginx-0", "nginx-1"],
        );
        const claimAfter = claims().get(claimNameOf(DATA_VOLUME, SET, 2));
        assert.ok(claimAfter, "the claim of nginx-2 was deleted");
        assert.strictEqual(claimAfter.uid, claimBefore.uid);
        // The checks ran again, for two pods.
        const jobLog = parseVerificationLog(
            kubectl("logs", `job/${String(outputs.verificationJob.value)}`, "-n", namespace),
        );
        assert.deepStrictEqual(jobLog.failed, []);
        assert.ok(!jobLog.passed.includes("pod-dns nginx-2"));
    });

    const setOf = () => JSON.parse(kubectl("get", "statefulset", SET, "-n", namespace, "-o", "json"));

    it("recreates the set for a new podManagementPolicy without restarting a pod: orphaned, then adopted", async () => {
        const setBefore = setOf().metadata.uid;
        const podsBefore = pods().map((pod) => pod.uid);
        outputs = await up(2, { podManagementPolicy: "Parallel" });
        const set = setOf();
        assert.notStrictEqual(set.metadata.uid, setBefore, "the StatefulSet was not recreated");
        assert.strictEqual(set.spec.podManagementPolicy, "Parallel");
        assert.deepStrictEqual(
            pods().map((pod) => pod.uid),
            podsBefore,
        );
        for (const pod of JSON.parse(kubectl("get", "pods", "-n", namespace, "-o", "json")).items) {
            const owner = pod.metadata.ownerReferences?.find(
                (reference: { controller?: boolean }) => reference.controller,
            );
            assert.strictEqual(owner?.uid, set.metadata.uid, `${pod.metadata.name} was not adopted`);
        }
    });

    it("refuses a larger size on kind's standard class with one line, before anything changes", async () => {
        const setBefore = setOf().metadata.uid;
        await assert.rejects(
            up(2, { podManagementPolicy: "Parallel", storageSize: "2Gi" }),
            /stateful-nginx:app\.storage\.size: got 2Gi; storage class standard does not allow volume expansion/,
        );
        assert.strictEqual(setOf().metadata.uid, setBefore);
        for (const claim of claims().values()) assert.strictEqual(claim.name.startsWith(DATA_VOLUME), true);
    });

    let pagesBeforeDestroy: string[] = [];

    it("keeps every claim when the stack is destroyed", async () => {
        pagesBeforeDestroy = [0, 1].map((ordinal) => pageOf(ordinal, 0));
        const before = [...claims().keys()].sort();
        await stack!.destroy({ onOutput: (out) => process.stdout.write(out) });
        destroyed = true;
        const after = [...claims().keys()].sort();
        assert.deepStrictEqual(
            before,
            [0, 1, 2].map((n) => claimNameOf(DATA_VOLUME, SET, n)),
        );
        assert.deepStrictEqual(after, before);
        assert.strictEqual(
            JSON.parse(kubectl("get", "statefulsets", "-n", namespace, "-o", "json")).items.length,
            0,
            "the StatefulSet is still there",
        );
        // Stopped through the lifecycle anchor (garbage collection), which is gone too; the namespace stays.
        assert.deepStrictEqual(pods(), []);
        assert.strictEqual(kubectl("get", "configmap", `${SET}-lifecycle`, "-n", namespace, "--ignore-not-found"), "");
        assert.match(kubectl("get", "namespace", namespace, "-o", "name"), new RegExp(`namespace/${namespace}`));
    });

    it("comes back after the destroy: takes the namespace and claims back, and each pod shows its old page", async () => {
        outputs = await up(2, { podManagementPolicy: "Parallel" });
        destroyed = false;
        for (const ordinal of [0, 1]) {
            const page = await until(`nginx-${ordinal} to answer`, 3 * MINUTE, () => pageOf(ordinal, 0));
            assert.strictEqual(page, pagesBeforeDestroy[ordinal]);
        }
    });
});
