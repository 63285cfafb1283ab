/**
 * What every pod the stack runs should have: probes, resources, a pinned image and the Pod Security
 * "restricted" basics. Third-party charts installed in system namespaces are left to their authors.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { Container, containersOf, describe, K8S, namespaceOf, podTemplateOf, WORKLOAD_TYPES } from "../lib/kubernetes";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { int, isRecord, Props, record, strings, text } from "../lib/values";

/** Namespaces whose workloads come from upstream charts (MetalLB) or the distribution itself. */
const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "metallb-system"];

const excludedNamespacesSchema = {
    type: "array",
    items: { type: "string" },
    description: "Namespaces whose workloads this policy skips (upstream charts, the distribution's own).",
} as const;

interface Workload {
    readonly what: string;
    readonly containers: Container[];
    readonly podSpec: Props;
}

/** The workload's containers, or not applicable for an object in an excluded namespace. */
function workloadOf(props: Props, args: ResourceValidationArgs, excluded: string[]): Workload {
    const namespace = namespaceOf(props);
    if (namespace !== undefined && excluded.includes(namespace)) {
        args.notApplicable(`namespace ${namespace} is excluded`);
    }
    const template = podTemplateOf(args.type, props);
    const kind = text(props.kind) ?? args.type.split(":").pop() ?? args.type;
    return {
        what: `${kind} ${describe(props, args.name)}`,
        containers: containersOf(template?.spec ?? {}),
        podSpec: template?.spec ?? {},
    };
}

function label(container: Container): string {
    return `${container.init ? "init container" : "container"} ${container.name}`;
}

/** Workloads that serve: Jobs run to completion and take no traffic, so probes mean nothing to them. */
const SERVING_TYPES = WORKLOAD_TYPES.filter((type) => type !== K8S.job && type !== K8S.cronJob);

const PROBES_DEFAULTS = { excludedNamespaces: SYSTEM_NAMESPACES, requireLiveness: true };

/**
 * kube-score `container-probes`, kube-linter `no-readiness-probe` / `no-liveness-probe`. Readiness is what
 * makes OrderedReady meaningful (pod N+1 starts when pod N is ready) and keeps a starting pod out of the
 * Service's endpoints; a liveness probe identical to it restarts pods that are merely busy.
 */
export const workloadProbes: ResourceValidationPolicy = {
    name: "workload-probes",
    description: "Every serving container (not Jobs) has a readiness probe and a liveness probe that differs from it.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=no-readiness-probe",
    remediationSteps:
        "Add a readinessProbe to every (non-init) container, and a livenessProbe that is more patient than it " +
        "(higher failureThreshold or periodSeconds).",
    configSchema: schemaWithDefaults(PROBES_DEFAULTS, {
        excludedNamespaces: excludedNamespacesSchema,
        requireLiveness: { type: "boolean", description: "Also require a liveness probe." },
    }),
    validateResource: validateResourceOfTypes(SERVING_TYPES, (props, args, report) => {
        const config = configOf(args, PROBES_DEFAULTS);
        const { what, containers } = workloadOf(props, args, strings(config.excludedNamespaces));
        for (const container of containers.filter((candidate) => !candidate.init)) {
            const readiness = container.props.readinessProbe;
            const liveness = container.props.livenessProbe;
            if (!isRecord(readiness)) {
                report(
                    `${what}: ${label(container)} has no readinessProbe, so it receives traffic before it can ` +
                        "serve: add one (an httpGet on the serving port).",
                );
            }
            if (!isRecord(liveness)) {
                if (config.requireLiveness === true) {
                    report(
                        `${what}: ${label(container)} has no livenessProbe, so a hung process is never ` +
                            "restarted: add one, more patient than the readiness probe.",
                    );
                }
            } else if (isRecord(readiness) && JSON.stringify(liveness) === JSON.stringify(readiness)) {
                report(
                    `${what}: ${label(container)} has identical liveness and readiness probes, so a slow pod is ` +
                        "restarted as soon as it leaves the endpoints: make the liveness probe more patient.",
                );
            }
        }
    }),
};

const RESOURCES_DEFAULTS = { excludedNamespaces: SYSTEM_NAMESPACES, requireCpuLimit: false };

/**
 * kube-linter `unset-cpu-requirements` / `unset-memory-requirements`, kube-score `container-resources`:
 * requests let the scheduler place pods, a memory limit keeps one pod from exhausting its node. A CPU
 * limit only throttles, so it is required only where configured.
 */
export const workloadResources: ResourceValidationPolicy = {
    name: "workload-resources",
    description: "Every container requests CPU and memory and has a memory limit (and a CPU limit if configured).",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=unset-memory-requirements",
    remediationSteps:
        "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container " +
        "and init container (and resources.limits.cpu where requireCpuLimit is on).",
    configSchema: schemaWithDefaults(RESOURCES_DEFAULTS, {
        excludedNamespaces: excludedNamespacesSchema,
        requireCpuLimit: { type: "boolean", description: "Also require resources.limits.cpu." },
    }),
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report) => {
        const config = configOf(args, RESOURCES_DEFAULTS);
        const { what, containers } = workloadOf(props, args, strings(config.excludedNamespaces));
        const required = ["requests.cpu", "requests.memory", "limits.memory"];
        if (config.requireCpuLimit === true) required.push("limits.cpu");
        for (const container of containers) {
            const resources = record(container.props.resources);
            const missing = required.filter((path) => {
                const [group, name] = path.split(".");
                const value = record(resources[group])[name];
                return typeof value !== "string" && typeof value !== "number";
            });
            if (missing.length > 0) {
                report(
                    `${what}: ${label(container)} sets no ${missing.map((path) => `resources.${path}`).join(", ")}: ` +
                        "set them so the scheduler can place the pod and one pod cannot starve its node.",
                );
            }
        }
    }),
};

/**
 * The tag of an image reference, undefined when there is none. A registry port (`host:5000/app`) is not a
 * tag: the tag is after the last ':' of the last path segment.
 */
export function imageTag(image: string): string | undefined {
    const withoutDigest = image.split("@")[0];
    const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    return colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
}

const IMAGE_DEFAULTS = { excludedNamespaces: SYSTEM_NAMESPACES, requireDigest: false };

/**
 * kube-linter `latest-tag`, kube-score `container-image-tag`: an image without a tag is `latest`, and a
 * moving tag lets a rescheduled pod run other bits than its siblings.
 */
export const workloadImagePinned: ResourceValidationPolicy = {
    name: "workload-image-pinned",
    description: "Every container image is pinned: a tag other than latest, or a digest.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=latest-tag",
    remediationSteps: "Use an explicit version tag (nginxinc/nginx-unprivileged:1.29.3-alpine) or an @sha256 digest.",
    configSchema: schemaWithDefaults(IMAGE_DEFAULTS, {
        excludedNamespaces: excludedNamespacesSchema,
        requireDigest: { type: "boolean", description: "Require an @sha256 digest, not only a tag." },
    }),
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report) => {
        const config = configOf(args, IMAGE_DEFAULTS);
        const { what, containers } = workloadOf(props, args, strings(config.excludedNamespaces));
        for (const container of containers) {
            const image = text(container.props.image);
            if (!image) {
                report(`${what}: ${label(container)} names no image: set an image pinned to a version.`);
                continue;
            }
            const digest = /@sha256:[a-f0-9]{64}$/.test(image);
            const tag = imageTag(image);
            if (config.requireDigest === true && !digest) {
                report(`${what}: ${label(container)} image ${image} has no @sha256 digest: pin it by digest.`);
            } else if (!digest && (tag === undefined || tag === "latest")) {
                report(
                    `${what}: ${label(container)} image ${image} ${tag ? "uses the latest tag" : "has no tag (so latest)"}: ` +
                        "pin it to a version tag or a digest.",
                );
            }
        }
    }),
};

const NON_ROOT_DEFAULTS = { excludedNamespaces: SYSTEM_NAMESPACES };

/**
 * The Pod Security "restricted" basics (kube-linter `run-as-non-root`, `privilege-escalation-container`,
 * `no-read-only-root-fs`, `privileged-container`): a container that breaks out of nginx should find an
 * unprivileged user and a file system it cannot change.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const workloadNonRoot: ResourceValidationPolicy = {
    name: "workload-non-root",
    description: "Containers run as non-root, without privilege escalation, on a read-only root filesystem.",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    remediationSteps:
        "Set securityContext.runAsNonRoot: true (pod or container), allowPrivilegeEscalation: false and " +
        "readOnlyRootFilesystem: true on every container; mount emptyDir volumes where the process writes.",
    configSchema: schemaWithDefaults(NON_ROOT_DEFAULTS, { excludedNamespaces: excludedNamespacesSchema }),
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report) => {
        const config = configOf(args, NON_ROOT_DEFAULTS);
        const { what, containers, podSpec } = workloadOf(props, args, strings(config.excludedNamespaces));
        const pod = record(podSpec.securityContext);
        for (const container of containers) {
            const own = record(container.props.securityContext);
            const problems: string[] = [];
            // The container's field wins over the pod's, as the kubelet reads them.
            const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
            const runAsUser = int(own.runAsUser ?? pod.runAsUser);
            if (runAsUser === 0) problems.push("runs as user 0 (runAsUser: 0)");
            else if (runAsNonRoot !== true && runAsUser === undefined) {
                problems.push("may run as root (set runAsNonRoot: true)");
            }
            if (own.privileged === true) problems.push("is privileged");
            if (own.allowPrivilegeEscalation !== false) problems.push("allows privilege escalation");
            if (own.readOnlyRootFilesystem !== true) problems.push("has a writable root filesystem");
            if (problems.length > 0) {
                report(
                    `${what}: ${label(container)} ${problems.join(", ")}: set securityContext.runAsNonRoot: true, ` +
                        "allowPrivilegeEscalation: false and readOnlyRootFilesystem: true.",
                );
            }
        }
    }),
};

export const workloadPodPolicies = [workloadProbes, workloadResources, workloadImagePinned, workloadNonRoot];
