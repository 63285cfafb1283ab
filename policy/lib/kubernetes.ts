/** What the policies know about Kubernetes objects as the Pulumi Kubernetes provider registers them. */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { isUnknownValueError } from "./validation";
import { isRecord, list, Props, record, stringMap, text } from "./values";

/** Type tokens: `kubernetes:<group>/<version>:<Kind>`, the core group as `core`. */
export const K8S = {
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    pod: "kubernetes:core/v1:Pod",
    service: "kubernetes:core/v1:Service",
    podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    ipAddressPool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    l2Advertisement: "kubernetes:metallb.io/v1beta1:L2Advertisement",
    bgpAdvertisement: "kubernetes:metallb.io/v1beta1:BGPAdvertisement",
} as const;

/** Every type that runs pods from a template (or is a pod). */
export const WORKLOAD_TYPES: readonly string[] = [
    K8S.statefulSet,
    K8S.deployment,
    K8S.daemonSet,
    K8S.replicaSet,
    K8S.job,
    K8S.cronJob,
    K8S.pod,
];

/** The pods a workload runs: their metadata, their spec, and where that spec sits in the object. */
export interface PodTemplate {
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
    readonly spec: Props;
    /** The path of the pod spec in the object, for messages: `spec.template.spec`, `spec` for a Pod. */
    readonly specPath: string;
}

/** The pod template of a workload object (the object itself for a Pod), or undefined for anything else. */
export function podTemplateOf(type: string, props: Props): PodTemplate | undefined {
    if (!WORKLOAD_TYPES.includes(type)) return undefined;
    const pod = (metadata: unknown, spec: unknown, specPath: string): PodTemplate => ({
        labels: stringMap(record(metadata).labels),
        annotations: stringMap(record(metadata).annotations),
        spec: record(spec),
        specPath,
    });
    if (type === K8S.pod) return pod(props.metadata, props.spec, "spec");
    const spec = record(props.spec);
    if (type === K8S.cronJob) {
        const template = record(record(record(spec.jobTemplate).spec).template);
        return pod(template.metadata, template.spec, "spec.jobTemplate.spec.template.spec");
    }
    const template = record(spec.template);
    return pod(template.metadata, template.spec, "spec.template.spec");
}

/** The three lists of a pod spec that hold containers, in the order the kubelet starts them. */
export const CONTAINER_LISTS = [
    { field: "initContainers", kind: "init container" },
    { field: "containers", kind: "container" },
    { field: "ephemeralContainers", kind: "ephemeral container" },
] as const;

export interface Container {
    readonly name: string;
    readonly kind: (typeof CONTAINER_LISTS)[number]["kind"];
    /** Its path in the pod spec: `containers[0]`. */
    readonly path: string;
    readonly props: Props;
}

/**
 * The init containers and containers of a pod spec and, with `ephemeral`, its ephemeral containers (which
 * `kubectl debug` adds to a running pod; they have no probes, ports or resources).
 */
export function containersOf(podSpec: Props, { ephemeral = false } = {}): Container[] {
    return CONTAINER_LISTS.filter((entry) => ephemeral || entry.field !== "ephemeralContainers").flatMap(
        ({ field, kind }) =>
            list(podSpec[field])
                .filter(isRecord)
                .map((container, index) => ({
                    name: text(container.name) ?? `#${index}`,
                    kind,
                    path: `${field}[${index}]`,
                    props: container,
                })),
    );
}

/** `container nginx`, `init container write-page`. */
export function containerLabel(container: Container): string {
    return `${container.kind} ${container.name}`;
}

/**
 * The namespaces the pod policies skip unless their `excludedNamespaces` config says otherwise: the
 * distribution's own, and metallb-system, where the bare-metal platform installs MetalLB's chart by
 * default (`metallb.namespace`): its speaker needs the host network and NET_RAW, which its namespace's Pod
 * Security labels allow. A stack that puts MetalLB elsewhere names that namespace in its policy config.
 */
export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "metallb-system",
];

/** The config schema of `excludedNamespaces`, shared by every pod policy. */
export const EXCLUDED_NAMESPACES_SCHEMA = {
    type: "array",
    items: { type: "string" },
    description:
        "Namespaces whose workloads this policy skips (upstream charts such as MetalLB's, the distribution's own).",
} as const;

/** A workload as the pod policies judge it. */
export interface Workload {
    /** `StatefulSet stateful-nginx/nginx`: how messages name it. */
    readonly what: string;
    readonly template: PodTemplate;
}

/** The workload's pod template, or not applicable for an object in one of the `excluded` namespaces. */
export function workloadOf(props: Props, args: ResourceValidationArgs, excluded: readonly string[]): Workload {
    const namespace = namespaceOf(props);
    if (namespace !== undefined && excluded.includes(namespace)) {
        args.notApplicable(`namespace ${namespace} is excluded`);
    }
    const kind = text(props.kind) ?? args.type.split(":").pop() ?? args.type;
    const template = podTemplateOf(args.type, props) ?? {
        labels: {},
        annotations: {},
        spec: {},
        specPath: "spec",
    };
    return { what: `${kind} ${describe(props, args.name)}`, template };
}

export function namespaceOf(props: Props): string | undefined {
    return text(record(props.metadata).namespace);
}

export function nameOf(props: Props): string | undefined {
    return text(record(props.metadata).name);
}

export function labelsOf(props: Props): Record<string, string> {
    return stringMap(record(props.metadata).labels);
}

export function annotationsOf(props: Props): Record<string, string> {
    return stringMap(record(props.metadata).annotations);
}

/**
 * True when two objects may live in the same namespace. An object without `metadata.namespace` lands in
 * its provider's namespace, which the policy cannot see, so it is assumed to share one with anything.
 */
export function sameNamespace(a: Props, b: Props): boolean {
    const [left, right] = [namespaceOf(a), namespaceOf(b)];
    return left === undefined || right === undefined || left === right;
}

/** The value `read` returns, or `fallback` when it reads a value unknown during a preview. */
function knownOr<T>(read: () => T, fallback: T): T {
    try {
        return read();
    } catch (error) {
        if (isUnknownValueError(error)) return fallback;
        throw error;
    }
}

/**
 * `namespace/name` of an object, falling back to the Pulumi name when it is auto-named or its name is not
 * known yet: naming the object in a message is no reason to leave it unjudged.
 */
export function describe(props: Props, pulumiName: string): string {
    const name = knownOr(() => nameOf(props), undefined) ?? pulumiName;
    const namespace = knownOr(() => namespaceOf(props), undefined);
    return namespace ? `${namespace}/${name}` : name;
}

/** A Service selector (`spec.selector`, a plain map) selects pods carrying every one of its labels. */
export function mapSelects(selector: Record<string, string>, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector);
    return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/**
 * A LabelSelector (`matchLabels` and `matchExpressions`, as PodDisruptionBudgets and workloads use):
 * an empty selector selects every pod, a missing one none.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 */
export function labelSelectorSelects(selector: unknown, labels: Record<string, string>): boolean {
    if (!isRecord(selector)) return false;
    const matchLabels = stringMap(selector.matchLabels);
    if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
    return list(selector.matchExpressions).every((raw) => {
        const expression = record(raw);
        const key = text(expression.key) ?? "";
        const values = list(expression.values).filter((value): value is string => typeof value === "string");
        switch (text(expression.operator)) {
            case "In":
                return key in labels && values.includes(labels[key]);
            case "NotIn":
                return !(key in labels) || !values.includes(labels[key]);
            case "Exists":
                return key in labels;
            case "DoesNotExist":
                return !(key in labels);
            default:
                return false;
        }
    });
}

/** `a=1,b=2`, sorted: a selector as one comparable, readable string. */
export function selectorKey(selector: Record<string, string>): string {
    return Object.keys(selector)
        .sort()
        .map((key) => `${key}=${selector[key]}`)
        .join(",");
}
