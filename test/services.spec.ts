/**
 * The Services' decisions that need no Pulumi, and the Services config that must fail before any resource
 * is registered.
 */
import * as assert from "assert";
import { ConfigError, NODE_PORT_RANGE, ownServiceNames, parseConfig, type RawConfig } from "../config";
import {
    annotationsForExposure,
    describeServiceType,
    loadBalancerAddress,
    loadBalancerSpec,
    parseServiceReference,
    reexposedPorts,
    selectorOf,
    servicePorts,
} from "../components/services";

const HTTP = { name: "http", port: 80, targetPort: "http" } as const;

describe("Service specs", () => {
    describe("servicePorts", () => {
        it("maps the workload's port over TCP, without a node port unless one is pinned", () => {
            assert.deepStrictEqual(servicePorts(HTTP), [
                { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
            ]);
        });

        it("pins the node port when one is configured", () => {
            assert.strictEqual(servicePorts(HTTP, 30080)[0].nodePort, 30080);
        });
    });

    describe("reexposedPorts", () => {
        const original = [
            { name: "web", port: 8000, targetPort: 8080, protocol: "TCP", nodePort: 31234, appProtocol: "http" },
            { name: "metrics", port: 9113, targetPort: "metrics", protocol: "TCP", nodePort: 31235 },
        ];

        it("copies every port's name, port, target port, protocol and app protocol", () => {
            const copied = reexposedPorts(original as never, "shop/web");
            assert.deepStrictEqual(
                copied.map(({ name, port, targetPort, protocol }) => ({ name, port, targetPort, protocol })),
                original.map(({ name, port, targetPort, protocol }) => ({ name, port, targetPort, protocol })),
            );
            assert.strictEqual(copied[0].appProtocol, "http");
        });

        it("never copies a node port: it belongs to the original", () => {
            assert.ok(reexposedPorts(original as never, "shop/web").every((port) => !("nodePort" in port)));
        });

        it("fills the target port and protocol the API server would default", () => {
            assert.deepStrictEqual(reexposedPorts([{ port: 81 }] as never, "shop/web"), [
                { port: 81, targetPort: 81, protocol: "TCP" },
            ]);
        });

        it("refuses a Service without ports, naming it", () => {
            assert.throws(
                () => reexposedPorts([], "shop/web"),
                /cannot re-expose Service shop\/web: it declares no ports/,
            );
            assert.throws(() => reexposedPorts(undefined, "shop/web"), /shop\/web/);
        });
    });

    describe("selectorOf", () => {
        it("returns the original's selector", () => {
            const selector = { "app.kubernetes.io/name": "web" };
            assert.deepStrictEqual(selectorOf({ selector } as never, "shop/web"), selector);
        });

        it("refuses a Service without a selector, as kubectl expose does", () => {
            assert.throws(() => selectorOf({ selector: {} } as never, "shop/db"), /shop\/db: it has no selector/);
            assert.throws(() => selectorOf({ type: "ExternalName" } as never, "shop/alias"), /no selector/);
        });
    });

    describe("parseServiceReference", () => {
        it("splits namespace/name", () => {
            assert.deepStrictEqual(parseServiceReference("legacy/web"), { namespace: "legacy", name: "web" });
        });

        for (const bad of ["web", "legacy/", "/web", "a/b/c", "Legacy/web"]) {
            it(`rejects ${JSON.stringify(bad)}`, () => {
                assert.throws(() => parseServiceReference(bad), /must be namespace\/name/);
            });
        }
    });

    describe("loadBalancerAddress", () => {
        it("takes the IP a bare-metal load balancer reports", () => {
            assert.strictEqual(
                loadBalancerAddress({ loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } } as never),
                "192.0.2.10",
            );
        });

        it("takes the hostname an AWS load balancer reports instead of an IP", () => {
            const hostname = "a1b2-123.elb.us-east-1.amazonaws.com";
            assert.strictEqual(loadBalancerAddress({ loadBalancer: { ingress: [{ hostname }] } } as never), hostname);
        });

        it("takes the first ingress point", () => {
            const status = { loadBalancer: { ingress: [{ ip: "192.0.2.10" }, { ip: "2001:db8::10" }] } };
            assert.strictEqual(loadBalancerAddress(status as never), "192.0.2.10");
        });

        it("is undefined while no address is assigned", () => {
            assert.strictEqual(loadBalancerAddress({ loadBalancer: {} } as never), undefined);
            assert.strictEqual(loadBalancerAddress(undefined), undefined);
        });
    });

    describe("annotationsForExposure", () => {
        it("keeps the pool and load balancer kind", () => {
            const annotations = {
                "metallb.io/address-pool": "default-pool",
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            };
            assert.deepStrictEqual(annotationsForExposure(annotations), annotations);
        });

        it("takes neither the original's fixed address nor its pool of fixed addresses, which it holds", () => {
            assert.deepStrictEqual(
                annotationsForExposure({
                    "metallb.io/address-pool": "fixed",
                    "metallb.io/loadBalancerIPs": "192.0.2.10",
                    "metallb.universe.tf/loadBalancerIPs": "192.0.2.10",
                    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                }),
                { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
            );
        });
    });

    describe("loadBalancerSpec", () => {
        it("restricts clients to the source ranges when there are any", () => {
            assert.deepStrictEqual(
                loadBalancerSpec({ sourceRanges: ["203.0.113.0/24"], externalTrafficPolicy: "Local" }),
                {
                    loadBalancerSourceRanges: ["203.0.113.0/24"],
                    externalTrafficPolicy: "Local",
                },
            );
        });

        it("leaves the source ranges out when everyone may connect, and defaults to Cluster", () => {
            assert.deepStrictEqual(loadBalancerSpec({ sourceRanges: [] }), { externalTrafficPolicy: "Cluster" });
        });
    });

    describe("describeServiceType", () => {
        it("names the headless Service apart from a ClusterIP one", () => {
            assert.strictEqual(describeServiceType({ clusterIP: "None" }), "ClusterIP (headless)");
            assert.strictEqual(describeServiceType({ type: "ClusterIP", clusterIP: "10.96.0.1" }), "ClusterIP");
            assert.strictEqual(describeServiceType({ type: "ExternalName" }), "ExternalName");
        });
    });
});

describe("Services config", () => {
    const metallb = {
        chartVersion: "0.16.1",
        mode: "l2",
        pools: [{ name: "default-pool", addresses: ["192.0.2.240-192.0.2.250"], autoAssign: true }],
    };
    const raw = (services: unknown): RawConfig => ({
        platform: "baremetal",
        metallb: JSON.stringify(metallb),
        services: JSON.stringify(services),
    });
    const rejects = (services: unknown, expected: string) =>
        assert.throws(
            () => parseConfig(raw(services)),
            (error: Error) => {
                assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
                assert.ok(!error.message.includes("\n"), `not one line: ${error.message}`);
                assert.strictEqual(error.message, expected);
                return true;
            },
        );

    it("names the program's Services after the app", () => {
        assert.deepStrictEqual(ownServiceNames("shop"), {
            headless: "shop",
            clusterip: "shop-clusterip",
            nodeport: "shop-nodeport",
            loadbalancer: "shop-lb",
        });
    });

    it("accepts both ends of the node port range", () => {
        for (const port of [NODE_PORT_RANGE.min, NODE_PORT_RANGE.max]) {
            assert.strictEqual(parseConfig(raw({ nodePort: { port } })).services.nodePort.port, port);
        }
    });

    it("leaves the node port to Kubernetes when none is configured", () => {
        assert.strictEqual(parseConfig(raw({})).services.nodePort.port, undefined);
    });

    it("allows an empty map of ExternalName aliases", () => {
        assert.deepStrictEqual(parseConfig(raw({ externalNames: {} })).services.externalNames, {});
    });

    it("accepts DNS names as ExternalName hosts, with or without the root dot", () => {
        const externalNames = { database: "db.dev.example.com", cache: "cache.example.com." };
        assert.deepStrictEqual(parseConfig(raw({ externalNames })).services.externalNames, externalNames);
    });

    it("accepts exposures of the program's own Services and of a namespace/name", () => {
        const exposures = [
            { name: "nginx-debug", from: "clusterip", type: "NodePort" },
            { name: "nginx-vip", from: "headless", type: "ClusterIP" },
            { name: "legacy-lb", from: "legacy/web", type: "LoadBalancer" },
        ];
        assert.deepStrictEqual(parseConfig(raw({ exposures })).services.exposures, exposures);
    });

    it("rejects a node port below the range", () => {
        rejects(
            { nodePort: { port: 29999 } },
            "stateful-nginx:services.nodePort.port: got 29999; must be in 30000-32767",
        );
    });

    it("rejects a node port above the range", () => {
        rejects(
            { nodePort: { port: 32768 } },
            "stateful-nginx:services.nodePort.port: got 32768; must be in 30000-32767",
        );
    });

    it("rejects an IPv4 address as an ExternalName host", () => {
        rejects(
            { externalNames: { database: "10.0.0.5" } },
            'stateful-nginx:services.externalNames.database: got "10.0.0.5"; must be a DNS name, not an IP address (ExternalName does not resolve IPs)',
        );
    });

    it("rejects an IPv4 address written with a root dot", () => {
        rejects(
            { externalNames: { database: "10.0.0.5." } },
            'stateful-nginx:services.externalNames.database: got "10.0.0.5."; must be a DNS name, not an IP address (ExternalName does not resolve IPs)',
        );
    });

    it("rejects an IPv6 address as an ExternalName host", () => {
        rejects(
            { externalNames: { database: "2001:db8::5" } },
            'stateful-nginx:services.externalNames.database: got "2001:db8::5"; must be a DNS name, not an IP address (ExternalName does not resolve IPs)',
        );
    });

    for (const host of ["localhost", "LOCALHOST.", "api.localhost"]) {
        it(`rejects ${host} as an ExternalName host`, () => {
            rejects(
                { externalNames: { database: host } },
                `stateful-nginx:services.externalNames.database: got ${JSON.stringify(host)}; must not be localhost (CVE-2021-25740)`,
            );
        });
    }

    it("rejects a single-label ExternalName host", () => {
        rejects(
            { externalNames: { database: "db" } },
            'stateful-nginx:services.externalNames.database: got "db"; must be a fully qualified DNS name such as db.example.com',
        );
    });

    it("rejects an unknown exposure source", () => {
        rejects(
            { exposures: [{ name: "debug", from: "mystery", type: "NodePort" }] },
            'stateful-nginx:services.exposures[0].from: got "mystery"; must be clusterip, nodeport, loadbalancer, headless or namespace/name of an existing Service',
        );
    });

    it("rejects a namespace/name source that is not a valid reference", () => {
        rejects(
            { exposures: [{ name: "debug", from: "Legacy/web", type: "NodePort" }] },
            'stateful-nginx:services.exposures[0].from: got "Legacy/web"; must be clusterip, nodeport, loadbalancer, headless or namespace/name of an existing Service',
        );
    });

    it("rejects an exposure of a Service the stack does not create", () => {
        rejects(
            {
                loadBalancer: { enabled: false },
                exposures: [{ name: "debug", from: "loadbalancer", type: "NodePort" }],
            },
            'stateful-nginx:services.exposures[0].from: got "loadbalancer"; names a Service this stack does not create (enable it or use namespace/name)',
        );
    });

    it("rejects an exposure that keeps the original's type", () => {
        rejects(
            { exposures: [{ name: "debug", from: "nodeport", type: "NodePort" }] },
            'stateful-nginx:services.exposures[0].type: got "NodePort"; must differ from the type of the nodeport Service it re-exposes',
        );
    });

    it("rejects an exposure named like one of the program's Services", () => {
        rejects(
            { exposures: [{ name: "nginx-lb", from: "clusterip", type: "LoadBalancer" }] },
            'stateful-nginx:services.exposures[0].name: got "nginx-lb"; is already the name of the loadbalancer Service',
        );
    });
});
