import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../config";
import {
    claimProblems,
    e2ePrerequisites,
    findOnPath,
    inPool,
    ipv4SubnetOfDockerNetwork,
    jobOutcome,
    kindStackConfig,
    orderedStartProblems,
    parseClaims,
    parseStatefulSetPods,
    poolRangeFromSubnet,
} from "./e2e/cluster";
import { PROJECT_ROOT } from "../tools/stack-config";

/** A pod as `kubectl get pods -o json` shows it. */
function pod(name: string, created: string, ready?: string, claim = `nginx-persistent-storage-${name}`) {
    return {
        metadata: { name, uid: `uid-${name}-${created}`, creationTimestamp: created },
        spec: {
            volumes: [
                { name: "nginx-persistent-storage", persistentVolumeClaim: { claimName: claim } },
                { name: "tmp", emptyDir: {} },
            ],
        },
        status: {
            conditions: [
                { type: "Initialized", status: "True", lastTransitionTime: created },
                ready
                    ? { type: "Ready", status: "True", lastTransitionTime: ready }
                    : { type: "Ready", status: "False", lastTransitionTime: created },
            ],
        },
    };
}

const list = (items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });

describe("end-to-end helpers: when the suite may run", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-helpers-"));
        fs.writeFileSync(path.join(dir, "kubeconfig"), "apiVersion: v1\n");
        fs.writeFileSync(path.join(dir, "kubectl"), "#!/bin/sh\n", { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "notes.txt"), "", { mode: 0o644 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("needs E2E_KUBECONFIG, naming a file that exists", () => {
        assert.match(String(e2ePrerequisites({}, () => true).missing), /E2E_KUBECONFIG is not set/);
        assert.match(
            String(e2ePrerequisites({ E2E_KUBECONFIG: path.join(dir, "absent") }, () => true).missing),
            /does not exist/,
        );
    });

    it("needs the pulumi CLI and kubectl on the PATH, and says which is missing", () => {
        const env = { E2E_KUBECONFIG: path.join(dir, "kubeconfig") };
        assert.strictEqual(
            e2ePrerequisites(env, (command) => command === "kubectl").missing,
            "pulumi not found on PATH",
        );
        assert.strictEqual(e2ePrerequisites(env, () => false).missing, "pulumi and kubectl not found on PATH");
        assert.deepStrictEqual(
            e2ePrerequisites(env, () => true),
            { kubeconfig: env.E2E_KUBECONFIG },
        );
    });

    it("finds only executable files on the PATH", () => {
        const pathVariable = ["/nonexistent", dir].join(path.delimiter);
        assert.strictEqual(findOnPath("kubectl", pathVariable), path.join(dir, "kubectl"));
        assert.strictEqual(findOnPath("notes.txt", pathVariable), undefined);
        assert.strictEqual(findOnPath("pulumi", pathVariable), undefined);
    });

    it("reports the whole suite as skipped here, with the reason", function () {
        this.timeout(60000);
        const env = { ...process.env };
        delete env.E2E_KUBECONFIG;
        const result = spawnSync(
            process.execPath,
            [require.resolve("mocha/bin/mocha.js"), "--reporter", "spec", "test/e2e/cluster.e2e.spec.ts"],
            { cwd: PROJECT_ROOT, env, encoding: "utf8" },
        );
        assert.strictEqual(result.status, 0, result.stderr);
        assert.match(result.stdout, /end-to-end suite skipped: E2E_KUBECONFIG is not set/);
        assert.match(result.stdout, /0 passing/);
        assert.match(result.stdout, /\d+ pending/);
        assert.doesNotMatch(result.stdout, /failing/);
    });
});

describe("end-to-end helpers: the kind stack", () => {
    it("takes the MetalLB pool from the top of the kind network", () => {
        assert.strictEqual(poolRangeFromSubnet("172.18.0.0/16"), "172.18.255.200-172.18.255.250");
        assert.strictEqual(poolRangeFromSubnet("10.89.3.0/24"), "10.89.3.200-10.89.3.250");
        assert.throws(() => poolRangeFromSubnet("10.0.0.0/28"), /too small/);
        assert.throws(() => poolRangeFromSubnet("fc00:f853:ccd:e793::/64"), /not an IPv4 subnet/);
    });

    it("reads the IPv4 subnet of `docker network inspect kind`", () => {
        const inspect = JSON.stringify([
            {
                Name: "kind",
                IPAM: {
                    Config: [{ Subnet: "fc00:f853:ccd:e793::/64" }, { Subnet: "172.19.0.0/16", Gateway: "172.19.0.1" }],
                },
            },
        ]);
        assert.strictEqual(ipv4SubnetOfDockerNetwork(inspect), "172.19.0.0/16");
        assert.throws(() => ipv4SubnetOfDockerNetwork(JSON.stringify([{ IPAM: { Config: [] } }])), /no IPv4 subnet/);
    });

    it("builds a configuration the program accepts, with the pool and namespace it is given", () => {
        const config = kindStackConfig({
            kubeconfig: "apiVersion: v1",
            poolAddresses: "172.18.255.200-172.18.255.250",
            namespace: "e2e-abc123",
            replicas: 3,
        });
        assert.strictEqual(config["stateful-nginx:kubeconfig"].secret, true);
        const raw = Object.fromEntries(
            Object.entries(config).map(([key, { value }]) => [key.replace(/^stateful-nginx:/, ""), value]),
        );
        const parsed = parseConfig(raw);
        assert.strictEqual(parsed.app.namespace, "e2e-abc123");
        assert.strictEqual(parsed.app.replicas, 3);
        assert.strictEqual(parsed.app.storage.storageClassName, "standard");
        assert.deepStrictEqual(parsed.metallb?.pools[0].addresses, ["172.18.255.200-172.18.255.250"]);
        assert.strictEqual(parsed.verify.enabled, true);
        assert.deepStrictEqual(parsed.services.loadBalancer.addresses, []);
    });

    it("tells whether an address is in the pool", () => {
        assert.ok(inPool("172.18.255.201", "172.18.255.200-172.18.255.250"));
        assert.ok(!inPool("172.18.0.5", "172.18.255.200-172.18.255.250"));
        assert.ok(inPool("10.0.0.7", "10.0.0.0/29"));
    });
});

describe("end-to-end helpers: reading the cluster", () => {
    const inOrder = [
        pod("nginx-2", "2026-01-01T10:00:20Z", "2026-01-01T10:00:28Z"),
        pod("nginx-0", "2026-01-01T10:00:00Z", "2026-01-01T10:00:08Z"),
        pod("nginx-1", "2026-01-01T10:00:08Z", "2026-01-01T10:00:19Z"),
        pod("web-0", "2026-01-01T09:00:00Z", "2026-01-01T09:00:01Z"),
        pod("nginx-debug", "2026-01-01T09:00:00Z"),
    ];

    it("reads a set's pods in ordinal order, ignoring other pods", () => {
        const pods = parseStatefulSetPods(list(inOrder), "nginx");
        assert.deepStrictEqual(
            pods.map((p) => [p.name, p.ordinal, p.claims]),
            [
                ["nginx-0", 0, ["nginx-persistent-storage-nginx-0"]],
                ["nginx-1", 1, ["nginx-persistent-storage-nginx-1"]],
                ["nginx-2", 2, ["nginx-persistent-storage-nginx-2"]],
            ],
        );
        assert.strictEqual(pods[1].readyAt?.toISOString(), "2026-01-01T10:00:19.000Z");
    });

    it("accepts pods each created once the previous was ready (same second included)", () => {
        assert.deepStrictEqual(orderedStartProblems(parseStatefulSetPods(list(inOrder), "nginx"), 3), []);
    });

    it("names a pod created before the previous one was ready", () => {
        const parallel = [
            pod("nginx-0", "2026-01-01T10:00:00Z", "2026-01-01T10:00:08Z"),
            pod("nginx-1", "2026-01-01T10:00:01Z", "2026-01-01T10:00:09Z"),
        ];
        const problems = orderedStartProblems(parseStatefulSetPods(list(parallel), "nginx"), 2);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^nginx-1 was created at .* before nginx-0 was ready/);
    });

    it("names missing and unready pods", () => {
        const pods = parseStatefulSetPods(list([pod("nginx-0", "2026-01-01T10:00:00Z")]), "nginx");
        assert.deepStrictEqual(orderedStartProblems(pods, 2), ["pods 0, want 0, 1", "nginx-0 is not ready"]);
    });

    it("checks one bound claim per pod, named after the template, the set and the ordinal", () => {
        const pods = parseStatefulSetPods(
            list([
                pod("nginx-0", "2026-01-01T10:00:00Z", "2026-01-01T10:00:01Z"),
                pod("nginx-1", "2026-01-01T10:00:01Z", "2026-01-01T10:00:02Z", "shared"),
                pod("nginx-2", "2026-01-01T10:00:02Z", "2026-01-01T10:00:03Z"),
            ]),
            "nginx",
        );
        const claims = parseClaims(
            list([
                {
                    metadata: { name: "nginx-persistent-storage-nginx-0", uid: "a" },
                    spec: { volumeName: "pv-a" },
                    status: { phase: "Bound" },
                },
                {
                    metadata: { name: "nginx-persistent-storage-nginx-2", uid: "c" },
                    spec: {},
                    status: { phase: "Pending" },
                },
            ]),
        );
        assert.strictEqual(claims.get("nginx-persistent-storage-nginx-0")?.volumeName, "pv-a");
        assert.deepStrictEqual(claimProblems(pods, claims, "nginx-persistent-storage", "nginx"), [
            "nginx-1 mounts shared, want nginx-persistent-storage-nginx-1",
            "claim nginx-persistent-storage-nginx-1 does not exist",
            "claim nginx-persistent-storage-nginx-2 is Pending, want Bound",
        ]);
    });

    it("reads a Job's outcome from its conditions", () => {
        const job = (status: unknown) => JSON.stringify({ kind: "Job", status });
        assert.deepStrictEqual(jobOutcome(job({ succeeded: 1, conditions: [{ type: "Complete", status: "True" }] })), {
            succeeded: true,
            reason: "Complete",
        });
        assert.deepStrictEqual(
            jobOutcome(
                job({
                    failed: 1,
                    conditions: [
                        { type: "Failed", status: "True", reason: "PodFailurePolicy", message: "exit code 1" },
                    ],
                }),
            ),
            { succeeded: false, reason: "Failed: PodFailurePolicy exit code 1" },
        );
        assert.strictEqual(jobOutcome(job({ active: 1 })).succeeded, false);
    });
});
