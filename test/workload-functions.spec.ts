/**
 * The workload's decisions that need no Pulumi: labels, selector, namespace lifecycle, annotations, DNS
 * names and the page script.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appSchema, quantityValue } from "../config/app";
import { claimChangeProblem, claimSpecOf, storageExpandable } from "../components/workload/storage";
import {
    claimNames,
    lifecycleAnchorName,
    nginxPodTemplate,
    namespacePlan,
    pageScript,
    podDnsNames,
    recommendedLabels,
    selectorLabels,
    statefulSetAnnotations,
} from "../components/workload";

describe("workload labels", () => {
    it("are the recommended app.kubernetes.io set", () => {
        assert.deepStrictEqual(recommendedLabels("nginx"), {
            "app.kubernetes.io/name": "nginx",
            "app.kubernetes.io/instance": "nginx",
            "app.kubernetes.io/component": "web",
            "app.kubernetes.io/part-of": "stateful-nginx",
            "app.kubernetes.io/managed-by": "pulumi",
        });
    });

    it("name the instance after the StatefulSet and the component after the object's role", () => {
        const labels = recommendedLabels("web", "headless-service");
        assert.strictEqual(labels["app.kubernetes.io/instance"], "web");
        assert.strictEqual(labels["app.kubernetes.io/component"], "headless-service");
    });

    it("select pods by name and instance only, the labels that never change", () => {
        assert.deepStrictEqual(selectorLabels(recommendedLabels("nginx")), {
            "app.kubernetes.io/name": "nginx",
            "app.kubernetes.io/instance": "nginx",
        });
    });

    it("select the same pods whatever the object's component is", () => {
        assert.deepStrictEqual(
            selectorLabels(recommendedLabels("nginx", "web")),
            selectorLabels(recommendedLabels("nginx", "storage")),
        );
    });

    it("refuse to build a selector from labels without an instance", () => {
        assert.throws(
            () => selectorLabels({ "app.kubernetes.io/name": "nginx" }),
            /no app.kubernetes.io\/instance to select pods by/,
        );
    });
});

describe("workload namespace plan", () => {
    const app = (overrides: object) => appSchema.parse(overrides);

    it("applies the namespace by default (created if missing, taken over if there)", () => {
        assert.deepStrictEqual(namespacePlan(app({})), { apply: true });
    });

    it("never applies default or the kube-* namespaces", () => {
        for (const namespace of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
            assert.deepStrictEqual(namespacePlan(app({ namespace })), { apply: false });
        }
    });

    it("leaves an existing namespace alone when told not to create it", () => {
        assert.deepStrictEqual(namespacePlan(app({ createNamespace: false })), { apply: false });
    });
});

describe("workload annotations", () => {
    it("always orphan the pods when the set itself is deleted (a replacement)", () => {
        assert.deepStrictEqual(statefulSetAnnotations({ partition: 0 }), {
            "pulumi.com/deletionPropagationPolicy": "orphan",
        });
    });

    it("stop Pulumi waiting for a rollout that a partition holds back", () => {
        assert.deepStrictEqual(statefulSetAnnotations({ partition: 2 }), {
            "pulumi.com/deletionPropagationPolicy": "orphan",
            "pulumi.com/skipAwait": "true",
        });
    });
});

describe("workload claims and lifecycle anchor", () => {
    it("name each ordinal's claim as the StatefulSet controller does", () => {
        assert.deepStrictEqual(claimNames("web", 3), [
            "nginx-persistent-storage-web-0",
            "nginx-persistent-storage-web-1",
            "nginx-persistent-storage-web-2",
        ]);
    });

    it("name the anchor after the app", () => {
        assert.strictEqual(lifecycleAnchorName("web"), "web-lifecycle");
    });
});

describe("claim changes", () => {
    const claim = (size: string, storageClassName = "gp3", accessModes = ["ReadWriteOnce"]) => ({
        size,
        storageClassName,
        accessModes,
    });

    it("let a claim grow where the class allows expansion, or where that is not known", () => {
        assert.strictEqual(claimChangeProblem("c-0", claim("1Gi"), claim("2Gi"), true), undefined);
        assert.strictEqual(claimChangeProblem("c-0", claim("1Gi"), claim("2Gi"), undefined), undefined);
        assert.strictEqual(claimChangeProblem("c-0", claim("1Gi"), claim("1024Mi"), false), undefined);
    });

    it("stop growth on a class that cannot expand, naming the key, the class and what to do", () => {
        assert.strictEqual(
            claimChangeProblem("c-0", claim("1Gi", "standard"), claim("2Gi", "standard"), false),
            "stateful-nginx:app.storage.size: got 2Gi; storage class standard does not allow volume expansion, so claim c-0 stays 1Gi; set 1Gi back, or move the data to new volumes (docs/operations.md, renaming)",
        );
    });

    it("stop a shrink whatever the class", () => {
        assert.strictEqual(
            claimChangeProblem("c-0", claim("2Gi"), claim("1500Mi"), true),
            "stateful-nginx:app.storage.size: got 1500Mi; claim c-0 is 2Gi and a claim never shrinks; set 2Gi or more",
        );
    });

    it("stop a new class or access mode, which a bound claim never takes", () => {
        assert.match(
            claimChangeProblem("c-0", claim("1Gi"), claim("1Gi", "io2"), true)!,
            /^stateful-nginx:app\.storage\.storageClassName: got io2; claim c-0 is of class gp3/,
        );
        assert.match(
            claimChangeProblem("c-0", claim("1Gi"), claim("1Gi", "gp3", ["ReadWriteOncePod"]), true)!,
            /^stateful-nginx:app\.storage\.accessModes: got \["ReadWriteOncePod"\]/,
        );
    });

    it("read the spec from a claim's inputs", () => {
        assert.deepStrictEqual(
            claimSpecOf({
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: "gp3",
                    resources: { requests: { storage: "1Gi" } },
                },
            }),
            claim("1Gi"),
        );
        assert.strictEqual(claimSpecOf(undefined), undefined);
    });

    it("never take a value still unknown in a preview for a change", () => {
        const unknown = { unknown: true };
        const now = claimSpecOf({
            spec: { accessModes: [unknown], storageClassName: unknown, resources: { requests: { storage: "1Gi" } } },
        })!;
        assert.deepStrictEqual(now, { size: "1Gi", storageClassName: undefined, accessModes: undefined });
        assert.strictEqual(claimChangeProblem("c-0", claim("1Gi"), now, true), undefined);
    });

    it("take expandability from the stack, else from the platform for its own class only", () => {
        assert.strictEqual(storageExpandable({ allowsExpansion: false }, true), false);
        assert.strictEqual(storageExpandable({}, true), true);
        assert.strictEqual(storageExpandable({ storageClassName: "fast" }, true), undefined);
    });
});

describe("pod DNS names", () => {
    it("name every ordinal through the headless Service, in order", () => {
        assert.deepStrictEqual(podDnsNames("nginx", "nginx", "web", 3), [
            "nginx-0.nginx.web.svc.cluster.local",
            "nginx-1.nginx.web.svc.cluster.local",
            "nginx-2.nginx.web.svc.cluster.local",
        ]);
    });

    it("follow the replica count", () => {
        assert.deepStrictEqual(podDnsNames("web", "web", "ns", 1), ["web-0.web.ns.svc.cluster.local"]);
    });
});

describe("the page script", () => {
    let root: string;
    const run = (pod: string) =>
        execFileSync("sh", ["-c", pageScript(root)], {
            env: { PATH: process.env.PATH, POD_NAME: pod, POD_NAMESPACE: "stateful-nginx" },
            encoding: "utf8",
        });
    const page = () => fs.readFileSync(path.join(root, "index.html"), "utf8");

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "page-"));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("writes a page that names the pod to an empty volume", () => {
        run("nginx-1");
        assert.match(page(), /<title>nginx-1<\/title>/);
        assert.match(page(), /<h1>nginx-1<\/h1>/);
        assert.match(page(), /namespace stateful-nginx/);
    });

    it("keeps the page already on the volume: written once", () => {
        run("nginx-1");
        const first = page();
        assert.match(run("nginx-1"), /keeping the page/);
        assert.strictEqual(page(), first);
    });

    it("leaves nothing but the page behind", () => {
        run("nginx-0");
        assert.deepStrictEqual(fs.readdirSync(root), ["index.html"]);
    });
});

describe("the nginx pod template", () => {
    const labels = recommendedLabels("nginx");
    const selector = selectorLabels(labels);
    const spec = nginxPodTemplate({ labels, selector, app: appSchema.parse({}) }).spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    it("carries the labels it is given, the selector by reference in its scheduling terms", () => {
        const term = spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
        assert.strictEqual(term.labelSelector.matchLabels, selector);
        assert.strictEqual(spec.topologySpreadConstraints[0].labelSelector.matchLabels, selector);
    });

    it("runs the init container and nginx from the same image", () => {
        assert.strictEqual(spec.initContainers[0].image, spec.containers[0].image);
    });
});

describe("quantity values", () => {
    it("read milli, decimal and binary suffixes", () => {
        assert.strictEqual(quantityValue("250m"), 0.25);
        assert.strictEqual(quantityValue("2"), 2);
        assert.strictEqual(quantityValue("1.5k"), 1500);
        assert.strictEqual(quantityValue("128Mi"), 128 * 1024 * 1024);
        assert.strictEqual(quantityValue("1Gi"), 1024 ** 3);
    });

    it("order a request and a limit written with different suffixes", () => {
        assert.ok(quantityValue("1G") < quantityValue("1Gi"));
        assert.ok(quantityValue("500m") < quantityValue("1"));
    });
});
