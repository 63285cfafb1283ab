/**
 * The NginxStatefulSet under the mock harness: for both shipped stacks, and for a target built here so its
 * storage class and readiness dependencies are known.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { NginxStatefulSet } from "../components/workload";
import type { ClusterTarget } from "../components/target";
import { appSchema } from "../config/app";
import { ConfigError, parseConfig } from "../config";
import { runProgram } from "../tools/mock-runtime";
import { readStackFile, stackFilePath } from "../tools/stack-config";
import {
    metadataOf,
    promiseOf,
    runStack,
    specOf,
    StackRun,
    TEST_ENDPOINT_CIDRS,
    TEST_SOURCE_RANGES,
    TEST_ZONES,
} from "./helpers";
import type { RegisteredResource } from "./helpers";

/* eslint-disable @typescript-eslint/no-explicit-any */

// Applied with server-side apply (created if missing, taken over if there), never deleted.
const NAMESPACE = "kubernetes:core/v1:NamespacePatch";
const CLAIM = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE = "kubernetes:core/v1:Service";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const WORKLOAD = "stateful-nginx:workload:NginxStatefulSet";

/** The Kubernetes schema (kubernetes-models 4.5.1) of every object type the workload declares. */
const SCHEMAS: Record<string, new (data: any) => { validate(): void }> = {
    // A Patch resource that creates a missing object must be a whole, valid object.
    [NAMESPACE]: Namespace,
    [CLAIM]: PersistentVolumeClaim,
    [CONFIG_MAP]: ConfigMap,
    [SERVICE]: Service,
    [STATEFUL_SET]: StatefulSet,
    [PDB]: PodDisruptionBudget,
};

/** The workload's Kubernetes objects: the component's children. */
function children(run: StackRun): RegisteredResource[] {
    const [component] = run.ofType(WORKLOAD);
    return run.resources.filter((resource) => resource.parent === component.urn);
}

/** The Namespaces the workload itself creates (a platform may create its own, such as metallb-system). */
function ownNamespaces(run: StackRun): RegisteredResource[] {
    return children(run).filter((resource) => resource.type === NAMESPACE);
}

function template(run: StackRun): any {
    return specOf(run.get(STATEFUL_SET, "nginx")).template;
}

function container(run: StackRun, name: string): any {
    const spec = template(run).spec;
    return [...spec.initContainers, ...spec.containers].find((candidate: any) => candidate.name === name);
}

/** The stack file's `app` block, for overriding a few keys of it. */
function stackApp(stack: string): Record<string, unknown> {
    return JSON.parse(readStackFile(stackFilePath(stack)).config["stateful-nginx:app"]);
}

for (const stack of ["dev", "prod"]) {
    describe(`the workload on the ${stack} stack`, function () {
        this.timeout(60000);
        let run: StackRun;
        const app = () => appSchema.parse(stackApp(stack));
        const withApp = (overrides: Record<string, unknown>) =>
            runStack(stack, { "stateful-nginx:app": { ...stackApp(stack), ...overrides } });

        before(async () => {
            run = await runStack(stack);
        });

        describe("resources and names", () => {
            it("is one NginxStatefulSet component of a namespace, an anchor, a claim per pod, a headless Service, a StatefulSet, a PDB and nginx's stub_status config", () => {
                assert.strictEqual(run.ofType(WORKLOAD).length, 1);
                const types = children(run).map((resource) => resource.type);
                const claims = Array.from({ length: app().replicas }, () => CLAIM);
                // Two ConfigMaps: the lifecycle anchor and the stub_status server (observability is on by default).
                assert.deepStrictEqual(
                    types.sort(),
                    [NAMESPACE, CONFIG_MAP, CONFIG_MAP, ...claims, SERVICE, STATEFUL_SET, PDB].sort(),
                );
                assert.deepStrictEqual(
                    run
                        .ofType(CONFIG_MAP)
                        .filter((resource) => resource.parent === run.ofType(WORKLOAD)[0].urn)
                        .map((resource) => resource.name)
                        .sort(),
                    ["nginx-lifecycle", "nginx-stub-status"],
                );
            });

            it("names the StatefulSet, its headless Service and its PDB after app.name", () => {
                assert.strictEqual(metadataOf(run.get(STATEFUL_SET, "nginx")).name, app().name);
                assert.strictEqual(metadataOf(run.get(SERVICE, "nginx-headless")).name, app().name);
                assert.strictEqual(metadataOf(run.get(PDB, "nginx")).name, app().name);
            });

            it("creates every object with the platform's Kubernetes provider", () => {
                const providers = new Set(children(run).map((resource) => resource.provider));
                assert.strictEqual(providers.size, 1);
                const [provider] = providers;
                assert.ok(provider?.includes("pulumi:providers:kubernetes::"), `provider: ${provider}`);
            });

            it("validates every object against the Kubernetes schema", () => {
                for (const resource of children(run)) {
                    const Model = SCHEMAS[resource.type];
                    assert.ok(Model, `no schema for ${resource.type}`);
                    assert.doesNotThrow(() => new Model(resource.inputs).validate(), `${resource.name}`);
                }
            });
        });

        describe("wiring", () => {
            it("names its own headless Service as the StatefulSet's serviceName", () => {
                const headless = run.get(SERVICE, "nginx-headless");
                const set = run.get(STATEFUL_SET, "nginx");
                assert.strictEqual(specOf(set).serviceName, metadataOf(headless).name);
                assert.ok(run.dependsOn(set, headless), "the StatefulSet does not depend on its Service");
            });

            it("gives the headless Service no cluster IP, and DNS records only for ready pods", () => {
                const spec = specOf(run.get(SERVICE, "nginx-headless"));
                assert.strictEqual(spec.clusterIP, "None");
                assert.strictEqual(spec.publishNotReadyAddresses, false);
            });

            it("maps the headless Service's port to the port pods listen on (no proxy in front)", () => {
                assert.deepStrictEqual(specOf(run.get(SERVICE, "nginx-headless")).ports, [
                    { name: "http", port: 8080, targetPort: "http" },
                ]);
            });

            it("selects the StatefulSet's pods from the headless Service and the PDB", () => {
                const labels = template(run).metadata.labels;
                for (const selector of [
                    specOf(run.get(SERVICE, "nginx-headless")).selector,
                    specOf(run.get(PDB, "nginx")).selector.matchLabels,
                    specOf(run.get(STATEFUL_SET, "nginx")).selector.matchLabels,
                ]) {
                    assert.ok(Object.keys(selector).length > 0);
                    for (const [key, value] of Object.entries(selector)) assert.strictEqual(labels[key], value, key);
                }
            });

            it("puts every object in the namespace and makes each depend on the Namespace", () => {
                const namespace = run.get(NAMESPACE, "nginx");
                assert.strictEqual(metadataOf(namespace).name, app().namespace);
                for (const resource of [
                    run.get(SERVICE, "nginx-headless"),
                    run.get(STATEFUL_SET, "nginx"),
                    run.get(PDB, "nginx"),
                ]) {
                    assert.strictEqual(metadataOf(resource).namespace, app().namespace, resource.name);
                    assert.ok(run.dependsOn(resource, namespace), `${resource.name} does not depend on it`);
                }
            });

            it("exports the namespace, the StatefulSet and headless Service names and the pod DNS names", () => {
                const namespace = app().namespace;
                assert.strictEqual(run.outputs.namespace, namespace);
                assert.strictEqual(run.outputs.statefulSetName, "nginx");
                assert.strictEqual(run.outputs.headlessServiceName, "nginx");
                assert.deepStrictEqual(run.outputs.podDnsNames, [
                    `nginx-0.nginx.${namespace}.svc.cluster.local`,
                    `nginx-1.nginx.${namespace}.svc.cluster.local`,
                    `nginx-2.nginx.${namespace}.svc.cluster.local`,
                ]);
            });
        });

        describe("the StatefulSet", () => {
            it("runs 3 replicas, started in order, each once the one before is ready", () => {
                const spec = specOf(run.get(STATEFUL_SET, "nginx"));
                assert.strictEqual(spec.replicas, 3);
                assert.strictEqual(spec.podManagementPolicy, "OrderedReady");
            });

            it("gives each pod its own 1Gi ReadWriteOnce claim, nginx-persistent-storage", () => {
                const [claim] = specOf(run.get(STATEFUL_SET, "nginx")).volumeClaimTemplates;
                assert.strictEqual(claim.metadata.name, "nginx-persistent-storage");
                assert.deepStrictEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
                assert.deepStrictEqual(claim.spec.resources.requests, { storage: "1Gi" });
                assert.ok(claim.spec.storageClassName, "no storage class");
            });

            it("mounts the claim at /usr/share/nginx/html", () => {
                const mount = container(run, "nginx").volumeMounts.find(
                    (candidate: any) => candidate.name === "nginx-persistent-storage",
                );
                assert.strictEqual(mount.mountPath, "/usr/share/nginx/html");
            });

            it("keeps every PVC when the set is deleted or scaled down", () => {
                assert.deepStrictEqual(specOf(run.get(STATEFUL_SET, "nginx")).persistentVolumeClaimRetentionPolicy, {
                    whenDeleted: "Retain",
                    whenScaled: "Retain",
                });
            });

            it("rolls updates out from the configured partition, after minReadySeconds", () => {
                const spec = specOf(run.get(STATEFUL_SET, "nginx"));
                assert.deepStrictEqual(spec.updateStrategy, {
                    type: "RollingUpdate",
                    rollingUpdate: { partition: app().partition },
                });
                assert.strictEqual(spec.minReadySeconds, app().minReadySeconds);
            });

            it("carries the recommended labels on the set and its pods", () => {
                for (const labels of [
                    metadataOf(run.get(STATEFUL_SET, "nginx")).labels,
                    template(run).metadata.labels,
                ]) {
                    assert.deepStrictEqual(Object.keys(labels).sort(), [
                        "app.kubernetes.io/component",
                        "app.kubernetes.io/instance",
                        "app.kubernetes.io/managed-by",
                        "app.kubernetes.io/name",
                        "app.kubernetes.io/part-of",
                    ]);
                }
            });

            it("orphans its pods when deleted alone, and is deleted with its lifecycle anchor", () => {
                const set = run.get(STATEFUL_SET, "nginx");
                const anchor = run.get(CONFIG_MAP, "nginx-lifecycle");
                assert.strictEqual(metadataOf(set).annotations["pulumi.com/deletionPropagationPolicy"], "orphan");
                assert.strictEqual(set.options.deletedWith, anchor.urn);
                const [{ uid, ...owner }] = metadataOf(set).ownerReferences;
                assert.deepStrictEqual(owner, {
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    name: "nginx-lifecycle",
                    blockOwnerDeletion: true,
                });
                // The anchor's uid, as the API server reported it (the harness's mock state).
                assert.match(uid, /^uid-\d+$/);
                assert.ok(run.dependsOn(set, anchor), "the set does not wait for its anchor");
            });

            it("gives its lifecycle anchor no data, which the provider would replace it (and the pods) for", () => {
                const anchor = run.get(CONFIG_MAP, "nginx-lifecycle").inputs as Record<string, unknown>;
                assert.strictEqual(anchor.data, undefined);
                assert.strictEqual(anchor.binaryData, undefined);
            });

            it("waits for every pod's claim, which carries the configured size and is never deleted", () => {
                const set = run.get(STATEFUL_SET, "nginx");
                const [template] = specOf(set).volumeClaimTemplates;
                for (let ordinal = 0; ordinal < app().replicas; ordinal++) {
                    const claim = run.get(CLAIM, `nginx-claim-${ordinal}`);
                    assert.strictEqual(metadataOf(claim).name, `nginx-persistent-storage-nginx-${ordinal}`);
                    assert.deepStrictEqual(specOf(claim), template.spec);
                    assert.strictEqual(claim.options.retainOnDelete, true);
                    assert.ok(run.dependsOn(set, claim), `the set does not wait for claim ${ordinal}`);
                }
            });
        });

        describe("the pods", () => {
            it("run the pinned non-root nginx image on port 8080, named http", () => {
                const nginx = container(run, "nginx");
                assert.strictEqual(nginx.image, app().image);
                assert.match(nginx.image, /^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/);
                assert.deepStrictEqual(nginx.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
            });

            it("write a page that names the pod to its volume from an init container of the same image", () => {
                const init = container(run, "write-page");
                assert.strictEqual(init.image, app().image);
                assert.deepStrictEqual(init.command.slice(0, 2), ["sh", "-c"]);
                assert.match(init.command[2], /if \[ -e "\$page" \]/);
                assert.deepStrictEqual(
                    init.env.map((variable: any) => [variable.name, variable.valueFrom.fieldRef.fieldPath]),
                    [
                        ["POD_NAME", "metadata.name"],
                        ["POD_NAMESPACE", "metadata.namespace"],
                    ],
                );
                assert.deepStrictEqual(init.volumeMounts, [
                    { name: "nginx-persistent-storage", mountPath: "/usr/share/nginx/html" },
                ]);
            });

            it("serve the volume read-only: only the init container writes to it", () => {
                const mount = container(run, "nginx").volumeMounts.find(
                    (candidate: any) => candidate.name === "nginx-persistent-storage",
                );
                assert.strictEqual(mount.readOnly, true);
            });

            it("are ready when nginx serves the page, and live while it answers", () => {
                const nginx = container(run, "nginx");
                assert.deepStrictEqual(nginx.readinessProbe.httpGet, { path: "/", port: "http" });
                assert.deepStrictEqual(nginx.livenessProbe.httpGet, { path: "/", port: "http" });
                assert.ok(
                    nginx.livenessProbe.failureThreshold * nginx.livenessProbe.periodSeconds >
                        nginx.readinessProbe.failureThreshold * nginx.readinessProbe.periodSeconds,
                    "liveness gives up before readiness",
                );
            });

            it("run the pinned nginx exporter beside nginx, reading stub_status on the pod's loopback", () => {
                const exporter = container(run, "nginx-exporter");
                assert.strictEqual(exporter.image, "nginx/nginx-prometheus-exporter:1.5.1");
                assert.deepStrictEqual(exporter.args, [
                    "--nginx.scrape-uri=http://127.0.0.1:8081/stub_status",
                    "--web.listen-address=:9113",
                    "--web.telemetry-path=/metrics",
                ]);
                assert.deepStrictEqual(exporter.ports, [{ name: "metrics", containerPort: 9113, protocol: "TCP" }]);
                assert.strictEqual(exporter.volumeMounts, undefined, "the exporter needs no files");
            });

            it("are ready when the exporter serves, and keep it live more patiently", () => {
                const exporter = container(run, "nginx-exporter");
                assert.deepStrictEqual(exporter.readinessProbe.httpGet, { path: "/", port: "metrics" });
                assert.deepStrictEqual(exporter.livenessProbe.httpGet, { path: "/", port: "metrics" });
                assert.ok(
                    exporter.livenessProbe.failureThreshold * exporter.livenessProbe.periodSeconds >
                        exporter.readinessProbe.failureThreshold * exporter.readinessProbe.periodSeconds,
                    "liveness gives up before readiness",
                );
            });

            it("give the exporter its own requests and limits, CPU and memory", () => {
                assert.deepStrictEqual(container(run, "nginx-exporter").resources, {
                    requests: { cpu: "10m", memory: "16Mi" },
                    limits: { cpu: "100m", memory: "64Mi" },
                });
            });

            it("load nginx's stub_status server, on the loopback only, from its own immutable ConfigMap", () => {
                const mount = container(run, "nginx").volumeMounts.find(
                    (candidate: any) => candidate.mountPath === "/etc/nginx/conf.d/stub-status.conf",
                );
                assert.deepStrictEqual(mount, {
                    name: "nginx-stub-status-conf",
                    mountPath: "/etc/nginx/conf.d/stub-status.conf",
                    subPath: "stub-status.conf",
                    readOnly: true,
                });
                const configMap = run.get(CONFIG_MAP, "nginx-stub-status");
                const volume = template(run).spec.volumes.find((candidate: any) => candidate.name === mount.name);
                assert.strictEqual(volume.configMap.name, metadataOf(configMap).name);
                assert.match(metadataOf(configMap).name, /^nginx-stub-status-[0-9a-f]{8}$/);
                assert.strictEqual((configMap.inputs as any).immutable, true);
                const conf: string = (configMap.inputs as any).data["stub-status.conf"];
                assert.deepStrictEqual(
                    conf.match(/listen [^;]+;/g),
                    ["listen 127.0.0.1:8081;"],
                    "one listener, on the loopback",
                );
                assert.match(conf, /location = \/stub_status \{\s+stub_status;\s+\}/);
            });

            it("request and limit the configured resources", () => {
                for (const name of ["write-page", "nginx"]) {
                    assert.deepStrictEqual(container(run, name).resources, {
                        requests: app().resources.requests,
                        limits: app().resources.limits,
                    });
                }
            });

            it("run as non-root with seccomp RuntimeDefault, and an fsGroup that can write the volume", () => {
                assert.deepStrictEqual(template(run).spec.securityContext, {
                    runAsNonRoot: true,
                    runAsUser: 101,
                    runAsGroup: 101,
                    fsGroup: 101,
                    fsGroupChangePolicy: "OnRootMismatch",
                    seccompProfile: { type: "RuntimeDefault" },
                });
            });

            it("give no container privilege escalation, capabilities or a writable root filesystem", () => {
                const spec = template(run).spec;
                const names = [...spec.initContainers, ...spec.containers].map((candidate: any) => candidate.name);
                assert.deepStrictEqual(names, ["write-page", "nginx", "nginx-exporter"]);
                for (const name of names) {
                    assert.deepStrictEqual(container(run, name).securityContext, {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        capabilities: { drop: ["ALL"] },
                    });
                }
            });

            it("give nginx writable, size-limited scratch space at /tmp and /var/cache/nginx", () => {
                const spec = template(run).spec;
                const scratch = container(run, "nginx").volumeMounts.filter((mount: any) => !mount.readOnly);
                assert.deepStrictEqual(scratch.map((mount: any) => mount.mountPath).sort(), [
                    "/tmp",
                    "/var/cache/nginx",
                ]);
                for (const mount of scratch) {
                    const volume = spec.volumes.find((candidate: any) => candidate.name === mount.name);
                    assert.ok(volume.emptyDir.sizeLimit, `${mount.name} is not a size-limited emptyDir`);
                }
            });

            it("mount no service account token", () => {
                assert.strictEqual(template(run).spec.automountServiceAccountToken, false);
            });

            it("prefer different nodes, and spread over zones where there are any", () => {
                const spec = template(run).spec;
                const selector = specOf(run.get(STATEFUL_SET, "nginx")).selector.matchLabels;
                const [preferred] = spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
                assert.strictEqual(preferred.podAffinityTerm.topologyKey, "kubernetes.io/hostname");
                assert.deepStrictEqual(preferred.podAffinityTerm.labelSelector.matchLabels, selector);
                assert.strictEqual(
                    spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
                    undefined,
                );
                assert.deepStrictEqual(spec.topologySpreadConstraints, [
                    {
                        maxSkew: 1,
                        topologyKey: "topology.kubernetes.io/zone",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: selector },
                    },
                ]);
            });
        });

        describe("the PodDisruptionBudget", () => {
            it("lets one pod at a time be evicted, and unhealthy pods always", () => {
                const spec = specOf(run.get(PDB, "nginx"));
                assert.strictEqual(spec.maxUnavailable, 1);
                assert.strictEqual(spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
            });
        });

        describe("the namespace", () => {
            it("is kept in the cluster when the stack is destroyed (retainOnDelete), so its PVCs survive", () => {
                assert.strictEqual(run.get(NAMESPACE, "nginx").options.retainOnDelete, true);
            });

            it("enforces the restricted Pod Security profile the pods meet", () => {
                assert.strictEqual(
                    metadataOf(run.get(NAMESPACE, "nginx")).labels["pod-security.kubernetes.io/enforce"],
                    "restricted",
                );
            });

            it("is not created when createNamespace is false: objects go to the configured one", async () => {
                const other = await withApp({ createNamespace: false, namespace: "web" });
                assert.deepStrictEqual(ownNamespaces(other), []);
                assert.strictEqual(metadataOf(other.get(STATEFUL_SET, "nginx")).namespace, "web");
                assert.strictEqual(other.outputs.namespace, "web");
            });

            it("is never created for default", async () => {
                const other = await withApp({ namespace: "default" });
                assert.deepStrictEqual(ownNamespaces(other), []);
                assert.strictEqual(metadataOf(other.get(SERVICE, "nginx-headless")).namespace, "default");
            });
        });

        describe("configured", () => {
            it("takes its name, replicas and pod management policy from config", async () => {
                const other = await withApp({ name: "web", replicas: 2, podManagementPolicy: "Parallel" });
                const set = other.get(STATEFUL_SET, "nginx");
                assert.strictEqual(metadataOf(set).name, "web");
                assert.strictEqual(specOf(set).replicas, 2);
                assert.strictEqual(specOf(set).podManagementPolicy, "Parallel");
                assert.strictEqual(specOf(set).serviceName, "web");
                assert.deepStrictEqual(other.outputs.podDnsNames, [
                    `web-0.web.${app().namespace}.svc.cluster.local`,
                    `web-1.web.${app().namespace}.svc.cluster.local`,
                ]);
            });

            it("stages a rollout with a partition, and then does not wait for it", async () => {
                const other = await withApp({ partition: 2, minReadySeconds: 30 });
                const set = other.get(STATEFUL_SET, "nginx");
                assert.deepStrictEqual(specOf(set).updateStrategy.rollingUpdate, { partition: 2 });
                assert.strictEqual(specOf(set).minReadySeconds, 30);
                assert.strictEqual(metadataOf(set).annotations["pulumi.com/skipAwait"], "true");
            });

            it("uses a storage class from config over the platform's", async () => {
                const other = await withApp({ storage: { storageClassName: "fast-ssd" } });
                const [claim] = specOf(other.get(STATEFUL_SET, "nginx")).volumeClaimTemplates;
                assert.strictEqual(claim.spec.storageClassName, "fast-ssd");
            });
        });
    });
}

describe("the workload on a given target", function () {
    this.timeout(30000);

    /** Runs just the component, on a target whose storage class and readiness resources are known. */
    async function onTarget(app: Record<string, unknown>) {
        return new StackRun(
            await runProgram(
                async () => {
                    const provider = new k8s.Provider("cluster", {});
                    const ready = new k8s.storage.v1.StorageClass(
                        "class",
                        { metadata: { name: "platform-class" }, provisioner: "example.com/disk" },
                        { provider },
                    );
                    const target: ClusterTarget = {
                        kind: "baremetal",
                        provider,
                        storageClassName: ready.metadata.name,
                        ready: [ready],
                        loadBalancer: { annotations: {}, ready: [] },
                    };
                    const workload = new NginxStatefulSet("nginx", { app: appSchema.parse(app), target });
                    return {
                        namespace: workload.namespace,
                        selector: workload.selector,
                        port: workload.port,
                        replicas: workload.replicas,
                        podDnsNames: await promiseOf(workload.podDnsNames),
                    };
                },
                { stack: "test", config: {} },
            ),
        );
    }

    it("waits for the target's readiness resources before creating the StatefulSet", async () => {
        const run = await onTarget({});
        assert.ok(
            run.dependsOn(
                run.get(STATEFUL_SET, "nginx"),
                run.get("kubernetes:storage.k8s.io/v1:StorageClass", "class"),
            ),
        );
    });

    it("falls back to the target's storage class when config names none", async () => {
        const run = await onTarget({});
        const [claim] = specOf(run.get(STATEFUL_SET, "nginx")).volumeClaimTemplates;
        assert.strictEqual(claim.spec.storageClassName, "platform-class");
    });

    it("prefers the configured storage class to the target's", async () => {
        const run = await onTarget({ storage: { storageClassName: "fast-ssd" } });
        const [claim] = specOf(run.get(STATEFUL_SET, "nginx")).volumeClaimTemplates;
        assert.strictEqual(claim.spec.storageClassName, "fast-ssd");
    });

    it("never deletes the namespace: destroy and dropping createNamespace both leave it", async () => {
        const run = await onTarget({});
        assert.strictEqual(run.get(NAMESPACE, "nginx").options.retainOnDelete, true);
    });

    it("creates the claims only once the target's storage is ready", async () => {
        const run = await onTarget({ replicas: 2 });
        const storageClass = run.get("kubernetes:storage.k8s.io/v1:StorageClass", "class");
        for (const claim of run.ofType(CLAIM)) assert.ok(run.dependsOn(claim, storageClass), claim.name);
    });

    it("offers Services the selector, port 80 to http and the replica count", async () => {
        const run = await onTarget({ replicas: 2 });
        assert.deepStrictEqual(run.outputs.selector, {
            "app.kubernetes.io/name": "nginx",
            "app.kubernetes.io/instance": "nginx",
        });
        assert.deepStrictEqual(run.outputs.port, { name: "http", port: 80, targetPort: "http" });
        assert.strictEqual(run.outputs.replicas, 2);
        assert.strictEqual(run.outputs.namespace, "stateful-nginx");
    });
});

describe("bad workload configuration", () => {
    const bad = (app: Record<string, unknown>) => () =>
        parseConfig({
            platform: "eks",
            eks: JSON.stringify({ endpointPublicAccessCidrs: TEST_ENDPOINT_CIDRS, zones: TEST_ZONES }),
            services: JSON.stringify({ loadBalancer: { sourceRanges: TEST_SOURCE_RANGES } }),
            app: JSON.stringify(app),
        });
    const cases: [string, Record<string, unknown>, string][] = [
        ["zero replicas", { replicas: 0 }, "stateful-nginx:app.replicas: got 0; must be at least 1"],
        [
            "a storage size that is not a quantity",
            { storage: { size: "1GB" } },
            'stateful-nginx:app.storage.size: got "1GB"; must be a Kubernetes quantity such as 1Gi, 500Mi or 250m',
        ],
        [
            "a storage size in milli-units",
            { storage: { size: "500m" } },
            'stateful-nginx:app.storage.size: got "500m"; must be a size in bytes such as 1Gi or 500Mi, not milli-units',
        ],
        [
            "a storage size of zero",
            { storage: { size: "0Gi" } },
            'stateful-nginx:app.storage.size: got "0Gi"; must be more than zero, such as 1Gi',
        ],
        [
            "an image without a tag",
            { image: "nginxinc/nginx-unprivileged" },
            'stateful-nginx:app.image: got "nginxinc/nginx-unprivileged"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "an image on latest",
            { image: "nginxinc/nginx-unprivileged:latest" },
            'stateful-nginx:app.image: got "nginxinc/nginx-unprivileged:latest"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "an image on a moving line (stable)",
            { image: "nginx:stable" },
            'stateful-nginx:app.image: got "nginx:stable"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "an image on a major.minor line, which moves with each patch",
            { image: "nginxinc/nginx-unprivileged:1.29-alpine" },
            'stateful-nginx:app.image: got "nginxinc/nginx-unprivileged:1.29-alpine"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "an image reference with spaces",
            { image: "nginx 1.29" },
            'stateful-nginx:app.image: got "nginx 1.29"; must be an image reference such as nginxinc/nginx-unprivileged:1.29.3-alpine',
        ],
        [
            "a read-only access mode (each pod writes its page)",
            { storage: { accessModes: ["ReadOnlyMany"] } },
            'stateful-nginx:app.storage.accessModes[0]: got "ReadOnlyMany"; must be one of ReadWriteOnce, ReadWriteOncePod, ReadWriteMany',
        ],
        [
            "orphanPodsOnDelete, which every replacement now does",
            { orphanPodsOnDelete: true },
            "stateful-nginx:app.orphanPodsOnDelete: got true; is no longer a setting: replacing the StatefulSet always leaves its pods serving, and pulumi destroy always stops them; remove the key",
        ],
        [
            "retainNamespaceOnDelete, since the namespace is never deleted",
            { retainNamespaceOnDelete: false },
            "stateful-nginx:app.retainNamespaceOnDelete: got false; is no longer a setting: the namespace is never deleted (it holds the claims); remove the key (a stack that set false: first pulumi up with true on the previous version)",
        ],
        [
            "a memory request above the memory limit",
            { resources: { requests: { memory: "256Mi" }, limits: { memory: "128Mi" } } },
            'stateful-nginx:app.resources.requests.memory: got "256Mi"; must not exceed the limit (128Mi)',
        ],
        [
            "a CPU request above the default CPU limit",
            { resources: { requests: { cpu: "1" } } },
            'stateful-nginx:app.resources.requests.cpu: got "1"; must not exceed the limit (250m)',
        ],
        [
            "a memory limit that is not a quantity (and so cannot be compared)",
            { resources: { limits: { memory: "lots" } } },
            'stateful-nginx:app.resources.limits.memory: got "lots"; must be a Kubernetes quantity such as 1Gi, 500Mi or 250m',
        ],
    ];
    for (const [what, app, message] of cases) {
        it(`rejects ${what} with one line`, () => {
            assert.throws(bad(app), (error: Error) => {
                assert.ok(error instanceof ConfigError);
                assert.strictEqual(error.message, message);
                return true;
            });
        });
    }

    it("accepts images pinned by tag, by digest, or from a registry with a port", () => {
        for (const image of [
            "nginxinc/nginx-unprivileged:1.29.3-alpine",
            `nginxinc/nginx-unprivileged@sha256:${"a".repeat(64)}`,
            "registry.example.com:5000/web/nginx-unprivileged:1.29.3-alpine",
        ]) {
            assert.strictEqual(appSchema.parse({ image }).image, image);
        }
    });

    it("stops the program with that line", async () => {
        await assert.rejects(
            runStack("dev", { "stateful-nginx:app": { replicas: 0 } }),
            (error: Error) => error instanceof pulumi.RunError && /app.replicas: got 0/.test(error.message),
        );
    });
});
