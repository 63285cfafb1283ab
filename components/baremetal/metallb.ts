import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
// Straight from helm/v4: the `helm` index also loads helm v3 and its YAML engine, which this program never uses.
import * as helm from "@pulumi/kubernetes/helm/v4";
import * as pulumi from "@pulumi/pulumi";
import type { MetalLbConfig } from "../../config";
import { DEFAULT_CHART_REPOSITORY } from "../../config/metallb";
import { METALLB_NAMESPACE } from "./custom-resource";

/** The official chart repository and chart name. */
export const METALLB_CHART = { repo: DEFAULT_CHART_REPOSITORY, chart: "metallb" } as const;

/** Where helm.v4.Chart finds the chart: its `chart`, and `repositoryOpts` for an http(s) repository. */
export interface MetalLbChartSource {
    chart: string;
    repositoryOpts?: { repo: string };
}

/**
 * The chart's source: a local chart path (made absolute against the project directory, where Pulumi runs the
 * program), an `oci://` registry (helm.v4.Chart takes `oci://host/path/metallb` as `chart`, with no
 * repository), or an http(s) chart repository, MetalLB's own by default.
 */
export function metallbChartSource(
    metallb: Partial<Pick<MetalLbConfig, "chartRepository" | "chartPath">>,
): MetalLbChartSource {
    if (metallb.chartPath !== undefined) return { chart: path.resolve(metallb.chartPath) };
    const repo = metallb.chartRepository ?? METALLB_CHART.repo;
    if (repo.startsWith("oci://")) return { chart: `${repo.replace(/\/+$/, "")}/${METALLB_CHART.chart}` };
    return { chart: METALLB_CHART.chart, repositoryOpts: { repo } };
}

/**
 * The Helm release name. helm.v4.Chart would otherwise use the Pulumi resource name
 * (pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go: `if chartArgs.Name == "" { chartArgs.Name = name }`),
 * and the chart names its objects after the release (charts/metallb/templates/_helpers.tpl, `metallb.fullname`,
 * v0.16.1: the release name alone when it contains "metallb"). So the speaker is `metallb-speaker` and the
 * controller `metallb-controller`, as in MetalLB's own docs, and every pod carries
 * `app.kubernetes.io/instance: metallb`.
 */
export const METALLB_RELEASE = "metallb";

/**
 * Pod Security labels for metallb-system: the speaker runs on the host network with NET_RAW and friends, so
 * the namespace must admit privileged pods (https://metallb.io/installation/#installation-with-helm).
 */
export function metallbNamespaceLabels(): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
    };
}

/** The BGP backend the speakers use. */
export type MetalLbBackend = "native" | "frr-k8s";

/**
 * Native mode serves L2 and plain BGP (IPv4 sessions, communities, local preference, aggregation). FRR-K8s
 * is used only when the stack asks for it with `metallb.frrk8s` (IPv6 over BGP, BFD, VRFs); the config
 * refuses a BGP setup that needs FRR without it rather than switching backends behind the user's back.
 */
export function metallbBackend(metallb: Pick<MetalLbConfig, "frrk8s">): MetalLbBackend {
    return metallb.frrk8s ? "frr-k8s" : "native";
}

/** An image as the chart's values take it (charts/metallb/values.yaml, v0.16.1: `repository`, `tag`). */
export interface MetalLbImageValue {
    repository: string;
    tag?: string;
}

/** A subset of the chart's values: the ones this program sets. */
export interface MetalLbChartValues {
    frrk8s: { enabled: boolean };
    controller?: { image: MetalLbImageValue };
    speaker: { frr: { enabled: boolean }; ignoreExcludeLB: boolean; image?: MetalLbImageValue };
}

/**
 * Chart values. Since 0.16 the chart enables the FRR-K8s backend by default; native mode turns it off.
 * The speaker's own FRR container (the older "FRR mode") stays off in both: FRR-K8s replaces it.
 * `speaker.ignoreExcludeLB` (values.yaml, v0.16.1) passes `--ignore-exclude-lb`: without it a speaker on a node
 * labelled `node.kubernetes.io/exclude-from-external-load-balancers` announces nothing
 * (speaker/layer2_controller.go, bgp_controller.go), and kubeadm puts that label on every control-plane node.
 */
export function metallbChartValues(
    metallb: Pick<MetalLbConfig, "frrk8s"> & Partial<Pick<MetalLbConfig, "ignoreExcludeLB" | "images">>,
): MetalLbChartValues {
    // Images only when configured: the chart's own defaults (quay.io/metallb/..., tag = appVersion) stay the
    // chart's, and follow chartVersion.
    const { controller, speaker } = metallb.images ?? {};
    return {
        frrk8s: { enabled: metallbBackend(metallb) === "frr-k8s" },
        ...(controller ? { controller: { image: { ...controller } } } : {}),
        speaker: {
            frr: { enabled: false },
            ignoreExcludeLB: metallb.ignoreExcludeLB ?? false,
            ...(speaker ? { image: { ...speaker } } : {}),
        },
    };
}

export interface MetalLbArgs {
    /** Version of the `metallb` chart. */
    chartVersion: string;
    /** Use the FRR-K8s backend instead of native mode. @default false */
    frrk8s?: boolean;
    /** Announce from nodes labelled exclude-from-external-load-balancers too. @default false */
    ignoreExcludeLB?: boolean;
    /** The namespace to create and install into. @default METALLB_NAMESPACE */
    namespace?: string;
    /** An http(s) chart repository or oci:// registry. @default METALLB_CHART.repo */
    chartRepository?: string;
    /** A local chart directory or .tgz, instead of any repository. */
    chartPath?: string;
    /** MetalLB's controller and speaker images from another registry. @default the chart's */
    images?: MetalLbConfig["images"];
    /**
     * Resolves once the cluster has been judged fit for MetalLB; rejects (with the line that says why) when it
     * is not. Nothing of MetalLB is registered before it resolves, so a refused cluster gets nothing.
     * @default nothing to wait for
     */
    judged?: Promise<unknown>;
}

/**
 * MetalLB's namespace (metallb-system unless configured) and MetalLB itself from its official Helm chart. One per
 * cluster: the chart also writes objects whose names do not follow the release (the
 * `metallb-webhook-configuration` ValidatingWebhookConfiguration, the CRDs, `metallb-excludel2`; chart v0.16.1),
 * so on a shared cluster one stack installs it and the others set `metallb.install: false`.
 */
export class MetalLb extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    /**
     * The chart. `helm.v4.Chart` is implemented by the provider, so depending on it waits for every object it
     * renders: CRDs, the controller Deployment and speaker DaemonSet being ready, and the webhook Service having
     * ready endpoints.
     */
    public readonly chart: helm.Chart;
    public readonly namespaceName: pulumi.Output<string>;
    public readonly chartVersion: pulumi.Output<string>;
    public readonly backend: pulumi.Output<MetalLbBackend>;
    /** The values given to the chart: a change of any of them re-runs the webhook check. */
    public readonly values: MetalLbChartValues;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        // The component itself waits for the judgement: a `dependsOn` that is a promise is awaited before the
        // registration is sent (@pulumi/pulumi 3.248 runtime/resource.ts `prepareResource`, through
        // runtime/dependsOn.ts `gatherExplicitDependencies`), and its children wait for their parent's URN, so
        // a rejected judgement registers none of them.
        const judged = pulumi.output((args.judged ?? Promise.resolve()).then((): pulumi.Resource[] => []));
        super("stateful-nginx:baremetal:MetalLb", name, {}, { ...opts, dependsOn: judged });
        const settings = {
            frrk8s: args.frrk8s ?? false,
            ignoreExcludeLB: args.ignoreExcludeLB ?? false,
            images: args.images,
        };

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.namespace ?? METALLB_NAMESPACE, labels: metallbNamespaceLabels() } },
            { parent: this, dependsOn: judged },
        );
        this.values = metallbChartValues(settings);
        this.chart = new helm.Chart(
            `${name}-chart`,
            {
                name: METALLB_RELEASE,
                ...metallbChartSource(args),
                version: args.chartVersion,
                namespace: this.namespace.metadata.name,
                values: { ...this.values },
            },
            { parent: this, dependsOn: [this.namespace] },
        );

        this.namespaceName = this.namespace.metadata.name;
        this.chartVersion = pulumi.output(args.chartVersion);
        this.backend = pulumi.output(metallbBackend(settings));
        this.registerOutputs({
            namespaceName: this.namespaceName,
            chartVersion: this.chartVersion,
            backend: this.backend,
        });
    }
}
