import { strict as assert } from "assert";
import {
    imageTag,
    workloadImagePinned,
    workloadNonRoot,
    workloadProbes,
    workloadResources,
} from "../../policy/policies/workload-pods";
import { applies, change, podTemplate, resource, statefulSet, violations } from "./fixtures";

const messages = (found: { message: string }[]) => found.map((violation) => violation.message).join("\n");

/** The set with its pod template edited: `pod` is spec.template.spec. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setWith(edit: (pod: any) => void) {
    return change([statefulSet()], "nginx", (inputs) => edit(inputs.spec.template.spec));
}

function deployment(namespace: string) {
    const template = podTemplate() as { spec: { containers: Record<string, unknown>[] } };
    template.spec.containers[0] = { name: "speaker", image: "quay.io/metallb/speaker:latest" };
    return resource("kubernetes:apps/v1:Deployment", "speaker", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "speaker", namespace },
        spec: { template },
    });
}

describe("policy workload-probes", () => {
    it("passes containers with readiness and a more patient liveness probe", async () => {
        assert.ok(await applies(workloadProbes, [statefulSet()]));
        assert.deepEqual(await violations(workloadProbes, [statefulSet()]), []);
    });

    it("catches a container without a readiness probe", async () => {
        const stack = setWith((pod) => delete pod.containers[0].readinessProbe);
        assert.match(messages(await violations(workloadProbes, stack)), /container nginx has no readinessProbe/);
    });

    it("catches a missing liveness probe unless the config lets it go", async () => {
        const stack = setWith((pod) => delete pod.containers[0].livenessProbe);
        assert.match(messages(await violations(workloadProbes, stack)), /has no livenessProbe/);
        assert.deepEqual(await violations(workloadProbes, stack, { requireLiveness: false }), []);
    });

    it("catches a liveness probe identical to the readiness probe", async () => {
        const stack = setWith((pod) => (pod.containers[0].livenessProbe = pod.containers[0].readinessProbe));
        assert.match(messages(await violations(workloadProbes, stack)), /identical liveness and readiness probes/);
    });

    it("leaves Jobs and excluded namespaces alone", async () => {
        const job = resource("kubernetes:batch/v1:Job", "check", {
            kind: "Job",
            metadata: { namespace: "stateful-nginx" },
            spec: { template: { spec: { containers: [{ name: "check", image: "busybox:1.37" }] } } },
        });
        assert.equal(await applies(workloadProbes, [job]), false);
        assert.deepEqual(await violations(workloadProbes, [deployment("metallb-system")]), []);
        assert.ok((await violations(workloadProbes, [deployment("apps")])).length > 0);
    });
});

describe("policy workload-resources", () => {
    it("passes containers with requests and a memory limit", async () => {
        assert.deepEqual(await violations(workloadResources, [statefulSet()], { requireCpuLimit: true }), []);
    });

    it("catches missing requests and limits, naming each field, on init containers too", async () => {
        const stack = setWith((pod) => {
            delete pod.initContainers[0].resources;
            delete pod.containers[0].resources.limits.memory;
        });
        const found = await violations(workloadResources, stack);
        assert.equal(found.length, 2);
        assert.match(
            messages(found),
            /init container write-page sets no resources.requests.cpu, resources.requests.memory/,
        );
        assert.match(messages(found), /container nginx sets no resources.limits.memory/);
    });

    it("requires a CPU limit only where configured", async () => {
        const stack = setWith((pod) => delete pod.containers[0].resources.limits.cpu);
        assert.deepEqual(await violations(workloadResources, stack), []);
        assert.match(
            messages(await violations(workloadResources, stack, { requireCpuLimit: true })),
            /resources.limits.cpu/,
        );
    });
});

describe("policy workload-image-pinned", () => {
    it("reads the tag of an image reference, not a registry port", () => {
        assert.equal(imageTag("nginx"), undefined);
        assert.equal(imageTag("nginx:1.29"), "1.29");
        assert.equal(imageTag("registry.local:5000/team/nginx"), undefined);
        assert.equal(imageTag("registry.local:5000/team/nginx:1.29@sha256:" + "a".repeat(64)), "1.29");
    });

    it("passes a version tag and a digest", async () => {
        assert.deepEqual(await violations(workloadImagePinned, [statefulSet()]), []);
        const digest = setWith((pod) => (pod.containers[0].image = `nginx@sha256:${"b".repeat(64)}`));
        assert.deepEqual(await violations(workloadImagePinned, digest), []);
    });

    it("catches latest, a missing tag, a registry port mistaken for a tag and a missing image", async () => {
        for (const [image, pattern] of [
            ["nginx:latest", /uses the latest tag/],
            ["nginx", /has no tag/],
            ["registry.local:5000/nginx", /has no tag/],
            [undefined, /names no image/],
        ] as const) {
            const stack = setWith((pod) => (pod.containers[0].image = image));
            assert.match(messages(await violations(workloadImagePinned, stack)), pattern, String(image));
        }
    });

    it("requires a digest where configured", async () => {
        const found = await violations(workloadImagePinned, [statefulSet()], { requireDigest: true });
        assert.equal(found.length, 2);
        assert.match(found[0].message, /has no @sha256 digest/);
    });
});

describe("policy workload-non-root", () => {
    it("passes the restricted settings, runAsNonRoot from the pod or the container", async () => {
        assert.deepEqual(await violations(workloadNonRoot, [statefulSet()]), []);
        const fromContainer = setWith((pod) => {
            delete pod.securityContext;
            pod.initContainers[0].securityContext.runAsUser = 101;
        });
        assert.deepEqual(await violations(workloadNonRoot, fromContainer), []);
    });

    it("catches root, privilege escalation, privileged and a writable root filesystem", async () => {
        const stack = setWith((pod) => {
            pod.securityContext = {};
            delete pod.initContainers[0].securityContext.runAsNonRoot;
            pod.containers[0].securityContext = { privileged: true, runAsUser: 0 };
        });
        const found = await violations(workloadNonRoot, stack);
        const text = messages(found);
        assert.match(text, /container nginx runs as user 0/);
        assert.match(text, /is privileged/);
        assert.match(text, /allows privilege escalation/);
        assert.match(text, /has a writable root filesystem/);
        assert.match(text, /init container write-page may run as root/);
    });

    it("does not let a pod-level runAsNonRoot hide a container's runAsUser 0", async () => {
        const stack = setWith((pod) => (pod.containers[0].securityContext.runAsUser = 0));
        assert.match(messages(await violations(workloadNonRoot, stack)), /runs as user 0/);
    });

    it("reads pods and CronJobs' templates too", async () => {
        const cronJob = resource("kubernetes:batch/v1:CronJob", "backup", {
            kind: "CronJob",
            metadata: { name: "backup", namespace: "stateful-nginx" },
            spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "backup", image: "b:1" }] } } } } },
        });
        const pod = resource("kubernetes:core/v1:Pod", "debug", {
            kind: "Pod",
            metadata: { name: "debug" },
            spec: { containers: [{ name: "shell", image: "busybox:1.37" }] },
        });
        assert.match(
            messages(await violations(workloadNonRoot, [cronJob])),
            /CronJob stateful-nginx\/backup: container backup/,
        );
        assert.match(messages(await violations(workloadNonRoot, [pod])), /Pod debug: container shell/);
    });
});
