/**
 * Metrics and alerts: nginx's stub_status and the exporter sidecar (what the Services expose and what they do
 * not), the PodMonitor and PrometheusRule where the cluster serves their kinds and the note where it does not,
 * the `observability` config block, and the alert expressions.
 */
import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../config";
import { observabilitySchema } from "../config/observability";
import { clusterFactsChart, parseClusterFacts } from "../components/baremetal/cluster-facts";
import { alertRules, MONITORING_APIS, monitoringDecision } from "../components/observability";
import { claimNames, nginxPodTemplate, recommendedLabels, selectorLabels } from "../components/workload";
import { appSchema } from "../config/app";
import { resetMockCluster, setMockCluster } from "../tools/mock-state";
import { configErrorOf, metadataOf, runStack, specOf, StackRun } from "./helpers";
import type { RegisteredResource } from "./helpers";

/* eslint-disable @typescript-eslint/no-explicit-any */

const SERVICE = "kubernetes:core/v1:Service";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const MONITORING = "stateful-nginx:observability:NginxMonitoring";

const DEV_METALLB = { pools: [{ name: "default", addresses: ["192.168.1.240/28"] }] };

function podSpec(run: StackRun): any {
    return specOf(run.get(STATEFUL_SET, "nginx")).template.spec;
}

/** The children of the NginxMonitoring component. */
function monitoringChildren(run: StackRun): RegisteredResource[] {
    const [component] = run.ofType(MONITORING);
    return run.resources.filter((resource) => resource.parent === component.urn);
}

/** Runs `body` with `pulumi.log.info` recorded; returns the lines. */
async function infoLines(body: () => Promise<unknown>): Promise<string[]> {
    const log = pulumi.log as { info: (message: string, resource?: pulumi.Resource) => Promise<void> };
    const original = log.info;
    const lines: string[] = [];
    log.info = async (message: string) => {
        lines.push(message);
    };
    try {
        await body();
    } finally {
        log.info = original;
    }
    return lines;
}

/** The charts the program rendered through `kubernetes:helm:template` that ask about the monitoring kinds. */
function monitoringQueries(run: StackRun): string[] {
    return run.run.calls
        .filter((call) => call.token === "kubernetes:helm:template")
        .map((call) => JSON.parse(String(call.inputs.jsonOpts)).path as string)
        .map((dir) => fs.readFileSync(path.join(dir, "templates/facts.yaml"), "utf8"))
        .filter((template) => template.includes("monitoring.coreos.com"));
}

describe("observability (mock runtime)", function () {
    this.timeout(60000);
    afterEach(resetMockCluster);

    describe("nginx's metrics on the dev stack", () => {
        let run: StackRun;
        before(async () => {
            run = await runStack("dev");
        });

        it("gives the pods a metrics port that no Service maps, and nginx's own port to every Service", () => {
            const exporter = podSpec(run).containers.find((container: any) => container.name === "nginx-exporter");
            assert.deepStrictEqual(
                exporter.ports.map((port: any) => [port.name, port.containerPort]),
                [["metrics", 9113]],
            );
            const selecting = run
                .ofType(SERVICE)
                .filter((service) => specOf(service).selector?.["app.kubernetes.io/instance"] === "nginx");
            assert.ok(selecting.length >= 4, `only ${selecting.length} Services select the pods`);
            for (const service of selecting) {
                const targets = specOf(service).ports.map((port: any) => port.targetPort);
                assert.deepStrictEqual(targets, ["http"], metadataOf(service).name);
            }
            // Nothing anywhere names the metrics port, the exporter's port number or stub_status's.
            for (const service of run.ofType(SERVICE)) {
                const ports = JSON.stringify(specOf(service).ports ?? []);
                assert.doesNotMatch(ports, /metrics|9113|8081/, metadataOf(service).name);
            }
        });

        it("serves stub_status on the pod's loopback only, where no Service or other pod reaches it", () => {
            const configMap = run.get(CONFIG_MAP, "nginx-stub-status");
            const conf: string = (configMap.inputs as any).data["stub-status.conf"];
            for (const listen of conf.match(/listen\s+([^;]+);/g) ?? []) {
                assert.match(listen, /^listen\s+127\.0\.0\.1:\d+;$/);
            }
            const nginx = podSpec(run).containers.find((container: any) => container.name === "nginx");
            assert.deepStrictEqual(
                nginx.ports.map((port: any) => port.containerPort),
                [8080],
                "nginx declares its serving port only",
            );
        });

        it("skips the PodMonitor and PrometheusRule on a cluster without the Prometheus Operator, and says why", () => {
            assert.strictEqual(run.ofType(MONITORING).length, 1);
            assert.deepStrictEqual(monitoringChildren(run), []);
            assert.deepStrictEqual(run.ofType(POD_MONITOR), []);
            assert.deepStrictEqual(run.ofType(PROMETHEUS_RULE), []);
            const summary = run.outputs.monitoring as Record<string, string>;
            assert.deepStrictEqual(Object.keys(summary), ["skipped"]);
            assert.match(summary.skipped, /does not serve monitoring\.coreos\.com\/v1\/PodMonitor/);
            assert.match(summary.skipped, /stateful-nginx:observability\.prometheusOperator/);
        });

        it("asks the cluster which kinds it serves, through the facts chart", () => {
            const [template, ...more] = monitoringQueries(run);
            assert.deepStrictEqual(more, []);
            for (const api of MONITORING_APIS) assert.ok(template.includes(`.Capabilities.APIVersions.Has "${api}"`));
        });
    });

    describe("on a cluster that serves the Prometheus Operator's kinds", () => {
        let run: StackRun;
        let lines: string[];
        before(async () => {
            setMockCluster({ prometheusOperatorInstalled: true });
            lines = await infoLines(async () => {
                run = await runStack("dev", {
                    "stateful-nginx:observability": { labels: { release: "kube-prometheus-stack" } },
                });
            });
            resetMockCluster();
        });

        it("creates a PodMonitor of the pods' metrics port and a PrometheusRule, with the platform's provider", () => {
            const [podMonitor, rule] = [
                run.get(POD_MONITOR, "nginx-monitoring"),
                run.get(PROMETHEUS_RULE, "nginx-monitoring-alerts"),
            ];
            assert.deepStrictEqual(
                monitoringChildren(run)
                    .map((resource) => resource.type)
                    .sort(),
                [POD_MONITOR, PROMETHEUS_RULE].sort(),
            );
            const provider = run.get(STATEFUL_SET, "nginx").provider;
            for (const resource of [podMonitor, rule]) {
                assert.strictEqual(resource.provider, provider);
                assert.strictEqual(metadataOf(resource).namespace, "stateful-nginx");
                assert.strictEqual(metadataOf(resource).name, "nginx");
                assert.strictEqual(metadataOf(resource).labels.release, "kube-prometheus-stack");
            }
            assert.deepStrictEqual(specOf(podMonitor).selector, {
                matchLabels: specOf(run.get(STATEFUL_SET, "nginx")).selector.matchLabels,
            });
            assert.deepStrictEqual(specOf(podMonitor).podMetricsEndpoints, [
                { port: "metrics", path: "/metrics", interval: "30s" },
            ]);
        });

        it("exports what it created and logs no skip", () => {
            assert.deepStrictEqual(run.outputs.monitoring, {
                podMonitor: "stateful-nginx/nginx",
                prometheusRule: "stateful-nginx/nginx",
                alerts: [
                    "NginxClaimAlmostFull",
                    "NginxPodNotReady",
                    "NginxReplicasMissing",
                    "NginxContainerRestarting",
                    "NginxDown",
                    "NginxMetricsDown",
                ],
            });
            assert.deepStrictEqual(
                lines.filter((line) => /skipped/.test(line)),
                [],
            );
        });

        it("alerts on the set's claims, pods and nginx, by their series", () => {
            const [group] = specOf(run.get(PROMETHEUS_RULE, "nginx-monitoring-alerts")).groups;
            const expr = (alert: string) => group.rules.find((rule: any) => rule.alert === alert).expr as string;
            assert.match(expr("NginxClaimAlmostFull"), /kubelet_volume_stats_used_bytes/);
            assert.match(expr("NginxClaimAlmostFull"), /nginx-persistent-storage-nginx-\[0-9\]\+/);
            assert.match(expr("NginxPodNotReady"), /kube_pod_status_ready\{/);
            assert.match(expr("NginxContainerRestarting"), /kube_pod_container_status_restarts_total/);
            assert.match(expr("NginxDown"), /^nginx_up\{.*\} == 0$/);
        });
    });

    describe("the skip note", () => {
        it("is one info line, not an error, when the cluster does not serve the kinds", async () => {
            const lines = await infoLines(() => runStack("dev"));
            const skips = lines.filter((line) => line.startsWith("PodMonitor and PrometheusRule skipped"));
            assert.strictEqual(skips.length, 1);
            assert.match(skips[0], /the cluster does not serve monitoring\.coreos\.com\/v1\/PodMonitor/);
        });

        it("says on EKS that the stack makes its own cluster, without asking it", async () => {
            let run: StackRun | undefined;
            const lines = await infoLines(async () => {
                run = await runStack("prod");
            });
            assert.deepStrictEqual(run!.ofType(POD_MONITOR), []);
            assert.deepStrictEqual(monitoringQueries(run!), []);
            const skips = lines.filter((line) => line.startsWith("PodMonitor and PrometheusRule skipped"));
            assert.strictEqual(skips.length, 1);
            assert.match(skips[0], /makes its own cluster/);
            assert.match((run!.outputs.monitoring as any).skipped, /observability\.prometheusOperator true/);
        });

        it("is not given, and nothing is asked, when prometheusOperator is false", async () => {
            setMockCluster({ prometheusOperatorInstalled: true });
            const run = await runStack("dev", { "stateful-nginx:observability": { prometheusOperator: false } });
            assert.deepStrictEqual(run.ofType(POD_MONITOR), []);
            assert.deepStrictEqual(monitoringQueries(run), []);
            assert.deepStrictEqual(run.outputs.monitoring, {
                skipped: "stateful-nginx:observability.prometheusOperator is false",
            });
        });
    });

    describe("config", () => {
        it("creates them on EKS when prometheusOperator is true, without asking the new cluster", async () => {
            const run = await runStack("prod", { "stateful-nginx:observability": { prometheusOperator: true } });
            assert.strictEqual(run.ofType(POD_MONITOR).length, 1);
            assert.strictEqual(run.ofType(PROMETHEUS_RULE).length, 1);
            assert.deepStrictEqual(monitoringQueries(run), []);
        });

        it("stops a bare-metal stack whose true the cluster contradicts, with one line naming the key", async () => {
            await assert.rejects(
                runStack("dev", { "stateful-nginx:observability": { prometheusOperator: true } }),
                (error: Error) => {
                    assert.strictEqual(
                        error.message,
                        "stateful-nginx:observability.prometheusOperator: got true; the cluster does not serve " +
                            "monitoring.coreos.com/v1/PodMonitor, monitoring.coreos.com/v1/PrometheusRule: install " +
                            "the Prometheus Operator (its CRDs) first, or set auto (skips until it is there) or false",
                    );
                    return true;
                },
            );
        });

        it("turns everything off with enabled: false: nginx alone, no ConfigMap, no monitoring, no output", async () => {
            const run = await runStack("dev", { "stateful-nginx:observability": { enabled: false } });
            const spec = podSpec(run);
            assert.deepStrictEqual(
                spec.containers.map((container: any) => container.name),
                ["nginx"],
            );
            assert.deepStrictEqual(
                spec.containers[0].volumeMounts.map((mount: any) => mount.mountPath),
                ["/usr/share/nginx/html", "/tmp", "/var/cache/nginx"],
            );
            assert.deepStrictEqual(
                spec.volumes.map((volume: any) => volume.name),
                ["tmp", "cache"],
            );
            assert.deepStrictEqual(
                run
                    .ofType(CONFIG_MAP)
                    .map((resource) => resource.name)
                    .filter((name) => name.includes("stub-status")),
                [],
            );
            assert.deepStrictEqual(run.ofType(MONITORING), []);
            assert.ok(!("monitoring" in run.outputs));
        });

        it("takes the exporter's image and resources from config", async () => {
            const run = await runStack("dev", {
                "stateful-nginx:observability": {
                    exporterImage: "registry.example.com:5000/nginx-prometheus-exporter:1.5.1",
                    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { memory: "48Mi" } },
                },
            });
            const exporter = podSpec(run).containers.find((container: any) => container.name === "nginx-exporter");
            assert.strictEqual(exporter.image, "registry.example.com:5000/nginx-prometheus-exporter:1.5.1");
            assert.deepStrictEqual(exporter.resources, {
                requests: { cpu: "20m", memory: "32Mi" },
                limits: { memory: "48Mi" },
            });
        });
    });
});

describe("the observability config block", () => {
    const parse = (observability: unknown) =>
        parseConfig({ metallb: JSON.stringify(DEV_METALLB), observability: JSON.stringify(observability) })
            .observability;
    const errorOf = (observability: unknown) =>
        configErrorOf({ metallb: JSON.stringify(DEV_METALLB), observability: JSON.stringify(observability) });

    it("defaults to metrics on, the pinned exporter, auto, no labels and 80%", () => {
        assert.deepStrictEqual(observabilitySchema.parse({}), {
            enabled: true,
            exporterImage: "nginx/nginx-prometheus-exporter:1.5.1",
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            prometheusOperator: "auto",
            labels: {},
            claimUsagePercent: 80,
        });
        assert.strictEqual(parseConfig({ metallb: JSON.stringify(DEV_METALLB) }).observability.enabled, true);
    });

    it("takes auto, true and false for prometheusOperator", () => {
        for (const value of ["auto", true, false] as const)
            assert.strictEqual(parse({ prometheusOperator: value }).prometheusOperator, value);
    });

    const bad: [string, unknown, string][] = [
        [
            "another word for prometheusOperator",
            { prometheusOperator: "yes" },
            'stateful-nginx:observability.prometheusOperator: got "yes"; must be one of auto, true, false',
        ],
        [
            "an exporter on a moving tag",
            { exporterImage: "nginx/nginx-prometheus-exporter:latest" },
            'stateful-nginx:observability.exporterImage: got "nginx/nginx-prometheus-exporter:latest"; must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)',
        ],
        [
            "a threshold of 100%",
            { claimUsagePercent: 100 },
            "stateful-nginx:observability.claimUsagePercent: got 100; must be at most 99",
        ],
        [
            "a request above its limit",
            { resources: { requests: { memory: "128Mi" } } },
            'stateful-nginx:observability.resources.requests.memory: got "128Mi"; must not exceed the limit (64Mi)',
        ],
        [
            "monitors asked for with metrics off",
            { enabled: false, prometheusOperator: true },
            "stateful-nginx:observability.prometheusOperator: got true; asks for the PodMonitor and PrometheusRule, but observability.enabled is false; drop one",
        ],
        [
            "a label key Kubernetes refuses",
            { labels: { "release name": "x" } },
            'stateful-nginx:observability.labels.release name: got "release name"; must be a Kubernetes label key',
        ],
    ];
    for (const [what, observability, line] of bad) {
        it(`rejects ${what} with one line`, () => {
            assert.strictEqual(errorOf(observability), line);
        });
    }

    it("lists every problem of the block at once, each on its own line", () => {
        const message = errorOf({ prometheusOperator: "yes", claimUsagePercent: 0, enabld: true });
        const lines = message.split("\n").slice(1);
        assert.strictEqual(lines.length, 3, message);
        assert.ok(
            lines.some((line) => line.includes("observability.enabld: got an unknown key; did you mean enabled?")),
        );
    });
});

describe("the alert rules", () => {
    const rules = alertRules({ statefulSetName: "web", namespace: "shop", claimUsagePercent: 80 });
    const rule = (alert: string) => rules.find((candidate) => candidate.alert === alert)!;
    /** The regular expression of a `label=~"..."` matcher, anchored as Prometheus anchors it. */
    const matcher = (expr: string, label: string) =>
        new RegExp(`^(?:${new RegExp(`${label}=~"([^"]+)"`).exec(expr)![1]})$`);

    it("compare each claim's used bytes to its capacity at the configured share", () => {
        const expr = rule("NginxClaimAlmostFull").expr;
        assert.match(
            expr,
            /kubelet_volume_stats_used_bytes\{[^}]*\}\) \/ max by \(namespace, persistentvolumeclaim\) \(kubelet_volume_stats_capacity_bytes\{/,
        );
        assert.match(expr, / > 0\.8$/);
        assert.match(
            alertRules({ statefulSetName: "web", namespace: "shop", claimUsagePercent: 90 })[0].expr,
            / > 0\.9$/,
        );
    });

    it("select exactly the set's claims, whatever its size, and no other set's", () => {
        const claims = matcher(rule("NginxClaimAlmostFull").expr, "persistentvolumeclaim");
        for (const claim of claimNames("web", 12)) assert.match(claim, claims);
        for (const other of ["nginx-persistent-storage-web2-0", "nginx-persistent-storage-web-", "data-web-0"]) {
            assert.doesNotMatch(other, claims);
        }
        assert.match(rule("NginxClaimAlmostFull").expr, /namespace="shop"/);
    });

    it("select exactly the set's pods in its namespace", () => {
        for (const alert of ["NginxPodNotReady", "NginxContainerRestarting", "NginxDown", "NginxMetricsDown"]) {
            const pods = matcher(rule(alert).expr, "pod");
            assert.match("web-0", pods);
            assert.match("web-11", pods);
            assert.doesNotMatch("web-canary-0", pods);
            assert.doesNotMatch("web-verify-abc12", pods);
            assert.match(rule(alert).expr, /namespace="shop"/);
        }
    });

    it("read kube-state-metrics for readiness, replicas and restarts, and the exporter for nginx", () => {
        assert.match(rule("NginxPodNotReady").expr, /kube_pod_status_ready\{[^}]*condition="true"\}\) == 0$/);
        assert.match(
            rule("NginxReplicasMissing").expr,
            /kube_statefulset_status_replicas_ready\{[^}]*statefulset="web"/,
        );
        assert.match(
            rule("NginxReplicasMissing").expr,
            /< max by \(namespace, statefulset\) \(kube_statefulset_replicas\{/,
        );
        assert.match(
            rule("NginxContainerRestarting").expr,
            /^increase\(kube_pod_container_status_restarts_total\{[^}]+\}\[30m\]\) >= 3$/,
        );
        assert.match(rule("NginxDown").expr, /^nginx_up\{[^}]+\} == 0$/);
        assert.match(rule("NginxMetricsDown").expr, /^up\{[^}]*container="nginx-exporter"\} == 0$/);
    });

    it("page on nginx down, warn on the rest, each after a while", () => {
        assert.deepStrictEqual(
            rules.map((candidate) => [candidate.alert, candidate.labels.severity]),
            [
                ["NginxClaimAlmostFull", "warning"],
                ["NginxPodNotReady", "warning"],
                ["NginxReplicasMissing", "warning"],
                ["NginxContainerRestarting", "warning"],
                ["NginxDown", "critical"],
                ["NginxMetricsDown", "warning"],
            ],
        );
        for (const candidate of rules) assert.match(candidate.for, /^\d+m$/);
    });
});

describe("whether the monitoring objects are created", () => {
    const all = Object.fromEntries(MONITORING_APIS.map((api) => [api, true]));
    const none = Object.fromEntries(MONITORING_APIS.map((api) => [api, false]));

    it("creates them when the cluster serves both kinds, on auto or true", () => {
        assert.strictEqual(monitoringDecision("auto", "baremetal", all).create, true);
        assert.strictEqual(monitoringDecision(true, "baremetal", all).create, true);
    });

    it("skips them on auto when the cluster lacks either kind, naming what it lacks", () => {
        const decision = monitoringDecision("auto", "baremetal", {
            ...all,
            "monitoring.coreos.com/v1/PrometheusRule": false,
        });
        assert.strictEqual(decision.create, false);
        assert.match(decision.reason, /does not serve monitoring\.coreos\.com\/v1\/PrometheusRule \(/);
    });

    it("refuses true where the cluster serves neither", () => {
        assert.throws(
            () => monitoringDecision(true, "baremetal", none),
            /^Error: stateful-nginx:observability\.prometheusOperator: got true; /,
        );
    });

    it("skips on auto and creates on true when the cluster cannot be asked (EKS)", () => {
        assert.strictEqual(monitoringDecision("auto", "eks", undefined).create, false);
        assert.strictEqual(monitoringDecision(true, "eks", undefined).create, true);
    });

    it("never creates them on false, whatever the cluster serves", () => {
        assert.strictEqual(monitoringDecision(false, "baremetal", all).create, false);
    });

    it("asks the cluster with the facts chart, which reads each kind from Helm's capabilities", () => {
        const template = clusterFactsChart(MONITORING_APIS)["templates/facts.yaml"];
        for (const api of MONITORING_APIS)
            assert.ok(template.includes(`'{{ .Capabilities.APIVersions.Has "${api}" }}'`));
        assert.doesNotMatch(template, /metallb\.io/);
        const facts = parseClusterFacts(
            [{ kind: "ConfigMap", data: { [MONITORING_APIS[0]]: "true", [MONITORING_APIS[1]]: "false" } }],
            MONITORING_APIS,
        );
        assert.deepStrictEqual(facts.served, { [MONITORING_APIS[0]]: true, [MONITORING_APIS[1]]: false });
    });
});

describe("the nginx pod template without metrics", () => {
    it("has nginx alone, with the image's own configuration", () => {
        const labels = recommendedLabels("nginx");
        const spec = nginxPodTemplate({ labels, selector: selectorLabels(labels), app: appSchema.parse({}) })
            .spec as any;
        assert.deepStrictEqual(
            spec.containers.map((container: any) => container.name),
            ["nginx"],
        );
        assert.ok(!JSON.stringify(spec).includes("stub-status"));
    });
});
