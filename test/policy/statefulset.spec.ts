import { strict as assert } from "assert";
import {
    disruptionsAllowed,
    statefulSetDisruptionBudget,
    statefulSetHeadlessService,
} from "../../policy/policies/statefulset-identity";
import { statefulSetKeepsVolumes, statefulSetStorageClass } from "../../policy/policies/statefulset-storage";
import { applies, change, goodStack, service, statefulSet, violations } from "./fixtures";

const messages = (found: { message: string }[]) => found.map((violation) => violation.message).join("\n");

describe("policy statefulset-headless-service", () => {
    it("passes a set whose serviceName is a headless Service selecting its pods", async () => {
        assert.ok(await applies(statefulSetHeadlessService, goodStack()));
        assert.deepEqual(await violations(statefulSetHeadlessService, goodStack()), []);
    });

    it("catches a set without serviceName", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "StatefulSet") delete inputs.spec.serviceName;
        });
        assert.match(messages(await violations(statefulSetHeadlessService, stack)), /names no governing Service/);
    });

    it("catches a serviceName that names no Service of the stack", async () => {
        const stack = goodStack().filter((item) => !(item.type.endsWith(":Service") && item.name === "nginx"));
        assert.match(messages(await violations(statefulSetHeadlessService, stack)), /creates no Service of that name/);
    });

    it("catches a governing Service that has a cluster IP", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "Service") delete inputs.spec.clusterIP;
        });
        assert.match(messages(await violations(statefulSetHeadlessService, stack)), /is not headless/);
    });

    it("catches a governing Service whose selector misses the pods", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "Service") inputs.spec.selector = { app: "other" };
        });
        assert.match(messages(await violations(statefulSetHeadlessService, stack)), /does not match the pod labels/);
    });

    it("does not accept a Service of the same name in another namespace", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "Service") inputs.metadata.namespace = "elsewhere";
        });
        assert.equal((await violations(statefulSetHeadlessService, stack)).length, 1);
    });
});

describe("policy statefulset-keeps-volumes", () => {
    it("passes Retain on delete and scale-down, and unset fields (which mean Retain)", async () => {
        assert.deepEqual(await violations(statefulSetKeepsVolumes, goodStack()), []);
        const unset = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "StatefulSet") delete inputs.spec.persistentVolumeClaimRetentionPolicy;
        });
        assert.deepEqual(await violations(statefulSetKeepsVolumes, unset), []);
    });

    it("catches Delete on delete and on scale-down, one violation each", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "StatefulSet") {
                inputs.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete", whenScaled: "Delete" };
            }
        });
        const found = await violations(statefulSetKeepsVolumes, stack);
        assert.equal(found.length, 2);
        assert.match(messages(found), /whenDeleted: Delete/);
        assert.match(messages(found), /whenScaled: Delete/);
        assert.ok(found.every((violation) => violation.urn === stack[0].urn));
    });

    it("is not applicable to a set without claim templates", async () => {
        const stack = change([statefulSet()], "nginx", (inputs) => {
            delete inputs.spec.volumeClaimTemplates;
            inputs.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete" };
        });
        assert.equal(await applies(statefulSetKeepsVolumes, stack), false);
        assert.deepEqual(await violations(statefulSetKeepsVolumes, stack), []);
    });
});

describe("policy statefulset-storage-class", () => {
    it("passes a claim template whose class is in the allowed list", async () => {
        const found = await violations(statefulSetStorageClass, goodStack(), {
            allowedStorageClasses: ["standard", "local-path"],
        });
        assert.deepEqual(found, []);
    });

    it("catches a class outside the allowed list", async () => {
        const found = await violations(statefulSetStorageClass, goodStack(), { allowedStorageClasses: ["gp3"] });
        assert.equal(found.length, 1);
        assert.match(found[0].message, /uses storage class standard, which is not allowed here: use one of gp3/);
    });

    it("catches a claim template without a class, even when any class is allowed", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "StatefulSet") delete inputs.spec.volumeClaimTemplates[0].spec.storageClassName;
        });
        assert.match(messages(await violations(statefulSetStorageClass, stack)), /names no storage class/);
    });
});

describe("policy statefulset-disruption-budget", () => {
    it("passes a set whose pods a budget with maxUnavailable 1 selects", async () => {
        assert.ok(await applies(statefulSetDisruptionBudget, goodStack()));
        assert.deepEqual(await violations(statefulSetDisruptionBudget, goodStack()), []);
    });

    it("catches a set without a budget", async () => {
        const stack = goodStack().filter((item) => !item.type.endsWith(":PodDisruptionBudget"));
        assert.match(messages(await violations(statefulSetDisruptionBudget, stack)), /has no PodDisruptionBudget/);
    });

    it("catches a budget that selects other pods", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "PodDisruptionBudget") inputs.spec.selector = { matchLabels: { app: "other" } };
        });
        assert.match(messages(await violations(statefulSetDisruptionBudget, stack)), /has no PodDisruptionBudget/);
    });

    /** goodStack with the budget's minAvailable/maxUnavailable replaced by `budget`. */
    const withBudget = (budget: Record<string, unknown>) =>
        change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "PodDisruptionBudget") inputs.spec = { selector: inputs.spec.selector, ...budget };
        });

    it("computes disruptions allowed as the disruption controller does, percentages rounded up", () => {
        const table: [Record<string, unknown>, number, number | RegExp][] = [
            [{ maxUnavailable: 1 }, 3, 1],
            [{ maxUnavailable: "10%" }, 3, 1],
            [{ maxUnavailable: "50%" }, 3, 2],
            [{ maxUnavailable: "0%" }, 3, 0],
            [{ maxUnavailable: 5 }, 3, 3],
            [{ minAvailable: 2 }, 3, 1],
            [{ minAvailable: "66%" }, 3, 1],
            [{ minAvailable: "67%" }, 3, 0],
            [{ minAvailable: "90%" }, 3, 0],
            [{ minAvailable: "90%" }, 20, 2],
            [{ minAvailable: 3 }, 3, 0],
            [{}, 3, 0],
            [{ minAvailable: null, maxUnavailable: 1 }, 3, 1],
            [{ minAvailable: "90" }, 3, /minAvailable "90" is neither a non-negative integer nor a percentage/],
            [{ maxUnavailable: "150%" }, 3, /up to 100%/],
            [{ minAvailable: 1, maxUnavailable: 1 }, 3, /both set/],
        ];
        for (const [spec, replicas, expected] of table) {
            const allowed = disruptionsAllowed(spec, replicas);
            if (expected instanceof RegExp) assert.match(String(allowed), expected, JSON.stringify(spec));
            else assert.equal(allowed, expected, `${JSON.stringify(spec)} on ${replicas}`);
        }
    });

    it("passes percentages that still let one pod go", async () => {
        for (const budget of [{ minAvailable: "66%" }, { maxUnavailable: "10%" }, { minAvailable: 2 }]) {
            assert.deepEqual(
                await violations(statefulSetDisruptionBudget, withBudget(budget)),
                [],
                JSON.stringify(budget),
            );
        }
    });

    it("catches minAvailable 90% on 3 pods, which Kubernetes rounds up to all 3", async () => {
        const found = await violations(statefulSetDisruptionBudget, withBudget({ minAvailable: "90%" }));
        assert.equal(found.length, 1);
        assert.match(
            found[0].message,
            /^StatefulSet stateful-nginx\/nginx: PodDisruptionBudget stateful-nginx\/nginx allows no disruption: minAvailable: "90%" on 3 replicas is 3 pods \(Kubernetes rounds percentages up\), which leaves 0 disruptions allowed/,
        );
        assert.match(found[0].urn ?? "", /PodDisruptionBudget::nginx$/);
    });

    it("catches budgets that allow no disruption at all", async () => {
        for (const [budget, reason] of [
            [{ maxUnavailable: 0 }, /maxUnavailable: 0 on 3 replicas leaves 0 disruptions allowed/],
            [{ maxUnavailable: "0%" }, /maxUnavailable: "0%" on 3 replicas is 0 pods/],
            [{ minAvailable: 3 }, /minAvailable: 3 on 3 replicas leaves 0/],
            [{ minAvailable: "100%" }, /minAvailable: "100%" on 3 replicas is 3 pods/],
            [{}, /sets neither minAvailable nor maxUnavailable/],
        ] as const) {
            const found = messages(await violations(statefulSetDisruptionBudget, withBudget(budget)));
            assert.match(found, /allows no disruption/, JSON.stringify(budget));
            assert.match(found, reason, JSON.stringify(budget));
        }
    });

    it("catches a budget the API server would refuse", async () => {
        const found = await violations(statefulSetDisruptionBudget, withBudget({ minAvailable: "90" }));
        assert.match(
            messages(found),
            /is invalid: minAvailable "90" is neither a non-negative integer nor a percentage/,
        );
    });

    it("accepts a budget selecting by matchExpressions", async () => {
        const stack = change(goodStack(), "nginx", (inputs) => {
            if (inputs.kind === "PodDisruptionBudget") {
                inputs.spec.selector = {
                    matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["nginx"] }],
                };
            }
        });
        assert.deepEqual(await violations(statefulSetDisruptionBudget, stack), []);
    });

    it("is not applicable to a stack without StatefulSets", async () => {
        const stack = [service("alone", { type: "ExternalName", externalName: "db.dev.example.com" })];
        assert.equal(await applies(statefulSetDisruptionBudget, stack), false);
    });
});
