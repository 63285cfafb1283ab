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
