/**
 * The Services as the shipped stacks create them: dev (bare metal, MetalLB) and prod (EKS, NLB).
 */
import * as assert from "assert";
import { Service } from "kubernetes-models/v1";
import { EXPOSES_ANNOTATION } from "../components/services";
import { metadataOf, runStack, specOf, TEST_SOURCE_RANGES, type RegisteredResource, type StackRun } from "./helpers";

const SERVICE = "kubernetes:core/v1:Service";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const NLB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type";

function created(run: StackRun): RegisteredResource[] {
    return run.ofType(SERVICE).filter((resource) => !resource.read);
}

function podLabels(run: StackRun): Record<string, string> {
    return specOf(run.object(STATEFUL_SET, "nginx")).template.metadata.labels;
}

/** True if every selector label appears with the same value among the pod labels. */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
    return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe("Services of the shipped stacks", () => {
    // Each stack is evaluated once; every spec below reads the same runs.
    const runs = {} as Record<"dev" | "prod", StackRun>;
    before(async function () {
        this.timeout(180_000);
        runs.dev = await runStack("dev");
        runs.prod = await runStack("prod");
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(`the ${stack} stack`, () => {
            let run: StackRun;
            before(() => {
                run = runs[stack];
            });

            it("creates the ClusterIP, NodePort and LoadBalancer Services under their names", () => {
                assert.strictEqual(specOf(run.object(SERVICE, "nginx-clusterip")).type, "ClusterIP");
                assert.strictEqual(specOf(run.object(SERVICE, "nginx-nodeport")).type, "NodePort");
                assert.strictEqual(specOf(run.object(SERVICE, "nginx-lb")).type, "LoadBalancer");
            });

            it("selects exactly the StatefulSet's pods with every selector Service", () => {
                const statefulSet = specOf(run.object(STATEFUL_SET, "nginx"));
                for (const name of ["nginx", "nginx-clusterip", "nginx-nodeport", "nginx-lb"]) {
                    const selector = specOf(run.object(SERVICE, name)).selector;
                    assert.deepStrictEqual(selector, statefulSet.selector.matchLabels, name);
                    assert.ok(selects(selector, podLabels(run)), name);
                }
            });

            it("serves port 80 to the pods' http port", () => {
                for (const name of ["nginx-clusterip", "nginx-nodeport", "nginx-lb"]) {
                    const [port] = specOf(run.object(SERVICE, name)).ports;
                    assert.deepStrictEqual([port.name, port.port, port.targetPort], ["http", 80, "http"], name);
                }
                const containerPorts = specOf(run.object(STATEFUL_SET, "nginx")).template.spec.containers[0].ports;
                assert.ok(containerPorts.some((port: { name: string }) => port.name === "http"));
            });

            it("puts every Service in the workload's namespace", () => {
                for (const resource of created(run)) {
                    assert.strictEqual(metadataOf(resource).namespace, "stateful-nginx", resource.name);
                }
            });

            it("creates every Service with the platform's Kubernetes provider", () => {
                const provider = run.get(STATEFUL_SET, "nginx").provider;
                assert.ok(provider);
                for (const resource of run.ofType(SERVICE))
                    assert.strictEqual(resource.provider, provider, resource.name);
            });

            it("never uses the deprecated spec.loadBalancerIP or externalIPs", () => {
                for (const resource of created(run)) {
                    assert.strictEqual(specOf(resource).loadBalancerIP, undefined, resource.name);
                    assert.strictEqual(specOf(resource).externalIPs, undefined, resource.name);
                }
            });

            it("creates one ExternalName Service per alias, without selector or ports", () => {
                for (const alias of ["database", "payments"]) {
                    const spec = specOf(run.object(SERVICE, alias));
                    assert.strictEqual(spec.type, "ExternalName");
                    assert.strictEqual(spec.selector, undefined);
                    assert.strictEqual(spec.ports, undefined);
                }
            });

            it("outputs the name and type of every Service", () => {
                const summary = run.outputs.services as { name: string; type: string }[];
                const expected = created(run).map((resource) => metadataOf(resource).name);
                assert.deepStrictEqual(summary.map((line) => line.name).sort(), expected.sort());
                assert.ok(summary.some((line) => line.name === "nginx" && line.type === "ClusterIP (headless)"));
                assert.ok(summary.some((line) => line.name === "nginx-lb" && line.type === "LoadBalancer"));
            });

            it("outputs the node port", () => {
                const nodePort = run.outputs.nodePort as number;
                assert.ok(Number.isInteger(nodePort) && nodePort >= 30000 && nodePort <= 32767, `got ${nodePort}`);
            });

            it("declares only Services that validate against the Kubernetes schema", () => {
                for (const resource of created(run)) {
                    assert.doesNotThrow(() => new Service(resource.inputs as never).validate(), resource.name);
                }
            });
        });
    }

    describe("dev against prod", () => {
        let dev: StackRun;
        let prod: StackRun;
        before(() => {
            ({ dev, prod } = runs);
        });

        describe("dev (bare metal, MetalLB)", () => {
            it("pins the configured node port", () => {
                assert.strictEqual(specOf(dev.object(SERVICE, "nginx-nodeport")).ports[0].nodePort, 30080);
                assert.strictEqual(dev.outputs.nodePort, 30080);
            });

            it("asks MetalLB for the fixed address from the configured pool", () => {
                const annotations = metadataOf(dev.object(SERVICE, "nginx-lb")).annotations;
                assert.strictEqual(annotations["metallb.io/address-pool"], "dev-fixed");
                assert.strictEqual(annotations["metallb.io/loadBalancerIPs"], "172.18.255.200");
                assert.strictEqual(annotations[NLB_TYPE], undefined);
            });

            it("creates the load balancer only after MetalLB's pool and advertisement exist", () => {
                const lb = dev.object(SERVICE, "nginx-lb");
                const pools = dev.ofType("kubernetes:metallb.io/v1beta1:IPAddressPool");
                const advertisements = dev.ofType("kubernetes:metallb.io/v1beta1:L2Advertisement");
                assert.ok(pools.length > 0 && advertisements.length > 0);
                for (const dependency of [...pools, ...advertisements]) {
                    assert.ok(dev.dependsOn(lb, dependency), `nginx-lb depends on ${dependency.name}`);
                }
            });

            it("lets everyone reach the load balancer and spreads traffic over the cluster", () => {
                const spec = specOf(dev.object(SERVICE, "nginx-lb"));
                assert.strictEqual(spec.loadBalancerSourceRanges, undefined);
                assert.strictEqual(spec.externalTrafficPolicy, "Cluster");
            });

            it("outputs the load balancer's address as an IP", () => {
                assert.strictEqual(dev.outputs.loadBalancerAddress, "172.18.255.200");
            });

            it("re-exposes the ClusterIP Service as NodePort nginx-debug, with its selector and ports", () => {
                const debug = dev.object(SERVICE, "nginx-debug");
                const original = dev.object(SERVICE, "nginx-clusterip");
                assert.strictEqual(specOf(debug).type, "NodePort");
                assert.deepStrictEqual(specOf(debug).selector, specOf(original).selector);
                assert.deepStrictEqual(specOf(debug).ports, specOf(original).ports);
                assert.strictEqual(specOf(debug).ports[0].nodePort, undefined);
                assert.strictEqual(metadataOf(debug).annotations[EXPOSES_ANNOTATION], "stateful-nginx/nginx-clusterip");
                assert.ok(dev.dependsOn(debug, original));
            });
        });

        describe("prod (EKS)", () => {
            it("asks for an NLB and no MetalLB address", () => {
                const annotations = metadataOf(prod.object(SERVICE, "nginx-lb")).annotations;
                assert.strictEqual(annotations[NLB_TYPE], "nlb");
                assert.ok(Object.keys(annotations).every((key) => !key.startsWith("metallb.")));
            });

            it("leaves the node port to Kubernetes", () => {
                assert.strictEqual(specOf(prod.object(SERVICE, "nginx-nodeport")).ports[0].nodePort, undefined);
            });

            it("restricts the load balancer to the configured client ranges and keeps client IPs", () => {
                const spec = specOf(prod.object(SERVICE, "nginx-lb"));
                // The shipped file leaves them to its user; testStackConfig gives the tests' own.
                assert.deepStrictEqual(spec.loadBalancerSourceRanges, [...TEST_SOURCE_RANGES]);
                assert.strictEqual(spec.externalTrafficPolicy, "Local");
            });

            it("creates the load balancer only after the platform's load balancer readiness", () => {
                const lb = prod.object(SERVICE, "nginx-lb");
                const workloadReady = prod.get(STATEFUL_SET, "nginx").dependencies;
                assert.ok(lb.dependencies.length > 0);
                // The node group is what an NLB needs (targets to register); the StatefulSet waits for it too.
                assert.ok(
                    lb.dependencies.some(
                        (urn) => workloadReady.includes(urn) && prod.byUrn(urn).type.startsWith("eks:"),
                    ),
                );
            });

            it("outputs the load balancer's address as a hostname", () => {
                const address = prod.outputs.loadBalancerAddress as string;
                assert.match(address, /\.elb\.[a-z0-9-]+\.amazonaws\.com$/);
            });

            it("creates no re-exposed Service", () => {
                assert.ok(
                    created(prod).every(
                        (resource) => metadataOf(resource).annotations?.[EXPOSES_ANNOTATION] === undefined,
                    ),
                );
            });
        });

        it("points the same aliases at other hosts in dev and prod", () => {
            const devNames = dev.outputs.externalNames as Record<string, string>;
            const prodNames = prod.outputs.externalNames as Record<string, string>;
            assert.deepStrictEqual(Object.keys(devNames).sort(), ["database", "payments"]);
            assert.deepStrictEqual(Object.keys(prodNames).sort(), Object.keys(devNames).sort());
            for (const alias of Object.keys(devNames)) {
                assert.notStrictEqual(devNames[alias], prodNames[alias], alias);
                assert.strictEqual(specOf(dev.object(SERVICE, alias)).externalName, devNames[alias]);
                assert.strictEqual(specOf(prod.object(SERVICE, alias)).externalName, prodNames[alias]);
            }
        });
    });
});

describe("Services: re-exposing a Service already in the cluster (dev with an override)", () => {
    let run: StackRun;
    before(async function () {
        this.timeout(120_000);
        run = await runStack("dev", {
            "stateful-nginx:services": {
                nodePort: { port: 30080 },
                loadBalancer: { pool: "default-pool" },
                exposures: [
                    { name: "legacy-lb", from: "legacy/web", type: "LoadBalancer" },
                    { name: "nginx-vip", from: "headless", type: "ClusterIP" },
                ],
            },
        });
    });

    it("reads legacy/web rather than creating it, and leaves it alone", () => {
        const reads = run.ofType(SERVICE).filter((resource) => resource.read);
        assert.strictEqual(reads.length, 1);
        assert.ok(created(run).every((resource) => metadataOf(resource).name !== "web"));
    });

    it("creates the copy next to the original, as a load balancer from the same pool without a fixed address", () => {
        const copy = run.object(SERVICE, "legacy-lb");
        assert.strictEqual(metadataOf(copy).namespace, "legacy");
        assert.strictEqual(specOf(copy).type, "LoadBalancer");
        assert.strictEqual(metadataOf(copy).annotations["metallb.io/address-pool"], "dev-default-pool");
        assert.strictEqual(metadataOf(copy).annotations["metallb.io/loadBalancerIPs"], undefined);
        assert.ok(specOf(copy).ports.every((port: { nodePort?: number }) => port.nodePort === undefined));
        for (const pool of run.ofType("kubernetes:metallb.io/v1beta1:IPAddressPool")) {
            assert.ok(run.dependsOn(copy, pool));
        }
    });

    it("re-exposes the workload's headless Service as a ClusterIP with a virtual IP", () => {
        const copy = run.object(SERVICE, "nginx-vip");
        const headless = run.object(SERVICE, "nginx");
        assert.strictEqual(specOf(copy).clusterIP, undefined);
        assert.deepStrictEqual(specOf(copy).selector, specOf(headless).selector);
        assert.ok(run.dependsOn(copy, headless));
    });

    it("validates against the Kubernetes schema", () => {
        for (const name of ["legacy-lb", "nginx-vip"]) {
            assert.doesNotThrow(() => new Service(run.object(SERVICE, name).inputs as never).validate(), name);
        }
    });
});
