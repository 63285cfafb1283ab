import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The MetalLB custom resources a stack that does not install MetalLB needs the cluster to serve, as
 * `group/version/Kind` (the form of Helm's `.Capabilities.APIVersions`).
 */
export const METALLB_APIS = [
    "metallb.io/v1beta1/IPAddressPool",
    "metallb.io/v1beta1/L2Advertisement",
    "metallb.io/v1beta1/BGPAdvertisement",
    "metallb.io/v1beta2/BGPPeer",
] as const;

/** What the program learns about the cluster before it creates anything. */
export interface ClusterFacts {
    /** The API server's version, e.g. `v1.34.1` or `v1.33.5+k3s1`. */
    readonly kubeVersion: string;
    /** Which of the APIs asked about (METALLB_APIS unless others are named) the API server serves. */
    readonly served: Readonly<Record<string, boolean>>;
}

/**
 * A one-template Helm chart that writes what Helm's `.Capabilities` says about the cluster into a ConfigMap
 * manifest. It is only rendered, never applied. pulumi-kubernetes renders charts with the API server's version
 * and its discovery (every served `group/version/Kind`, custom resources included) when it can reach the
 * cluster (provider/pkg/provider/invoke_helm_template.go, `setKubeVersionAndAPIVersions`, v4.32.0). Unlike
 * `CustomResourceDefinition.get`, whose not-found stops the update with the engine's own "resource ... does not
 * exist", this lets the program say which key to change. `apis` are the `group/version/Kind`s it asks about.
 */
export function clusterFactsChart(apis: readonly string[] = METALLB_APIS): Record<string, string> {
    const checks = apis.map((api) => `  ${JSON.stringify(api)}: '{{ .Capabilities.APIVersions.Has "${api}" }}'`);
    return {
        "Chart.yaml":
            "apiVersion: v2\nname: cluster-facts\nversion: 0.1.0\ndescription: Rendered only, never installed.\n",
        "templates/facts.yaml": [
            "apiVersion: v1",
            "kind: ConfigMap",
            "metadata:",
            "  name: cluster-facts",
            "data:",
            "  kubeVersion: '{{ .Capabilities.KubeVersion.Version }}'",
            ...checks,
            "",
        ].join("\n"),
    };
}

const chartDirs = new Map<string, string>();

/** Writes the chart for `apis` to a temporary folder once per run and returns the folder. */
function clusterFactsChartDir(apis: readonly string[]): string {
    let chartDir = chartDirs.get(apis.join(","));
    if (chartDir === undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stateful-nginx-cluster-facts-"));
        for (const [file, text] of Object.entries(clusterFactsChart(apis))) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
        chartDir = dir;
        chartDirs.set(apis.join(","), dir);
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    return chartDir;
}

/** ClusterFacts from the rendered chart (the objects `kubernetes:helm:template` returns). */
export function parseClusterFacts(objects: unknown, apis: readonly string[] = METALLB_APIS): ClusterFacts {
    const list = Array.isArray(objects) ? (objects as Record<string, unknown>[]) : [];
    const facts = list.find((object) => object?.kind === "ConfigMap");
    const data = (facts?.data ?? {}) as Record<string, string>;
    return {
        kubeVersion: data.kubeVersion ?? "",
        served: Object.fromEntries(apis.map((api) => [api, data[api] === "true"])),
    };
}

/** The MetalLB APIs the cluster does not serve. */
export function missingMetalLbApis(facts: ClusterFacts): string[] {
    return METALLB_APIS.filter((api) => !facts.served[api]);
}

/**
 * k3s runs kube-proxy inside its own process and RKE2 as a static pod configured by its own files: neither has
 * a kube-system/kube-proxy ConfigMap.
 */
export function embeddedKubeProxy(facts: ClusterFacts): "k3s" | "rke2" | undefined {
    if (/\+k3s\d*$/.test(facts.kubeVersion)) return "k3s";
    if (/\+rke2r?\d*$/.test(facts.kubeVersion)) return "rke2";
    return undefined;
}

/**
 * True on k3s, which the API server's version says (`v1.33.5+k3s1`: k3s builds Kubernetes with its own suffix, and
 * `/version` reports it). k3s runs its own LoadBalancer controller, ServiceLB (klipper-lb), unless every server
 * is started with `--disable=servicelb` (https://docs.k3s.io/networking/networking-services#service-load-balancer).
 * Whether it was cannot be read through Helm's `.Capabilities`: ServiceLB serves no API of its own, and its
 * `svclb-*` DaemonSets exist only once a LoadBalancer Service does.
 */
export function runsK3s(facts: ClusterFacts): boolean {
    return embeddedKubeProxy(facts) === "k3s";
}

/** MetalLB's API is served: its CRDs are installed (by a running MetalLB, or left behind by one). */
export function metallbApiServed(facts: ClusterFacts): boolean {
    return METALLB_APIS.some((api) => facts.served[api]);
}

/**
 * Renders the facts chart through `provider` (so against the stack's cluster). Nothing is created: the
 * provider's `kubernetes:helm:template` function returns manifests only. `apis`: the APIs to ask about.
 */
export function readClusterFacts(
    provider: k8s.Provider,
    parent?: pulumi.Resource,
    apis: readonly string[] = METALLB_APIS,
): Promise<ClusterFacts> {
    const jsonOpts = JSON.stringify({
        path: clusterFactsChartDir(apis),
        release_name: "cluster-facts",
        namespace: "default",
    });
    return pulumi.runtime
        .invoke("kubernetes:helm:template", { jsonOpts }, { provider, parent })
        .then((result: { result?: unknown }) => parseClusterFacts(result?.result, apis));
}
