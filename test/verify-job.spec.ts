import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ClusterVerification, verificationJobName, verificationLibrary } from "../components/verify";
import { runProgram } from "../tools/mock-runtime";
import { metadataOf, RegisteredResource, runStack, specOf, StackRun } from "./helpers";

const JOB = "kubernetes:batch/v1:Job";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const COMPONENT = "stateful-nginx:verify:ClusterVerification";

/* eslint-disable @typescript-eslint/no-explicit-any */
function verificationJob(run: StackRun): RegisteredResource {
    const jobs = run.ofType(JOB).filter((job) => run.ancestors(job).some((parent) => parent.type === COMPONENT));
    assert.strictEqual(jobs.length, 1, `verification Jobs: ${jobs.map((job) => job.name).join(", ")}`);
    return jobs[0];
}

function podSpecOf(job: RegisteredResource): any {
    return specOf(job).template.spec;
}

/** The ConfigMap the Job mounts its scripts from. */
function scriptsOf(run: StackRun, job: RegisteredResource): RegisteredResource {
    const volume = podSpecOf(job).volumes.find((v: any) => v.name === "scripts");
    assert.ok(volume?.configMap, "the Job mounts a ConfigMap named scripts");
    return run.object(CONFIG_MAP, volume.configMap.name);
}

/** The run.sh the Job runs (`sh /verify/run.sh`, from the mounted ConfigMap). */
function scriptOf(run: StackRun, job: RegisteredResource): string {
    assert.deepStrictEqual(podSpecOf(job).containers[0].command, ["/bin/sh", "/verify/run.sh"]);
    return (scriptsOf(run, job).inputs as any).data["run.sh"];
}

/** The check names in the script, in order (`check '<name>' ...`). */
function checksOf(run: StackRun, job: RegisteredResource): string[] {
    return [...scriptOf(run, job).matchAll(/^check '([^']+)'/gm)].map((match) => match[1]);
}

describe("verification Job in the dev stack", () => {
    let dev: StackRun;
    let job: RegisteredResource;

    before(async function () {
        this.timeout(60000);
        dev = await runStack("dev");
        job = verificationJob(dev);
    });

    it("is on in dev, in the workload's namespace, and exported by name", () => {
        assert.strictEqual(metadataOf(job).namespace, "stateful-nginx");
        assert.match(metadataOf(job).name, /^nginx-verify-[0-9a-f]{8}$/);
        assert.strictEqual(dev.outputs.verificationJob, metadataOf(job).name);
    });

    it("is created after the StatefulSet and every Service it checks", () => {
        const set = dev.object("kubernetes:apps/v1:StatefulSet", "nginx");
        assert.ok(dev.dependsOn(job, set), "no dependency on the StatefulSet");
        for (const name of ["nginx", "nginx-clusterip", "nginx-nodeport", "nginx-lb", "database", "payments"]) {
            assert.ok(
                dev.dependsOn(job, dev.object("kubernetes:core/v1:Service", name)),
                `no dependency on Service ${name}`,
            );
        }
    });

    it("uses the platform's Kubernetes provider", () => {
        const set = dev.object("kubernetes:apps/v1:StatefulSet", "nginx");
        assert.ok(job.provider);
        assert.strictEqual(job.provider, set.provider);
    });

    it("runs the pinned image as non-root under the restricted pod security profile", () => {
        const pod = podSpecOf(job);
        const [container] = pod.containers;
        assert.strictEqual(container.image, "busybox:1.37.0");
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.ok(pod.securityContext.runAsUser > 0);
        assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.strictEqual(container.securityContext.allowPrivilegeEscalation, false);
        assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.ok(container.resources.limits.memory && container.resources.limits.cpu);
    });

    it("gives the NodePort check its node's address through the downward API", () => {
        const [container] = podSpecOf(job).containers;
        assert.deepStrictEqual(container.env.find((variable: any) => variable.name === "NODE_IP")?.valueFrom, {
            fieldRef: { fieldPath: "status.hostIP" },
        });
    });

    it("fails fast and stays in the cluster: small backoffLimit, no TTL, replaced when unready", () => {
        const spec = specOf(job);
        assert.ok(spec.backoffLimit >= 0 && spec.backoffLimit <= 2, `backoffLimit ${spec.backoffLimit}`);
        assert.strictEqual(spec.ttlSecondsAfterFinished, undefined);
        assert.strictEqual(spec.template.spec.restartPolicy, "Never");
        assert.strictEqual(metadataOf(job).annotations["pulumi.com/replaceUnready"], "true");
        const failJob = spec.podFailurePolicy.rules.find((rule: any) => rule.action === "FailJob");
        assert.deepStrictEqual(failJob.onExitCodes.values, [1]);
    });

    it("is not selected by any Service of the workload", () => {
        const labels: Record<string, string> = specOf(job).template.metadata.labels;
        for (const service of dev.ofType("kubernetes:core/v1:Service")) {
            const selector: Record<string, string> | undefined = specOf(service).selector;
            if (!selector) continue;
            const selects = Object.entries(selector).every(([key, value]) => labels[key] === value);
            assert.ok(!selects, `Service ${metadataOf(service).name} selects the verification pod`);
        }
    });

    it("checks every pod, the headless name, each Service and each ExternalName of the dev stack", () => {
        assert.deepStrictEqual(checksOf(dev, job), [
            "pod-dns nginx-0",
            "pod-dns nginx-1",
            "pod-dns nginx-2",
            "headless-dns nginx",
            "clusterip nginx-clusterip",
            "nodeport nginx-nodeport",
            "loadbalancer nginx-lb",
            "externalname database",
            "externalname payments",
        ]);
        const script = scriptOf(dev, job);
        assert.ok(script.includes("'http://nginx-0.nginx.stateful-nginx.svc.cluster.local:8080/'"));
        assert.ok(script.includes("node_serves '30080'"));
        assert.ok(script.includes("'http://172.18.255.200:80/'"));
        assert.ok(script.includes("'database.stateful-nginx.svc.cluster.local.' 'db.dev.example.com'"));
    });

    it("mounts its scripts read-only from an immutable ConfigMap named like the Job", () => {
        const scripts = scriptsOf(dev, job);
        assert.strictEqual(metadataOf(scripts).name, metadataOf(job).name);
        assert.strictEqual(metadataOf(scripts).namespace, "stateful-nginx");
        assert.strictEqual(scripts.inputs.immutable, true);
        assert.strictEqual((scripts.inputs as any).data["checks.sh"], verificationLibrary());
        assert.match((scripts.inputs as any).data["run.sh"], /^\. "\$\(dirname "\$0"\)\/checks\.sh"$/m);
        assert.deepStrictEqual(podSpecOf(job).containers[0].volumeMounts, [
            { name: "scripts", mountPath: "/verify", readOnly: true },
        ]);
        assert.ok(dev.dependsOn(job, scripts), "the Job waits for its ConfigMap");
    });

    it("validates as a batch/v1 Job (and the validation would catch a wrong field)", () => {
        const broken = new Job({ spec: { backoffLimit: "one" } as any });
        assert.throws(() => broken.validate());
        const manifest = new Job(job.inputs as any);
        assert.doesNotThrow(() => manifest.validate());
    });
});

describe("verification Job across stacks and config changes", () => {
    it("is off in prod", async function () {
        this.timeout(60000);
        const prod = await runStack("prod");
        assert.deepStrictEqual(
            prod.resources.filter((resource) => resource.type === COMPONENT),
            [],
        );
        assert.strictEqual(prod.outputs.verificationJob, undefined);
    });

    it("gets a new name, and so runs again, when the checks or the workload change", async function () {
        this.timeout(90000);
        // One after another: the runs share one mock runtime.
        const base = verificationJob(await runStack("dev"));
        const scaledRun = await runStack("dev", {
            "stateful-nginx:app": { name: "nginx", namespace: "stateful-nginx", replicas: 2 },
        });
        const scaled = verificationJob(scaledRun);
        const other = verificationJob(
            await runStack("dev", { "stateful-nginx:verify": { enabled: true, image: "busybox:1.36.1" } }),
        );
        assert.deepStrictEqual(
            checksOf(scaledRun, scaled).filter((name) => name.startsWith("pod-dns")),
            ["pod-dns nginx-0", "pod-dns nginx-1"],
        );
        const names = [base, scaled, other].map((job) => metadataOf(job).name);
        assert.strictEqual(new Set(names).size, 3, names.join(", "));
        assert.strictEqual(podSpecOf(other).containers[0].image, "busybox:1.36.1");
    });

    it("derives the name from the script, image and revision only", () => {
        const name = verificationJobName("nginx-verify", "script", "busybox:1.37.0", "r1");
        assert.strictEqual(verificationJobName("nginx-verify", "script", "busybox:1.37.0", "r1"), name);
        assert.notStrictEqual(verificationJobName("nginx-verify", "script 2", "busybox:1.37.0", "r1"), name);
        assert.notStrictEqual(verificationJobName("nginx-verify", "script", "busybox:1.37.0", "r2"), name);
        assert.throws(() => verificationJobName("x".repeat(60), "script", "busybox:1.37.0"), /at most 54/);
    });
});

describe("ClusterVerification on its own", () => {
    let run: Awaited<ReturnType<typeof runProgram>>;

    before(async function () {
        this.timeout(60000);
        run = await runProgram(
            async () => {
                const set = new k8s.apps.v1.StatefulSet("web", {
                    metadata: { name: "web", namespace: "shop" },
                    spec: { selector: { matchLabels: { app: "web" } }, serviceName: "web", template: {} },
                });
                const verification = new ClusterVerification("web-verify", {
                    namespace: "shop",
                    statefulSetName: "web",
                    headlessServiceName: "web",
                    replicas: 2,
                    podPort: 8080,
                    loadBalancer: { name: "web-lb", address: pulumi.output(undefined), port: 80 },
                    image: "busybox:1.37.0",
                    waitFor: [set],
                });
                return { jobName: verification.jobName, script: verification.script };
            },
            { stack: "unit", config: {} },
        );
    });

    it("registers one Job under the component, named after it, depending on what it waits for", () => {
        const component = run.resources.find((resource) => resource.type === COMPONENT);
        const job = run.resources.find((resource) => resource.type === JOB);
        const set = run.resources.find((resource) => resource.type === "kubernetes:apps/v1:StatefulSet");
        assert.ok(component && job && set);
        assert.strictEqual(job.parent, component.urn);
        assert.strictEqual(job.name, "web-verify");
        assert.ok(job.dependencies.includes(set.urn));
        assert.match(String(run.outputs.jobName), /^web-verify-[0-9a-f]{8}$/);
    });

    it("leaves out the Service checks it was not given, and the LoadBalancer without an address", () => {
        const script = String(run.outputs.script);
        const checks = [...script.matchAll(/^check '([^']+)'/gm)].map((match) => match[1]);
        assert.deepStrictEqual(checks, ["pod-dns web-0", "pod-dns web-1", "headless-dns web"]);
        assert.ok(!script.includes("loadbalancer"));
    });
});
