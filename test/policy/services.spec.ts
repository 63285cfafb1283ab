import { strict as assert } from "assert";
import { loadBalancerSourceRanges, serviceNoExternalIps } from "../../policy/policies/external-exposure";
import { externalNameSafe, unsafeExternalName } from "../../policy/policies/external-name";
import { nodePortRange, nodePortUnique } from "../../policy/policies/node-ports";
import {
    IGNORE_DANGLING,
    serviceSelectorUnique,
    serviceTargetsWorkload,
} from "../../policy/policies/service-selectors";
import { applies, change, goodStack, service, statefulSet, violations } from "./fixtures";

const messages = (found: { message: string }[]) => found.map((violation) => violation.message).join("\n");

describe("policy service-selector-unique", () => {
    it("passes several Services of one app in front of the same pods", async () => {
        assert.ok(await applies(serviceSelectorUnique, goodStack()));
        assert.deepEqual(await violations(serviceSelectorUnique, goodStack()), []);
    });

    it("catches two APIs with the same labels, whose Service then selects both", async () => {
        const stack = [...goodStack(), statefulSet("orders")];
        const found = await violations(serviceSelectorUnique, stack);
        assert.ok(found.length >= 1);
        assert.match(
            messages(found),
            /matches the pods of 2 workloads \(stateful-nginx\/nginx, stateful-nginx\/orders\)/,
        );
    });

    it("catches Services of different apps that share a selector", async () => {
        const other = service(
            "orders",
            { selector: { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "nginx" } },
            { labels: { "app.kubernetes.io/instance": "orders" } },
        );
        const found = await violations(serviceSelectorUnique, [...goodStack(), other]);
        assert.match(messages(found), /belong to different apps \(app.kubernetes.io\/instance orders and nginx\)/);
    });

    it("allows the same selector in different namespaces", async () => {
        const other = change(
            [service("orders", { selector: { app: "x" } }, { labels: { app: "a" } })],
            "orders",
            (i) => {
                i.metadata.namespace = "elsewhere";
            },
        );
        const mine = service("mine", { selector: { app: "x" } }, { labels: { app: "b" } });
        assert.deepEqual(await violations(serviceSelectorUnique, [...other, mine]), []);
    });
});

describe("policy service-targets-workload", () => {
    it("passes Services that select the set's pods, and skips ExternalName", async () => {
        assert.deepEqual(await violations(serviceTargetsWorkload, goodStack()), []);
    });

    it("catches a Service whose selector matches no workload (kube-linter dangling-service)", async () => {
        const stack = change(goodStack(), "nginx-clusterip", (inputs) => (inputs.spec.selector = { app: "ngnix" }));
        const found = await violations(serviceTargetsWorkload, stack);
        assert.equal(found.length, 1);
        assert.match(found[0].message, /nginx-clusterip selects \{app=ngnix\}, which matches no workload/);
        assert.equal(found[0].urn, stack.find((item) => item.name === "nginx-clusterip")?.urn);
    });

    it("accepts a Service annotated as fronting pods created elsewhere", async () => {
        const stack = change(goodStack(), "nginx-clusterip", (inputs) => {
            inputs.spec.selector = { app: "legacy" };
            inputs.metadata.annotations = { [IGNORE_DANGLING]: "pods of the legacy chart" };
        });
        assert.deepEqual(await violations(serviceTargetsWorkload, stack), []);
    });
});

describe("policy nodeport-range", () => {
    it("is a resource policy, so a mandatory violation stops the Service before it is applied", () => {
        assert.ok("validateResource" in nodePortRange && !("validateStack" in nodePortRange));
    });

    it("passes a fixed node port inside the range and allocated ones", async () => {
        assert.ok(await applies(nodePortRange, goodStack()));
        assert.deepEqual(await violations(nodePortRange, goodStack()), []);
    });

    it("catches a node port outside the range on that Service, and honours a configured range", async () => {
        const stack = change(goodStack(), "nginx-nodeport", (inputs) => (inputs.spec.ports[0].nodePort = 8080));
        const found = await violations(nodePortRange, stack);
        assert.match(messages(found), /node port 8080, outside the node port range 30000-32767/);
        assert.deepEqual(
            found.map((violation) => violation.urn),
            [stack[3].urn],
        );
        const narrow = await violations(nodePortRange, goodStack(), { min: 31000, max: 31999 });
        assert.match(messages(narrow), /30080, outside the node port range 31000-31999/);
    });

    it("catches one Service asking for the same node port on two of its ports", async () => {
        const stack = change(goodStack(), "nginx-nodeport", (inputs) => {
            inputs.spec.ports.push({ name: "alt", port: 8080, targetPort: "http", nodePort: 30080 });
        });
        assert.match(messages(await violations(nodePortRange, stack)), /node port 30080 on two of its ports/);
    });
});

describe("policy nodeport-unique", () => {
    it("passes Services with their own node ports", async () => {
        assert.ok(await applies(nodePortUnique, goodStack()));
        assert.deepEqual(await violations(nodePortUnique, goodStack()), []);
    });

    it("catches two Services asking for the same node port, and says it judges after the change", async () => {
        const stack = change(goodStack(), "nginx-lb", (inputs) => (inputs.spec.ports[0].nodePort = 30080));
        const found = await violations(nodePortUnique, stack);
        assert.equal(found.length, 1);
        assert.match(found[0].message, /node port 30080, which Service stateful-nginx\/nginx-nodeport already uses/);
        assert.match(found[0].description, /runs after the change is applied/);
    });
});

describe("policy externalname-safe", () => {
    const dev = { allowedSuffixes: [".dev.example.com", "sandbox.payments.example.com"] };
    const prod = { allowedSuffixes: [".prod.example.com", "api.payments.example.com"] };

    it("passes external hosts of the environment", async () => {
        assert.deepEqual(await violations(externalNameSafe, goodStack(), dev), []);
        const payments = change(
            goodStack(),
            "database",
            (i) => (i.spec.externalName = "sandbox.payments.example.com."),
        );
        assert.deepEqual(await violations(externalNameSafe, payments, dev), []);
    });

    it("says why each unsafe target is unsafe", () => {
        assert.match(unsafeExternalName("10.0.0.5", "cluster.local") ?? "", /is an IP address/);
        assert.match(unsafeExternalName("fd00::1", "cluster.local") ?? "", /is an IP address/);
        assert.match(unsafeExternalName("localhost", "cluster.local") ?? "", /localhost/);
        assert.match(unsafeExternalName("api.localhost", "cluster.local") ?? "", /localhost/);
        assert.match(unsafeExternalName("kubernetes", "cluster.local") ?? "", /single label/);
        assert.match(unsafeExternalName("kubernetes.default.svc", "cluster.local") ?? "", /cluster-internal/);
        assert.match(unsafeExternalName("nginx.stateful-nginx.svc.cluster.local", "cluster.local") ?? "", /internal/);
        assert.match(unsafeExternalName("db_1.example.com", "cluster.local") ?? "", /not a valid DNS name/);
        assert.equal(unsafeExternalName("db.prod.example.com", "cluster.local"), undefined);
    });

    it("catches an IP, localhost and a cluster-internal name (CVE-2021-25740)", async () => {
        for (const host of ["10.0.0.5", "localhost", "kubernetes.default.svc.cluster.local"]) {
            const stack = change(goodStack(), "database", (i) => (i.spec.externalName = host));
            const found = await violations(externalNameSafe, stack, dev);
            assert.equal(found.length, 1, host);
            assert.ok(found[0].message.includes(host));
        }
    });

    it("catches prod pointing at a dev host, and dev at a prod host", async () => {
        const found = await violations(externalNameSafe, goodStack(), prod);
        assert.match(messages(found), /db.dev.example.com is not a host of this environment/);
        const prodHost = change(goodStack(), "database", (i) => (i.spec.externalName = "api.payments.example.com"));
        assert.equal((await violations(externalNameSafe, prodHost, dev)).length, 1);
        assert.deepEqual(await violations(externalNameSafe, prodHost, prod), []);
    });

    it("does not mistake a look-alike domain for an allowed suffix", async () => {
        const stack = change(goodStack(), "database", (i) => (i.spec.externalName = "db.evildev.example.com"));
        assert.equal((await violations(externalNameSafe, stack, dev)).length, 1);
    });

    it("catches an ExternalName Service without a host", async () => {
        const stack = change(goodStack(), "database", (i) => delete i.spec.externalName);
        assert.match(messages(await violations(externalNameSafe, stack, dev)), /names no spec.externalName/);
    });
});

describe("policy service-no-external-ips", () => {
    it("passes Services without externalIPs", async () => {
        assert.deepEqual(await violations(serviceNoExternalIps, goodStack()), []);
    });

    it("catches spec.externalIPs (CVE-2020-8554)", async () => {
        const stack = change(goodStack(), "nginx-clusterip", (i) => (i.spec.externalIPs = ["203.0.113.10"]));
        const found = await violations(serviceNoExternalIps, stack);
        assert.equal(found.length, 1);
        assert.match(found[0].message, /203.0.113.10.*CVE-2020-8554/);
    });
});

describe("policy loadbalancer-source-ranges", () => {
    it("passes a public load balancer restricted to its clients", async () => {
        assert.deepEqual(await violations(loadBalancerSourceRanges, goodStack()), []);
    });

    it("catches a public load balancer open to everyone", async () => {
        const none = change(goodStack(), "nginx-lb", (i) => delete i.spec.loadBalancerSourceRanges);
        assert.match(messages(await violations(loadBalancerSourceRanges, none)), /sets no loadBalancerSourceRanges/);
        const open = change(goodStack(), "nginx-lb", (i) => (i.spec.loadBalancerSourceRanges = ["0.0.0.0/0"]));
        assert.match(messages(await violations(loadBalancerSourceRanges, open)), /allows 0.0.0.0\/0/);
    });

    it("reads the older annotation when the field is unset", async () => {
        const stack = change(goodStack(), "nginx-lb", (i) => {
            delete i.spec.loadBalancerSourceRanges;
            i.metadata.annotations = { "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, ::/0" };
        });
        assert.match(messages(await violations(loadBalancerSourceRanges, stack)), /allows ::\/0/);
    });

    it("lets a load balancer go without ranges when its controller makes it internal", async () => {
        const stack = change(goodStack(), "nginx-lb", (i) => {
            delete i.spec.loadBalancerSourceRanges;
            i.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" };
        });
        assert.deepEqual(await violations(loadBalancerSourceRanges, stack), []);
        // cloud-provider-aws reads any value but "false" as internal (Cloud.EnsureLoadBalancer, v1.34.3).
        const anyValue = change(stack, "nginx-lb", (i) => {
            i.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] = "0.0.0.0/0";
        });
        assert.deepEqual(await violations(loadBalancerSourceRanges, anyValue), []);
        const facing = change(stack, "nginx-lb", (i) => {
            i.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] = "false";
        });
        assert.equal((await violations(loadBalancerSourceRanges, facing)).length, 1);
    });

    it("judges aws-load-balancer-scheme only where the AWS Load Balancer Controller reads it", async () => {
        const scheme = (annotations: Record<string, string>) =>
            change(goodStack(), "nginx-lb", (i) => {
                delete i.spec.loadBalancerSourceRanges;
                i.metadata.annotations = annotations;
            });
        const key = "service.beta.kubernetes.io/aws-load-balancer-scheme";
        // cloud-provider-aws (EKS's controller) never reads the scheme: this NLB is on the internet.
        const nlb = scheme({ [key]: "internal", "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" });
        assert.equal((await violations(loadBalancerSourceRanges, nlb)).length, 1);
        const external = scheme({ [key]: "internal", "service.beta.kubernetes.io/aws-load-balancer-type": "external" });
        assert.deepEqual(await violations(loadBalancerSourceRanges, external), []);
        const facing = scheme({
            [key]: "internet-facing",
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        });
        assert.equal((await violations(loadBalancerSourceRanges, facing)).length, 1);
    });
});
