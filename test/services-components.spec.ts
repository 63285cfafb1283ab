/**
 * The Service components on their own, under the mock runtime: a small program with a hand-made target
 * (a provider, a MetalLB pool and advertisement as load balancer readiness) and a headless Service.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import { Service } from "kubernetes-models/v1";
import { EXPOSES_ANNOTATION, IGNORE_DANGLING_ANNOTATION, NginxServices } from "../components/services";
import type { ClusterTarget } from "../components/target";
import { servicesSchema } from "../config/services";
import { runProgram, type ProgramRun, type RegisteredResource } from "../tools/mock-runtime";
import { metadataOf, promiseOf, specOf } from "./helpers";

const SERVICE = "kubernetes:core/v1:Service";
const SELECTOR = { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "shop" };
const PORT = { name: "http", port: 80, targetPort: "http" } as const;
const LB_ANNOTATIONS = { "metallb.io/address-pool": "lab-pool", "metallb.io/loadBalancerIPs": "192.0.2.10" };

interface Built {
    services: NginxServices;
    readiness: k8s.apiextensions.CustomResource[];
}

/** Runs NginxServices for the app `shop` in namespace `shop` with the given `services` config. */
async function build(services: unknown): Promise<{ run: ProgramRun; built: Built }> {
    let built: Built | undefined;
    const run = await runProgram(
        async () => {
            const provider = new k8s.Provider("lab", { kubeconfig: "{}" });
            const crd = (kind: string, name: string) =>
                new k8s.apiextensions.CustomResource(
                    name,
                    {
                        apiVersion: "metallb.io/v1beta1",
                        kind,
                        metadata: { name, namespace: "metallb-system" },
                        spec:
                            kind === "IPAddressPool"
                                ? { addresses: ["192.0.2.0/28"] }
                                : { ipAddressPools: ["lab-pool"] },
                    },
                    { provider },
                );
            const readiness = [crd("IPAddressPool", "lab-pool"), crd("L2Advertisement", "lab-l2")];
            const target: ClusterTarget = {
                kind: "baremetal",
                provider,
                storageClassName: "standard",
                ready: [],
                loadBalancer: { annotations: LB_ANNOTATIONS, ready: readiness },
            };
            const headlessService = new k8s.core.v1.Service(
                "shop-headless",
                {
                    metadata: { name: "shop", namespace: "shop" },
                    spec: {
                        clusterIP: "None",
                        selector: SELECTOR,
                        ports: [{ name: "http", port: 8080, targetPort: "http" }],
                    },
                },
                { provider },
            );
            const component = new NginxServices("shop-services", {
                target,
                namespace: "shop",
                appName: "shop",
                selector: SELECTOR,
                port: PORT,
                headlessService,
                services: servicesSchema.parse(services),
            });
            built = { services: component, readiness };
            return {
                services: component.services,
                nodePort: component.nodePort,
                loadBalancerAddress: component.loadBalancerAddress,
                externalNames: component.externalNames,
            };
        },
        { stack: "test", config: {} },
    );
    return { run, built: built! };
}

function created(run: ProgramRun): RegisteredResource[] {
    return run.resources.filter((resource) => resource.type === SERVICE && !resource.read);
}

function named(run: ProgramRun, name: string): RegisteredResource {
    const found = created(run).filter((resource) => metadataOf(resource).name === name);
    assert.strictEqual(found.length, 1, `one Service named ${name}`);
    return found[0];
}

describe("NginxServices (own program)", () => {
    let run: ProgramRun;
    let built: Built;
    let provider: RegisteredResource;

    before(async () => {
        ({ run, built } = await build({
            nodePort: { port: 30080 },
            loadBalancer: { sourceRanges: ["192.168.50.0/24"], externalTrafficPolicy: "Local" },
            externalNames: { database: "db.test.example.com", payments: "sandbox.payments.example.com" },
            exposures: [
                { name: "shop-debug", from: "nodeport", type: "ClusterIP" },
                { name: "shop-public", from: "clusterip", type: "LoadBalancer" },
                { name: "shop-vip", from: "headless", type: "ClusterIP" },
                { name: "legacy-np", from: "legacy/web", type: "NodePort" },
            ],
        }));
        provider = run.resources.find((resource) => resource.type === "pulumi:providers:kubernetes")!;
    });

    it("names its Services after the app", () => {
        assert.deepStrictEqual(
            created(run)
                .map((resource) => metadataOf(resource).name)
                .sort(),
            [
                "database",
                "legacy-np",
                "payments",
                "shop",
                "shop-clusterip",
                "shop-debug",
                "shop-lb",
                "shop-nodeport",
                "shop-public",
                "shop-vip",
            ],
        );
    });

    it("creates every Service with the target's provider", () => {
        for (const resource of run.resources.filter((r) => r.type === SERVICE)) {
            assert.strictEqual(resource.provider, provider.urn, resource.name);
        }
    });

    it("gives each of its own Services its type", () => {
        assert.strictEqual(specOf(named(run, "shop-clusterip")).type, "ClusterIP");
        assert.strictEqual(specOf(named(run, "shop-nodeport")).type, "NodePort");
        assert.strictEqual(specOf(named(run, "shop-lb")).type, "LoadBalancer");
    });

    it("selects the workload's pods and maps its port in every selector Service", () => {
        for (const name of ["shop-clusterip", "shop-nodeport", "shop-lb"]) {
            const spec = specOf(named(run, name));
            assert.deepStrictEqual(spec.selector, SELECTOR, name);
            assert.deepStrictEqual(
                spec.ports.map(({ name: portName, port, targetPort }: Record<string, unknown>) => ({
                    name: portName,
                    port,
                    targetPort,
                })),
                [PORT],
                name,
            );
        }
    });

    it("pins the configured node port", async () => {
        assert.strictEqual(specOf(named(run, "shop-nodeport")).ports[0].nodePort, 30080);
        assert.strictEqual(await promiseOf(built.services.nodePort!), 30080);
    });

    it("puts the target's annotations on the load balancer, and no deprecated loadBalancerIP or externalIPs", () => {
        const lb = named(run, "shop-lb");
        assert.deepStrictEqual(metadataOf(lb).annotations, LB_ANNOTATIONS);
        for (const resource of created(run)) {
            assert.strictEqual(specOf(resource).loadBalancerIP, undefined, resource.name);
            assert.strictEqual(specOf(resource).externalIPs, undefined, resource.name);
        }
    });

    it("restricts the load balancer to the source ranges with the configured traffic policy", () => {
        const spec = specOf(named(run, "shop-lb"));
        assert.deepStrictEqual(spec.loadBalancerSourceRanges, ["192.168.50.0/24"]);
        assert.strictEqual(spec.externalTrafficPolicy, "Local");
    });

    it("creates the load balancer only after the target's load balancer readiness", () => {
        const lb = named(run, "shop-lb");
        const urns = run.resources.filter((r) => r.type.startsWith("kubernetes:metallb.io")).map((r) => r.urn);
        assert.strictEqual(urns.length, built.readiness.length);
        for (const urn of urns) assert.ok(lb.dependencies.includes(urn), `shop-lb depends on ${urn}`);
    });

    it("does not hold back the Services that need no load balancer", () => {
        const pool = run.resources.find((r) => r.type === "kubernetes:metallb.io/v1beta1:IPAddressPool")!;
        for (const name of ["shop-clusterip", "shop-nodeport", "database", "shop-debug", "shop-vip"]) {
            assert.ok(!named(run, name).dependencies.includes(pool.urn), name);
        }
    });

    it("reports the load balancer's fixed address", async () => {
        assert.strictEqual(await promiseOf(built.services.loadBalancerAddress!), "192.0.2.10");
    });

    it("creates one ExternalName Service per alias, with no selector and no ports", () => {
        for (const [alias, host] of [
            ["database", "db.test.example.com"],
            ["payments", "sandbox.payments.example.com"],
        ]) {
            const spec = specOf(named(run, alias));
            assert.deepStrictEqual(spec, { type: "ExternalName", externalName: host }, alias);
        }
    });

    it("outputs each alias's host", async () => {
        assert.deepStrictEqual(await promiseOf(built.services.externalNames), {
            database: "db.test.example.com",
            payments: "sandbox.payments.example.com",
        });
    });

    it("outputs the name and type of every Service, the headless one first", async () => {
        const summary = await promiseOf(built.services.services);
        assert.deepStrictEqual(
            summary.map(({ name, type }) => `${name} ${type}`),
            [
                "shop ClusterIP (headless)",
                "shop-clusterip ClusterIP",
                "shop-nodeport NodePort",
                "shop-lb LoadBalancer",
                "database ExternalName",
                "payments ExternalName",
                "shop-debug ClusterIP",
                "shop-public LoadBalancer",
                "shop-vip ClusterIP",
                "legacy-np NodePort",
            ],
        );
        assert.ok(summary.slice(0, -1).every((line) => line.namespace === "shop"));
        assert.strictEqual(summary[summary.length - 1].namespace, "legacy");
    });

    describe("re-exposing one of its own Services", () => {
        it("copies the original's selector and ports by reference (the copy depends on the original)", () => {
            const debug = named(run, "shop-debug");
            const nodePort = named(run, "shop-nodeport");
            assert.deepStrictEqual(specOf(debug).selector, specOf(nodePort).selector);
            assert.ok(debug.dependencies.includes(nodePort.urn));
            assert.strictEqual(metadataOf(debug).annotations[EXPOSES_ANNOTATION], "shop/shop-nodeport");
        });

        it("never copies the original's node port or cluster IP", () => {
            const spec = specOf(named(run, "shop-debug"));
            assert.strictEqual(spec.type, "ClusterIP");
            assert.strictEqual(spec.clusterIP, undefined);
            assert.deepStrictEqual(spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        });

        it("gives the headless Service a virtual IP by copying its pod port", () => {
            const spec = specOf(named(run, "shop-vip"));
            assert.strictEqual(spec.clusterIP, undefined);
            assert.deepStrictEqual(spec.ports, [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
            assert.deepStrictEqual(spec.selector, SELECTOR);
        });

        it("as a load balancer, takes the readiness but neither the original's fixed address nor its pool", () => {
            const exposed = named(run, "shop-public");
            const annotations = metadataOf(exposed).annotations;
            // The pool holding a fixed address never hands one out by itself: MetalLB picks an auto-assigning one.
            assert.strictEqual(annotations["metallb.io/address-pool"], undefined);
            assert.strictEqual(annotations["metallb.io/loadBalancerIPs"], undefined);
            assert.deepStrictEqual(specOf(exposed).loadBalancerSourceRanges, ["192.168.50.0/24"]);
            for (const readiness of run.resources.filter((r) => r.type.startsWith("kubernetes:metallb.io"))) {
                assert.ok(exposed.dependencies.includes(readiness.urn));
            }
        });

        it("leaves the original as it was declared", () => {
            assert.deepStrictEqual(specOf(named(run, "shop-clusterip")), {
                type: "ClusterIP",
                selector: SELECTOR,
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            });
        });
    });

    describe("re-exposing a Service already in the cluster (namespace/name)", () => {
        let exposed: RegisteredResource;
        before(() => {
            exposed = named(run, "legacy-np");
        });

        it("reads the original instead of creating it", async () => {
            const component = built.services.exposedServices.find((e) => e.sourceIsRead)!;
            assert.strictEqual(await promiseOf(component.source.id), "legacy/web");
            const reads = run.resources.filter((resource) => resource.type === SERVICE && resource.read);
            assert.strictEqual(reads.length, 1);
            assert.strictEqual(reads[0].provider, provider.urn);
            assert.ok(created(run).every((resource) => metadataOf(resource).name !== "web"));
        });

        it("creates the copy in the original's namespace, where its selector finds the pods", () => {
            assert.strictEqual(metadataOf(exposed).namespace, "legacy");
            assert.strictEqual(metadataOf(exposed).annotations[EXPOSES_ANNOTATION], "legacy/web");
        });

        it("marks the copy of a Service it does not own as fronting pods outside the stack", () => {
            assert.match(metadataOf(exposed).annotations[IGNORE_DANGLING_ANNOTATION], /re-exposes legacy\/web/);
            const own = created(run).filter(
                (resource) =>
                    resource.type === "kubernetes:core/v1:Service" &&
                    metadataOf(resource).annotations?.[EXPOSES_ANNOTATION],
            );
            for (const copy of own.filter((resource) => resource !== exposed)) {
                assert.strictEqual(metadataOf(copy).annotations[IGNORE_DANGLING_ANNOTATION], undefined);
            }
        });

        it("copies the original's selector, ports and labels, but not its node port", async () => {
            const component = built.services.exposedServices.find((e) => e.sourceIsRead)!;
            const original = await promiseOf(component.source.spec);
            const labels = await promiseOf(component.source.metadata.labels);
            const spec = specOf(exposed);
            assert.strictEqual(spec.type, "NodePort");
            assert.deepStrictEqual(spec.selector, original.selector);
            assert.ok(
                original.ports.every((port) => port.nodePort !== undefined),
                "the original has node ports",
            );
            assert.deepStrictEqual(
                spec.ports,
                original.ports.map(({ nodePort: _, ...port }) => port),
            );
            assert.deepStrictEqual(metadataOf(exposed).labels, labels);
        });
    });

    it("declares only Services that validate against the Kubernetes schema", () => {
        for (const resource of created(run)) {
            assert.doesNotThrow(() => new Service(resource.inputs as never).validate(), resource.name);
        }
    });
});

describe("NginxServices with everything optional turned off (own program)", () => {
    let run: ProgramRun;
    let built: Built;

    before(async () => {
        ({ run, built } = await build({
            clusterIP: { enabled: false },
            nodePort: { enabled: false },
            loadBalancer: { enabled: false },
            externalNames: {},
        }));
    });

    it("creates no Service of its own, no alias and no copy", () => {
        assert.deepStrictEqual(
            created(run).map((resource) => metadataOf(resource).name),
            ["shop"],
        );
        assert.strictEqual(built.services.externalNameServices.length, 0);
        assert.strictEqual(built.services.exposedServices.length, 0);
    });

    it("outputs no node port, no load balancer address and an empty alias map", async () => {
        assert.strictEqual(built.services.nodePort, undefined);
        assert.strictEqual(built.services.loadBalancerAddress, undefined);
        assert.deepStrictEqual(await promiseOf(built.services.externalNames), {});
        assert.strictEqual(run.outputs.nodePort, undefined);
    });
});

describe("NginxServices with an allocated node port (own program)", () => {
    let built: Built;
    let run: ProgramRun;

    before(async () => {
        ({ run, built } = await build({ loadBalancer: { enabled: false } }));
    });

    it("leaves the node port to Kubernetes and outputs the one it allocated", async () => {
        const spec = specOf(named(run, "shop-nodeport"));
        assert.strictEqual(spec.ports[0].nodePort, undefined);
        const allocated = await promiseOf(built.services.nodePort!);
        assert.ok(Number.isInteger(allocated) && allocated >= 30000 && allocated <= 32767, `got ${allocated}`);
    });
});
