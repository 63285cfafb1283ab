/**
 * Bare metal on a cluster that already runs MetalLB, and two stacks on one cluster: `dev` installs MetalLB,
 * `staging` (test/fixtures/Pulumi.staging.yaml) uses it.
 */
import * as assert from "assert";
import * as path from "path";
import { existingPoolProblem, stackObjectName } from "../components/baremetal";
import { blocksOverlap, parseAddressBlock } from "../config/addresses";
import { resetMockCluster, setMockCluster } from "../tools/mock-state";
import { readStackFile, stackFilePath } from "../tools/stack-config";
import { metadataOf, runConfig, runStack, specOf, StackRun } from "./helpers";

const TYPES = {
    chart: "kubernetes:helm.sh/v4:Chart",
    namespace: "kubernetes:core/v1:Namespace",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    job: "kubernetes:batch/v1:Job",
    crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    configMap: "kubernetes:core/v1:ConfigMap",
    configMapPatch: "kubernetes:core/v1:ConfigMapPatch",
    daemonSetPatch: "kubernetes:apps/v1:DaemonSetPatch",
    pool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    l2: "kubernetes:metallb.io/v1beta1:L2Advertisement",
    service: "kubernetes:core/v1:Service",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
} as const;

const STAGING_FILE = path.join(__dirname, "fixtures", "Pulumi.staging.yaml");
const staging = readStackFile(STAGING_FILE);
const stagingMetallb = JSON.parse(staging.config["stateful-nginx:metallb"]);
const stagingServices = JSON.parse(staging.config["stateful-nginx:services"]);

function runStaging(overrides: Record<string, unknown> = {}): Promise<StackRun> {
    return runConfig("staging", { ...staging.config, ...overrides }, staging.secretKeys);
}

/** The message a run of the whole program stops with. */
async function failureOf(run: Promise<unknown>): Promise<string> {
    try {
        await run;
    } catch (error) {
        return (error as Error).message;
    }
    assert.fail("expected the program to stop");
}

/**
 * Kubernetes objects a run creates or applies (reads excluded), as `apiVersion kind namespace/name`; a Patch
 * resource (server-side apply) counts as the object it applies.
 */
function createdObjects(run: StackRun): string[] {
    return run.resources
        .filter((resource) => resource.custom && !resource.read && resource.type.startsWith("kubernetes:"))
        .filter((resource) => !resource.type.startsWith("pulumi:providers:"))
        .map((resource) => {
            const metadata = metadataOf(resource);
            const [, apiVersion, kind] = resource.type.split(":");
            return `${apiVersion} ${kind.replace(/Patch$/, "")} ${metadata.namespace ?? ""}/${metadata.name ?? `<auto ${resource.name}>`}`;
        });
}

/** What a run claims that no other stack on the cluster may: explicit node ports, fixed addresses, pool ranges. */
function claims(run: StackRun) {
    const services = run.ofType(TYPES.service);
    return {
        nodePorts: services.flatMap((service) =>
            ((specOf(service).ports ?? []) as { nodePort?: number }[]).flatMap((port) =>
                port.nodePort !== undefined ? [port.nodePort] : [],
            ),
        ),
        addresses: services.flatMap((service) =>
            String(metadataOf(service).annotations?.["metallb.io/loadBalancerIPs"] ?? "")
                .split(",")
                .filter(Boolean),
        ),
        poolBlocks: run
            .ofType(TYPES.pool)
            .flatMap((pool) => (specOf(pool).addresses as string[]).map(parseAddressBlock)),
    };
}

describe("bare metal where MetalLB already runs (metallb.install: false)", function () {
    this.timeout(30000);
    let run: StackRun;
    before(async () => {
        run = await runStaging();
    });
    afterEach(resetMockCluster);

    it("installs nothing of MetalLB: no chart, no namespace of its own, no webhook check, no kube-proxy change", () => {
        assert.deepStrictEqual(run.ofType(TYPES.chart), []);
        assert.deepStrictEqual(run.ofType(TYPES.namespace), []);
        assert.deepStrictEqual(
            run.ofType(TYPES.namespacePatch).map((namespace) => metadataOf(namespace).name),
            ["stateful-nginx-staging"],
        );
        assert.ok(!run.ofType(TYPES.job).some((job) => /webhook/.test(metadataOf(job).name)));
        assert.deepStrictEqual([...run.ofType(TYPES.configMapPatch), ...run.ofType(TYPES.daemonSetPatch)], []);
        assert.ok(!run.ofType(TYPES.configMap).some((configMap) => configMap.read));
    });

    it("reads MetalLB's CRDs from the cluster, and creates its pools and the workload only after", () => {
        const crds = run.ofType(TYPES.crd);
        assert.ok(crds.every((crd) => crd.read));
        const ids = crds.map((crd) => crd.inputs);
        assert.strictEqual(crds.length, 2, JSON.stringify(ids));
        for (const dependent of [
            ...run.ofType(TYPES.pool),
            ...run.ofType(TYPES.l2),
            ...run.ofType(TYPES.statefulSet),
        ]) {
            for (const crd of crds) assert.ok(run.dependsOn(dependent, crd), `${dependent.name} after ${crd.name}`);
        }
    });

    it("creates its own pool and advertisement in MetalLB's namespace, named after the stack", () => {
        const [pool] = run.ofType(TYPES.pool);
        assert.deepStrictEqual(
            [metadataOf(pool).namespace, metadataOf(pool).name],
            ["metallb-system", "staging-default-pool"],
        );
        assert.deepStrictEqual(specOf(run.ofType(TYPES.l2)[0]).ipAddressPools, ["staging-default-pool"]);
        const lb = run.object(TYPES.service, "nginx-lb");
        assert.strictEqual(metadataOf(lb).annotations["metallb.io/address-pool"], "staging-default-pool");
    });

    it("puts its pools where MetalLB runs when metallb.namespace says so", async () => {
        setMockCluster({ metallbWebhook: { namespace: "metallb", instance: "metallb" } });
        const other = await runStaging({ "stateful-nginx:metallb": { ...stagingMetallb, namespace: "metallb" } });
        for (const object of [...other.ofType(TYPES.pool), ...other.ofType(TYPES.l2)]) {
            assert.strictEqual(metadataOf(object).namespace, "metallb", object.name);
        }
    });

    it("stops before it creates anything, with one line naming metallb.install, when MetalLB is not there", async () => {
        setMockCluster({ metallbInstalled: false });
        const message = await failureOf(runStaging());
        assert.strictEqual(
            message,
            "stateful-nginx:metallb.install: got false; MetalLB must then already run in the cluster, but its API (metallb.io/v1beta1/IPAddressPool, metallb.io/v1beta1/L2Advertisement) is not served (or the cluster could not be reached): install MetalLB into metallb-system first, or set metallb.install: true",
        );
    });

    it("sends no Kubernetes object to the cluster, and reads nothing, when MetalLB is not there", async () => {
        setMockCluster({ metallbInstalled: false });
        // Every registration and read reaches the mocks through mockResourceState: count what gets that far.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const state = require("../tools/mock-state") as { mockResourceState: (...args: unknown[]) => unknown };
        const original = state.mockResourceState;
        const sent: string[] = [];
        state.mockResourceState = (...args: unknown[]) => {
            sent.push(String(args[0]));
            return original(...args);
        };
        try {
            await failureOf(runStaging());
        } finally {
            state.mockResourceState = original;
        }
        assert.deepStrictEqual(
            sent.filter((type) => type.startsWith("kubernetes:")),
            [],
        );
        assert.ok(sent.includes("pulumi:providers:kubernetes"), sent.join(", "));
    });

    describe("an existing pool by name (services.loadBalancer.pool)", () => {
        const usePool = (pool: string, addresses: string[] = []) =>
            runStaging({
                "stateful-nginx:metallb": { install: false, mode: "l2" },
                "stateful-nginx:services": { ...stagingServices, loadBalancer: { pool, addresses } },
            });

        it("reads the pool from MetalLB's namespace and names it as it is, creating no pool or advertisement", async () => {
            const existing = await usePool("shared-fixed", ["172.18.255.199"]);
            const [read] = existing.ofType(TYPES.pool);
            assert.ok(read.read, "the pool is read, not created");
            assert.deepStrictEqual(existing.ofType(TYPES.l2), []);
            const lb = existing.object(TYPES.service, "nginx-lb");
            assert.deepStrictEqual(metadataOf(lb).annotations, {
                ...metadataOf(lb).annotations,
                "metallb.io/address-pool": "shared-fixed",
                "metallb.io/loadBalancerIPs": "172.18.255.199",
            });
            assert.ok(existing.dependsOn(lb, read));
        });

        it("refuses a fixed address from an existing pool that hands addresses out by itself", () => {
            const pool = "metallb-system/shared";
            assert.strictEqual(
                existingPoolProblem({ addresses: ["172.18.255.190/31"], autoAssign: false }, ["172.18.255.190"], pool),
                undefined,
            );
            assert.strictEqual(existingPoolProblem({ addresses: ["172.18.255.190/31"] }, [], pool), undefined);
            assert.strictEqual(
                existingPoolProblem({ addresses: ["172.18.255.190/31"], autoAssign: false }, ["172.18.255.199"], pool),
                'stateful-nginx:services.loadBalancer.addresses: got ["172.18.255.199"]; 172.18.255.199 is outside pool metallb-system/shared (172.18.255.190/31)',
            );
            for (const spec of [
                { addresses: ["172.18.255.190/31"] },
                { addresses: ["172.18.255.190/31"], autoAssign: true },
            ]) {
                assert.strictEqual(
                    existingPoolProblem(spec, ["172.18.255.190"], pool),
                    'stateful-nginx:services.loadBalancer.addresses: got ["172.18.255.190"]; pool metallb-system/shared hands out addresses to any LoadBalancer Service (autoAssign is not false), so another Service can take a fixed one first: use a pool with autoAssign: false',
                );
            }
            // The same order as for the stack's own pools (config/pools.ts): an address outside the pool first.
            for (const spec of [{ autoAssign: true }, undefined]) {
                assert.strictEqual(
                    existingPoolProblem(spec, ["172.18.255.190"], pool),
                    'stateful-nginx:services.loadBalancer.addresses: got ["172.18.255.190"]; 172.18.255.190 is outside pool metallb-system/shared (no addresses)',
                );
            }
        });
    });
});

describe("strictARP on k3s (kube-proxy runs inside k3s, without a ConfigMap)", function () {
    this.timeout(30000);
    afterEach(resetMockCluster);

    it("stops with the strictARP line before reading kube-system/kube-proxy", async () => {
        setMockCluster({ kubeVersion: "v1.33.5+k3s1" });
        const dev = readStackFile(stackFilePath("dev"));
        const devMetallb = JSON.parse(dev.config["stateful-nginx:metallb"]);
        const message = await failureOf(
            runConfig("dev", {
                ...dev.config,
                "stateful-nginx:metallb": { ...devMetallb, strictARP: true, k3sServiceLBDisabled: true },
            }),
        );
        assert.strictEqual(
            message,
            "stateful-nginx:metallb.strictARP: got true; k3s (v1.33.5+k3s1) runs kube-proxy without the kube-system/kube-proxy ConfigMap, so strictARP cannot be set there: set it false and start k3s with --kube-proxy-arg ipvs-strict-arp=true (needed only in IPVS mode)",
        );
    });
});

describe("two stacks on one cluster (dev installs MetalLB, staging uses it)", function () {
    this.timeout(30000);
    let dev: StackRun;
    let stagingRun: StackRun;
    before(async () => {
        dev = await runStack("dev");
        stagingRun = await runStaging();
    });

    it("never create the same Kubernetes object (apiVersion, kind, namespace, name)", () => {
        const devObjects = createdObjects(dev);
        const stagingObjects = new Set(createdObjects(stagingRun));
        assert.ok(devObjects.length > 10 && stagingObjects.size > 10);
        assert.deepStrictEqual(
            devObjects.filter((object) => stagingObjects.has(object)),
            [],
        );
    });

    it("name every object outside their app namespaces after the stack", () => {
        for (const [stack, run, appNamespace] of [
            ["dev", dev, "stateful-nginx"],
            ["staging", stagingRun, "stateful-nginx-staging"],
        ] as const) {
            const outside = run.resources.filter(
                (resource) =>
                    resource.custom &&
                    !resource.read &&
                    metadataOf(resource).namespace !== undefined &&
                    metadataOf(resource).namespace !== appNamespace,
            );
            assert.ok(outside.length > 0);
            for (const resource of outside) {
                const { namespace, name } = metadataOf(resource);
                // kube-proxy's own ConfigMap and DaemonSet are patched, never created (dev: strictARP off).
                assert.ok(name.startsWith(`${stack}-`), `${stack}: ${resource.type} ${namespace}/${name}`);
            }
        }
    });

    it("claim no node port, fixed address or pool address twice", () => {
        const a = claims(dev);
        const b = claims(stagingRun);
        assert.deepStrictEqual(
            a.nodePorts.filter((port) => b.nodePorts.includes(port)),
            [],
        );
        assert.deepStrictEqual(
            a.addresses.filter((address) => b.addresses.includes(address)),
            [],
        );
        for (const block of a.poolBlocks) {
            for (const other of b.poolBlocks) assert.ok(!blocksOverlap(block, other), `${block.text} / ${other.text}`);
        }
        assert.ok(a.poolBlocks.length > 0 && b.poolBlocks.length > 0 && a.nodePorts.includes(30080));
    });

    it("derive object names from the stack within a DNS label, whatever the stack is called", () => {
        assert.strictEqual(stackObjectName("dev", "default-pool"), "dev-default-pool");
        assert.strictEqual(stackObjectName("Team_A.staging", "fixed"), "team-a-staging-fixed");
        const long = stackObjectName("a".repeat(60), "default-pool");
        assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
        assert.notStrictEqual(long, stackObjectName("a".repeat(61), "default-pool"));
    });
});
