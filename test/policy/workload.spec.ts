import { strict as assert } from "assert";
import {
    imageTag,
    movingTag,
    workloadImagePinned,
    workloadProbes,
    workloadReadOnlyRootFs,
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

    it("tells a tag that names one release from one that moves", () => {
        for (const tag of ["1.29.3", "1.29.3-alpine", "v2.1.0", "1.37.0", "1.29.3-alpine3.22-slim"]) {
            assert.equal(movingTag(tag), undefined, tag);
        }
        for (const [tag, reason] of [
            [undefined, /no tag, so it means latest/],
            ["latest", /latest tag/],
            ["stable", /names no version/],
            ["mainline", /names no version/],
            ["alpine", /names no version/],
            ["stable-alpine", /names no version/],
            ["1", /a major version line/],
            ["v1", /a major version line/],
            ["1.29", /a major.minor version line/],
            ["1.29-alpine", /a major.minor version line/],
        ] as const) {
            assert.match(movingTag(tag) ?? "(pinned)", reason, String(tag));
        }
    });

    it("passes a full version tag and a digest, whatever tag goes with it", async () => {
        assert.ok(await applies(workloadImagePinned, [statefulSet()]));
        assert.deepEqual(await violations(workloadImagePinned, [statefulSet()]), []);
        for (const image of [`nginx@sha256:${"b".repeat(64)}`, `nginx:stable@sha256:${"b".repeat(64)}`]) {
            const digest = setWith((pod) => (pod.containers[0].image = image));
            assert.deepEqual(await violations(workloadImagePinned, digest), [], image);
        }
    });

    it("catches nginx:stable, other moving tags, no tag, a registry port mistaken for a tag and no image", async () => {
        for (const [image, pattern] of [
            [
                "nginx:stable",
                /container nginx image nginx:stable \(spec.template.spec.containers\[0\].image\) uses the tag stable, which names no version/,
            ],
            ["nginx:mainline", /uses the tag mainline/],
            ["nginx:alpine", /uses the tag alpine/],
            ["nginx:1", /uses the tag 1, a major version line/],
            ["nginx:1.29", /uses the tag 1.29, a major.minor version line/],
            ["nginx:latest", /uses the latest tag/],
            ["nginx", /has no tag/],
            ["registry.local:5000/nginx", /has no tag/],
            [undefined, /names no image \(spec.template.spec.containers\[0\].image\)/],
        ] as const) {
            const stack = setWith((pod) => (pod.containers[0].image = image));
            const found = await violations(workloadImagePinned, stack);
            assert.equal(found.length, 1, String(image));
            assert.match(found[0].message, /^StatefulSet stateful-nginx\/nginx: container nginx /, String(image));
            assert.match(found[0].message, pattern, String(image));
        }
    });

    it("judges init and ephemeral containers too", async () => {
        const stack = setWith((pod) => {
            pod.initContainers[0].image = "busybox:stable";
            pod.ephemeralContainers = [{ name: "debug", image: "busybox" }];
        });
        const text = messages(await violations(workloadImagePinned, stack));
        assert.match(
            text,
            /init container write-page image busybox:stable \(spec.template.spec.initContainers\[0\].image\)/,
        );
        assert.match(
            text,
            /ephemeral container debug image busybox \(spec.template.spec.ephemeralContainers\[0\].image\)/,
        );
    });

    it("requires a digest where configured", async () => {
        const found = await violations(workloadImagePinned, [statefulSet()], { requireDigest: true });
        assert.equal(found.length, 2);
        assert.match(found[0].message, /has no @sha256 digest/);
    });
});

describe("policy workload-read-only-root-fs", () => {
    it("passes containers on a read-only root filesystem", async () => {
        assert.ok(await applies(workloadReadOnlyRootFs, [statefulSet()]));
        assert.deepEqual(await violations(workloadReadOnlyRootFs, [statefulSet()]), []);
    });

    it("catches a writable root filesystem, naming the container and the field", async () => {
        const stack = setWith((pod) => {
            delete pod.initContainers[0].securityContext.readOnlyRootFilesystem;
            pod.containers[0].securityContext.readOnlyRootFilesystem = false;
        });
        const found = await violations(workloadReadOnlyRootFs, stack);
        assert.equal(found.length, 2);
        assert.match(
            messages(found),
            /init container write-page has a writable root filesystem \(spec.template.spec.initContainers\[0\].securityContext.readOnlyRootFilesystem is not true\)/,
        );
        assert.match(messages(found), /container nginx has a writable root filesystem/);
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
            messages(await violations(workloadReadOnlyRootFs, [cronJob])),
            /CronJob stateful-nginx\/backup: container backup .*spec.jobTemplate.spec.template.spec.containers\[0\]/,
        );
        assert.match(
            messages(await violations(workloadReadOnlyRootFs, [pod])),
            /Pod debug: container shell .*\(spec.containers\[0\]/,
        );
    });
});
