/**
 * Day 2: each change an operator makes to a live stack, as a second `pulumi up` would carry it out. Each row
 * synthesizes the shipped stack and a changed copy, then derives the steps with the engine's and the Kubernetes
 * provider's rules (./provider-rules.ts, which names the upstream functions and versions it follows). docs/operations.md has the
 * table these specs back; what only a cluster can show (garbage collection, adoption, resize) is in test/e2e.
 */
import * as assert from "assert";
import { appSchema, quantityValue } from "../config/app";
import { GP3_ALLOWS_EXPANSION } from "../components/eks/storage-class";
import { claimHookProblem, storageExpandable } from "../components/workload/storage";
import { metadataOf, runStack, specOf, StackRun, testStackConfig } from "./helpers";
import { alreadyExists, claimUpdateRefusal, objectKey, planDestroy, planUpdate, type Step } from "./provider-rules";

/* eslint-disable @typescript-eslint/no-explicit-any */

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const CLAIM = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const NAMESPACE = "kubernetes:core/v1:NamespacePatch";
const SERVICE = "kubernetes:core/v1:Service";
const ANCHOR = "kubernetes:core/v1:ConfigMap";

function stackBlock(stack: string, key: string): Record<string, any> {
    return JSON.parse(testStackConfig(stack).config[`stateful-nginx:${key}`] ?? "{}");
}

/** The stack with its `app` (and optionally `services`) block changed as an operator would edit it. */
function edited(stack: string, app: Record<string, unknown>, services: Record<string, unknown> = {}) {
    return runStack(stack, {
        "stateful-nginx:app": { ...stackBlock(stack, "app"), ...app },
        "stateful-nginx:services": { ...stackBlock(stack, "services"), ...services },
    });
}

function step(steps: Step[], type: string, name: string): Step {
    const found = steps.find((candidate) => candidate.type === type && candidate.name === name);
    if (!found) throw new Error(`no step for ${type} ${name}`);
    return found;
}

function stepsOfType(steps: Step[], type: string): Step[] {
    return steps.filter((candidate) => candidate.type === type);
}

/** The verification component's type, in the URNs of its Job and the ConfigMap of its scripts. */
const VERIFICATION = "stateful-nginx:verify:ClusterVerification$";

/** Only what a change touches, besides the verification Job and its scripts (dev), which run after every change. */
function changes(steps: Step[]): Step[] {
    return steps.filter((candidate) => candidate.op !== "same" && !candidate.urn.includes(VERIFICATION));
}

/**
 * What each platform's target says of its own storage class (EKS: its gp3 class; bare metal does not know its
 * cluster's class).
 */
const TARGET_EXPANDABLE: Record<string, boolean | undefined> = { dev: undefined, prod: GP3_ALLOWS_EXPANSION };

/**
 * The problem the claims' beforeUpdate hook (the program's own check, the function the hook calls) reports for
 * each claim step, if any. The edits here never change `allowsExpansion`, so the shipped app block says it.
 */
function hookProblems(stack: string, steps: Step[]): (string | undefined)[] {
    const app = appSchema.parse(JSON.parse(JSON.stringify(stackBlock(stack, "app"))));
    return stepsOfType(steps, CLAIM)
        .filter((claim) => claim.op === "update")
        .map((claim) => {
            assert.deepStrictEqual(claim.after!.options.hooks?.beforeUpdate, ["nginx-claim-change-check"]);
            return claimHookProblem(
                { oldInputs: claim.before!.inputs, newInputs: claim.after!.inputs },
                storageExpandable(app.storage, TARGET_EXPANDABLE[stack]),
            );
        });
}

/** The set is recreated while its pods keep serving: deleted first with Orphan, read from the OLD inputs. */
function assertRecreatedKeepingPods(steps: Step[], key: string) {
    const set = step(steps, STATEFUL_SET, "nginx");
    assert.strictEqual(set.op, "replace");
    assert.ok(set.replaceKeys.includes(key), `replaced for ${set.replaceKeys.join(", ")}`);
    assert.strictEqual(set.deleteBeforeReplace, true);
    assert.deepStrictEqual(set.deletion, { kind: "deleted", propagation: "Orphan" });
    // The pods stay only if the new set adopts them: same name, same selector.
    assert.strictEqual(metadataOf(set.after!).name, metadataOf(set.before!).name);
    assert.deepStrictEqual(specOf(set.after!).selector, specOf(set.before!).selector);
}

for (const stack of ["dev", "prod"]) {
    describe(`day 2 on the ${stack} stack`, function () {
        this.timeout(120000);
        let shipped: StackRun;
        const app = () => stackBlock(stack, "app");

        before(async () => {
            shipped = await runStack(stack);
        });

        // On dev, the real engine judges these cases on a real control plane (test/engine/real-engine.spec.ts:
        // a size refused, grown and shrunk, podManagementPolicy, an image, destroy, destroy then up, app.name
        // renamed), so this model of the provider's rules keeps only what the engine suite does not run there.
        const modelled = stack !== "dev";

        if (modelled)
            describe("app.storage.size up", () => {
                let steps: Step[];
                before(async () => {
                    steps = planUpdate(
                        shipped.resources,
                        (await edited(stack, { storage: { ...app().storage, size: "2Gi" } })).resources,
                    );
                });

                it("grows every existing claim in place where the class allows it, or stops first with one line", () => {
                    const claims = stepsOfType(steps, CLAIM);
                    assert.strictEqual(claims.length, app().replicas);
                    for (const claim of claims) {
                        assert.strictEqual(claim.op, "update", claim.name);
                        assert.strictEqual(specOf(claim.after!).resources.requests.storage, "2Gi");
                    }
                    const problems = hookProblems(stack, steps);
                    if (app().storage.allowsExpansion === false) {
                        // dev: kind's standard class; the hook runs in preview and up, before the claim and the set.
                        for (const problem of problems) {
                            assert.match(
                                problem!,
                                /^stateful-nginx:app\.storage\.size: got 2Gi; storage class standard does not allow volume expansion/,
                            );
                        }
                    } else {
                        assert.deepStrictEqual(
                            problems,
                            claims.map(() => undefined),
                        );
                        for (const claim of claims) {
                            assert.strictEqual(
                                claimUpdateRefusal(claim.before!, claim.after!, true, quantityValue),
                                undefined,
                            );
                        }
                    }
                });

                it("then recreates the StatefulSet for its claim template without stopping a pod", () => {
                    if (hookProblems(stack, steps).some((problem) => problem !== undefined)) {
                        // Stopped at the claims: the set, which waits for them, is not reached.
                        const set = step(steps, STATEFUL_SET, "nginx").after!;
                        for (const claim of stepsOfType(steps, CLAIM)) assert.ok(set.dependencies.includes(claim.urn));
                        return;
                    }
                    assertRecreatedKeepingPods(steps, "spec.volumeClaimTemplates");
                });

                it("touches nothing else: namespace, anchor and Services stay", () => {
                    const touched = changes(steps).map((candidate) => candidate.type);
                    assert.deepStrictEqual([...new Set(touched)].sort(), [CLAIM, STATEFUL_SET].sort());
                });

                it("applies the claims before the set, so a refused resize stops the update before the set changes", () => {
                    const set = step(steps, STATEFUL_SET, "nginx").after!;
                    for (const claim of stepsOfType(steps, CLAIM)) assert.ok(set.dependencies.includes(claim.urn));
                });
            });

        if (modelled)
            describe("a claim change that cannot be made", () => {
                it("a shrink stops at the claims' hook with one line, as the API server would refuse it", async () => {
                    const steps = planUpdate(
                        shipped.resources,
                        (await edited(stack, { storage: { ...app().storage, size: "512Mi" } })).resources,
                    );
                    for (const problem of hookProblems(stack, steps)) {
                        assert.match(
                            problem!,
                            /^stateful-nginx:app\.storage\.size: got 512Mi; claim nginx-persistent-storage-nginx-\d is 1Gi and a claim never shrinks; set 1Gi or more$/,
                        );
                    }
                    const [claim] = stepsOfType(steps, CLAIM);
                    assert.match(
                        claimUpdateRefusal(claim.before!, claim.after!, true, quantityValue)!,
                        /can not be less/,
                    );
                });

                it("a new class or access mode stops at the hook, before the set could be recreated with mixed claims", async () => {
                    for (const [storage, key] of [
                        [{ ...app().storage, storageClassName: "fast-ssd" }, "storageClassName"],
                        [{ ...app().storage, accessModes: ["ReadWriteOncePod"] }, "accessModes"],
                    ] as const) {
                        const steps = planUpdate(shipped.resources, (await edited(stack, { storage })).resources);
                        const set = step(steps, STATEFUL_SET, "nginx");
                        assert.strictEqual(set.op, "replace");
                        const problems = hookProblems(stack, steps);
                        assert.strictEqual(problems.length, app().replicas);
                        for (const problem of problems)
                            assert.match(problem!, new RegExp(`^stateful-nginx:app\\.storage\\.${key}: got `));
                        for (const claim of stepsOfType(steps, CLAIM)) {
                            assert.strictEqual(claim.op, "update", "a Patch resource is never replaced for its spec");
                            assert.match(
                                claimUpdateRefusal(claim.before!, claim.after!, true, quantityValue)!,
                                /immutable/,
                            );
                            assert.ok(set.after!.dependencies.includes(claim.urn));
                        }
                    }
                });
            });

        if (modelled)
            describe("podManagementPolicy", () => {
                it("recreates the set without stopping a pod, and leaves the claims alone", async () => {
                    const policy = app().podManagementPolicy === "Parallel" ? "OrderedReady" : "Parallel";
                    const steps = planUpdate(
                        shipped.resources,
                        (await edited(stack, { podManagementPolicy: policy })).resources,
                    );
                    assertRecreatedKeepingPods(steps, "spec.podManagementPolicy");
                    assert.deepStrictEqual(
                        changes(steps).map((candidate) => candidate.type),
                        [STATEFUL_SET],
                    );
                });
            });

        if (modelled)
            describe("pulumi destroy", () => {
                it("stops the pods through the anchor: the set's own delete is skipped, the anchor goes in the foreground", () => {
                    const steps = planDestroy(shipped.resources);
                    const anchor = step(steps, ANCHOR, "nginx-lifecycle");
                    assert.deepStrictEqual(step(steps, STATEFUL_SET, "nginx").deletion, {
                        kind: "deleted with",
                        urn: anchor.urn,
                    });
                    assert.deepStrictEqual(anchor.deletion, { kind: "deleted", propagation: "Foreground" });
                    const owner = metadataOf(step(steps, STATEFUL_SET, "nginx").before!).ownerReferences[0];
                    assert.strictEqual(owner.name, metadataOf(anchor.before!).name);
                    assert.strictEqual(owner.blockOwnerDeletion, true);
                });

                // The cluster is in the stack: destroying it takes the namespace and claims with it. What stays is
                // each claim's EBS volume, which the gp3 class retains (docs/operations.md: getting them back).
                it("deletes the EKS cluster with the stack, and keeps the volumes through the class's Retain", () => {
                    const steps = planDestroy(shipped.resources);
                    const cluster = steps.find((s) => s.type === "eks:index:Cluster");
                    assert.strictEqual(cluster?.op, "delete");
                    assert.notStrictEqual(cluster?.before?.options.retainOnDelete, true);
                    const classes = shipped.resources.filter(
                        (r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass",
                    );
                    assert.deepStrictEqual(
                        classes.map((c) => (c.inputs as { reclaimPolicy?: string }).reclaimPolicy),
                        ["Retain"],
                    );
                });
            });

        describe("createNamespace", () => {
            it("false -> true on an existing namespace takes it over instead of AlreadyExists", async () => {
                const without = await edited(stack, { createNamespace: false });
                const inCluster = new Set([`Namespace /${app().namespace}`]);
                const steps = planUpdate(without.resources, shipped.resources);
                assert.strictEqual(step(steps, NAMESPACE, "nginx").op, "create");
                assert.deepStrictEqual(alreadyExists(steps, inCluster), []);
            });

            it("never deletes the namespace, whatever the sequence of edits", async () => {
                const runs = [shipped, await edited(stack, { createNamespace: false })];
                for (const from of runs) {
                    for (const to of runs) {
                        for (const candidate of [
                            ...planUpdate(from.resources, to.resources),
                            ...planDestroy(to.resources),
                        ]) {
                            if (candidate.type !== NAMESPACE || !candidate.deletion) continue;
                            assert.deepStrictEqual(candidate.deletion, { kind: "retained" });
                        }
                    }
                }
            });
        });

        describe("app.name or app.namespace renamed", () => {
            for (const rename of modelled ? [{ name: "web" }, { namespace: "web" }] : [{ namespace: "web" }]) {
                it(`${Object.keys(rename)[0]}: frees fixed ports and addresses before the new Services take them`, async () => {
                    const steps = planUpdate(shipped.resources, (await edited(stack, rename)).resources);
                    let fixedCount = 0;
                    for (const service of stepsOfType(steps, SERVICE).filter(
                        (s) => metadataOf(s.before!).name !== undefined,
                    )) {
                        const moved = objectKey(service.after!) !== objectKey(service.before!);
                        assert.strictEqual(service.op, moved ? "replace" : service.op, service.name);
                        const fixed =
                            specOf(service.after!).ports?.some((port: any) => port.nodePort !== undefined) ||
                            metadataOf(service.after!).annotations?.["metallb.io/loadBalancerIPs"] !== undefined;
                        if (fixed) assert.strictEqual(service.deleteBeforeReplace, true, service.name);
                        if (fixed) fixedCount++;
                    }
                    // dev pins node port 30080 and a MetalLB address.
                    if (stack === "dev") assert.strictEqual(fixedCount, 2);
                });

                it(`${Object.keys(rename)[0]}: moves to new, empty claims and keeps the old ones`, async () => {
                    const steps = planUpdate(shipped.resources, (await edited(stack, rename)).resources);
                    for (const claim of stepsOfType(steps, CLAIM)) {
                        assert.strictEqual(claim.op, "replace");
                        assert.notStrictEqual(objectKey(claim.after!), objectKey(claim.before!));
                        assert.deepStrictEqual(claim.deletion, { kind: "retained" });
                    }
                    // The old set goes with its old anchor (its pods stop); the namespace is never deleted.
                    const anchor = step(steps, ANCHOR, "nginx-lifecycle");
                    assert.strictEqual(anchor.op, "replace");
                    assert.deepStrictEqual(step(steps, STATEFUL_SET, "nginx").deletion, {
                        kind: "deleted with",
                        urn: anchor.urn,
                    });
                });
            }
        });

        if (modelled)
            describe("an image change (a bad tag, then the revert)", () => {
                it("updates the set in place: a rolling update, never a recreation", async () => {
                    const steps = planUpdate(
                        shipped.resources,
                        (await edited(stack, { image: "nginxinc/nginx-unprivileged:9.9.9-missing" })).resources,
                    );
                    const set = step(steps, STATEFUL_SET, "nginx");
                    assert.strictEqual(set.op, "update");
                    assert.deepStrictEqual(specOf(set.after!).updateStrategy.type, "RollingUpdate");
                    assert.deepStrictEqual(
                        changes(steps).map((candidate) => candidate.type),
                        [STATEFUL_SET],
                    );
                });
            });

        describe("Services and the platform", () => {
            it("makes every Service with a selector wait for what the StatefulSet waits for on the platform", () => {
                const set = shipped.get(STATEFUL_SET, "nginx");
                const [workload] = shipped.ofType("stateful-nginx:workload:NginxStatefulSet");
                const platform = set.dependencies.filter((urn) => shipped.byUrn(urn).parent !== workload.urn);
                // EKS: node group, storage addon and class; bare metal's target has none.
                if (stack === "prod") assert.ok(platform.length >= 3, platform.join(", "));
                for (const service of shipped.ofType(SERVICE).filter((candidate) => specOf(candidate).selector)) {
                    for (const urn of platform)
                        assert.ok(service.dependencies.includes(urn), `${service.name} -> ${urn}`);
                }
            });
        });
    });
}

describe("day 2 on EKS: a change of eks.tags", function () {
    this.timeout(120000);
    const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
    const ADDON = "aws:eks/addon:Addon";
    let steps: Step[];

    before(async () => {
        const shipped = await runStack("prod");
        const eks = stackBlock("prod", "eks");
        const retagged = await runStack("prod", {
            "stateful-nginx:eks": { ...eks, tags: { ...eks.tags, costCenter: "4242" } },
        });
        steps = planUpdate(shipped.resources, retagged.resources);
    });

    it("replaces neither the StorageClass nor the StatefulSet, nor any claim", () => {
        assert.strictEqual(step(steps, STORAGE_CLASS, "eks-storage-gp3").op, "same");
        assert.strictEqual(step(steps, STATEFUL_SET, "nginx").op, "same");
        for (const claim of stepsOfType(steps, CLAIM)) assert.strictEqual(claim.op, "same", claim.name);
        assert.deepStrictEqual(
            steps.filter((candidate) => candidate.op === "replace").map((candidate) => candidate.name),
            [],
        );
    });

    it("updates the EBS CSI addon in place, whose driver tags the volumes it creates from then on", () => {
        const addon = stepsOfType(steps, ADDON).find(
            (candidate) => (candidate.after!.inputs as any).addonName === "aws-ebs-csi-driver",
        )!;
        assert.strictEqual(addon.op, "update");
        const values = JSON.parse((addon.after!.inputs as any).configurationValues);
        assert.strictEqual(values.controller.extraVolumeTags.costCenter, "4242");
    });
});

describe("day 2 on bare metal: the LoadBalancer Service", function () {
    this.timeout(120000);
    const services = () => stackBlock("dev", "services");

    it("replaces the Service when its fixed address changes, so up waits for an ingress with the new one", async () => {
        const before = await runStack("dev");
        // The new address moves with its pool of fixed addresses (autoAssign: false).
        const metallb = stackBlock("dev", "metallb");
        const pools = metallb.pools.map((pool: Record<string, unknown>) =>
            pool.name === "fixed" ? { ...pool, addresses: ["172.18.255.201/32"] } : pool,
        );
        const defaultPool = pools.find((pool: Record<string, unknown>) => pool.name === "default-pool");
        defaultPool.addresses = ["172.18.255.202-172.18.255.250"];
        const after = await runStack("dev", {
            "stateful-nginx:metallb": { ...metallb, pools },
            "stateful-nginx:services": {
                ...services(),
                loadBalancer: { ...services().loadBalancer, addresses: ["172.18.255.201"] },
            },
        });
        const lb = step(planUpdate(before.resources, after.resources), SERVICE, "nginx-services-lb");
        assert.strictEqual(lb.op, "replace");
        assert.deepStrictEqual(lb.replaceKeys, ["replacementTrigger"]);
        assert.strictEqual(lb.deleteBeforeReplace, true);
        assert.strictEqual(after.outputs.loadBalancerAddress, "172.18.255.201");
    });

    it("creates LoadBalancer exposures after the main LoadBalancer Service, asking for none of its fixed pool", async () => {
        const run = await edited(
            "dev",
            {},
            { exposures: [{ name: "nginx-lb2", from: "clusterip", type: "LoadBalancer" }] },
        );
        const main = run.get(SERVICE, "nginx-services-lb");
        const exposure = run.get(SERVICE, "nginx-services-expose-nginx-lb2");
        assert.ok(run.dependsOn(exposure, main));
        // dev's fixed address is the only one of pool `fixed` (autoAssign: false): the copy must not ask for it.
        const annotations = metadataOf(exposure).annotations ?? {};
        assert.strictEqual(annotations["metallb.io/address-pool"], undefined);
        assert.strictEqual(annotations["metallb.io/loadBalancerIPs"], undefined);
    });
});
