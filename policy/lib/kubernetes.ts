/** What the policies know about Kubernetes objects as the Pulumi Kubernetes provider registers them. */
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

/** The pods a workload runs: their labels and their spec. */
export interface PodTemplate {
    readonly labels: Record<string, string>;
    readonly spec: Props;
}

/** The pod template of a workload object (the object itself for a Pod), or undefined for anything else. */
export function podTemplateOf(type: string, props: Props): PodTemplate | undefined {
    if (!WORKLOAD_TYPES.includes(type)) return undefined;
    if (type === K8S.pod) {
        return { labels: stringMap(record(props.metadata).labels), spec: record(props.spec) };
    }
    const spec = record(props.spec);
    const template =
        type === K8S.cronJob ? record(record(record(spec.jobTemplate).spec).template) : record(spec.template);
    return { labels: stringMap(record(template.metadata).labels), spec: record(template.spec) };
}

export interface Container {
    readonly name: string;
    readonly init: boolean;
    readonly props: Props;
}

/** The containers and init containers of a pod spec (ephemeral containers are for debugging only). */
export function containersOf(podSpec: Props): Container[] {
    const read = (value: unknown, init: boolean) =>
        list(value)
            .filter(isRecord)
            .map((container, index) => ({ name: text(container.name) ?? `#${index}`, init, props: container }));
    return [...read(podSpec.initContainers, true), ...read(podSpec.containers, false)];
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
