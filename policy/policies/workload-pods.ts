/**
 * What every pod the stack runs should have beside Pod Security (pod-security.ts): probes, resources, a
 * pinned image and a read-only root filesystem. Third-party charts installed in system namespaces are left
 * to their authors (`excludedNamespaces`).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
    containerLabel,
    containersOf,
    DEFAULT_EXCLUDED_NAMESPACES,
    EXCLUDED_NAMESPACES_SCHEMA,
    K8S,
    WORKLOAD_TYPES,
    workloadOf,
} from "../lib/kubernetes";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { isRecord, record, strings, text } from "../lib/values";

/** Workloads that serve: Jobs run to completion and take no traffic, so probes mean nothing to them. */
const SERVING_TYPES = WORKLOAD_TYPES.filter((type) => type !== K8S.job && type !== K8S.cronJob);

const PROBES_DEFAULTS = { excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES, requireLiveness: true };

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
        excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA,
        requireLiveness: { type: "boolean", description: "Also require a liveness probe." },
    }),
    validateResource: validateResourceOfTypes(SERVING_TYPES, (props, args, report) => {
        const config = configOf(args, PROBES_DEFAULTS);
        const { what, template } = workloadOf(props, args, strings(config.excludedNamespaces));
        for (const container of containersOf(template.spec).filter((candidate) => candidate.kind === "container")) {
            const readiness = container.props.readinessProbe;
            const liveness = container.props.livenessProbe;
            if (!isRecord(readiness)) {
                report(
                    `${what}: ${containerLabel(container)} has no readinessProbe, so it receives traffic before it can ` +
                        "serve: add one (an httpGet on the serving port).",
                );
            }
            if (!isRecord(liveness)) {
                if (config.requireLiveness === true) {
                    report(
                        `${what}: ${containerLabel(container)} has no livenessProbe, so a hung process is never ` +
                            "restarted: add one, more patient than the readiness probe.",
                    );
                }
            } else if (isRecord(readiness) && JSON.stringify(liveness) === JSON.stringify(readiness)) {
                report(
                    `${what}: ${containerLabel(container)} has identical liveness and readiness probes, so a slow pod is ` +
                        "restarted as soon as it leaves the endpoints: make the liveness probe more patient.",
                );
            }
        }
    }),
};

const RESOURCES_DEFAULTS = { excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES, requireCpuLimit: false };

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
        excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA,
        requireCpuLimit: { type: "boolean", description: "Also require resources.limits.cpu." },
    }),
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report) => {
        const config = configOf(args, RESOURCES_DEFAULTS);
        const { what, template } = workloadOf(props, args, strings(config.excludedNamespaces));
        const required = ["requests.cpu", "requests.memory", "limits.memory"];
        if (config.requireCpuLimit === true) required.push("limits.cpu");
        for (const container of containersOf(template.spec)) {
            const resources = record(container.props.resources);
            const missing = required.filter((path) => {
                const [group, name] = path.split(".");
                const value = record(resources[group])[name];
                return typeof value !== "string" && typeof value !== "number";
            });
            if (missing.length > 0) {
                report(
                    `${what}: ${containerLabel(container)} sets no ${missing.map((path) => `resources.${path}`).join(", ")}: ` +
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

/** `@sha256:` and 64 hex digits at the end: the image is pinned to one manifest, whatever its tag says. */
export function hasDigest(image: string): boolean {
    return /@sha256:[a-f0-9]{64}$/.test(image);
}

/**
 * Why a tag moves, or undefined for one that names a release: a full `MAJOR.MINOR.PATCH` version (`v`
 * prefix and a variant suffix allowed: `1.29.3`, `1.29.3-alpine`, `v2.1.0`). Everything else is a line that
 * publishers move to each new build: no tag (`latest`), `latest`, `stable`, `mainline`, `alpine`, a bare
 * major `1` or a major.minor `1.29` (with or without a variant, `1.29-alpine`).
 */
export function movingTag(tag: string | undefined): string | undefined {
    if (tag === undefined) return "has no tag, so it means latest";
    if (/^v?\d+\.\d+\.\d+/.test(tag)) return undefined;
    if (tag === "latest") return "uses the latest tag";
    const line = /^v?(\d+(?:\.\d+)?)(?:[-_.]|$)/.exec(tag);
    if (line) {
        const what = line[1].includes(".") ? "major.minor version line" : "major version line";
        return `uses the tag ${tag}, a ${what} that moves with every patch release`;
    }
    return `uses the tag ${tag}, which names no version and moves with every release`;
}

const IMAGE_DEFAULTS = { excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES, requireDigest: false };

/**
 * kube-linter `latest-tag`, kube-score `container-image-tag`, Kyverno `disallow-latest-tag`: a moving tag
 * lets a rescheduled pod run other bits than its siblings, and a rollback return to something else than
 * what ran before.
 */
export const workloadImagePinned: ResourceValidationPolicy = {
    name: "workload-image-pinned",
    description:
        "Every container image is pinned: a full version tag (1.29.3, 1.29.3-alpine) or a digest, never a moving " +
        "tag (latest, stable, mainline, alpine, 1, 1.29).",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=latest-tag",
    remediationSteps:
        "Use a tag that names one release (nginxinc/nginx-unprivileged:1.29.3-alpine) or an @sha256 digest " +
        "(required where requireDigest is on).",
    configSchema: schemaWithDefaults(IMAGE_DEFAULTS, {
        excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA,
        requireDigest: { type: "boolean", description: "Require an @sha256 digest, not only a version tag." },
    }),
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report) => {
        const config = configOf(args, IMAGE_DEFAULTS);
        const { what, template } = workloadOf(props, args, strings(config.excludedNamespaces));
        for (const container of containersOf(template.spec, { ephemeral: true })) {
            const field = `${template.specPath}.${container.path}.image`;
            const image = text(container.props.image);
            if (!image) {
                report(`${what}: ${containerLabel(container)} names no image (${field}): set one pinned to a version.`);
                continue;
            }
            if (hasDigest(image)) continue;
            const moving = movingTag(imageTag(image));
            if (config.requireDigest === true) {
                report(
                    `${what}: ${containerLabel(container)} image ${image} (${field}) has no @sha256 digest: ` +
                        "pin it by digest.",
                );
            } else if (moving) {
                report(
                    `${what}: ${containerLabel(container)} image ${image} (${field}) ${moving}: pin it to a full ` +
                        "version (1.29.3, 1.29.3-alpine) or an @sha256 digest.",
                );
            }
        }
    }),
};

const READ_ONLY_ROOT_DEFAULTS = { excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES };

/**
 * kube-linter `no-read-only-root-fs`, kube-score `container-security-context-readonlyrootfilesystem`: a
 * process that breaks out of nginx should find a file system it cannot change. Not part of the Pod Security
 * Standards (the pod-security policies judge users, privileges and capabilities).
 */
export const workloadReadOnlyRootFs: ResourceValidationPolicy = {
    name: "workload-read-only-root-fs",
    description: "Every container and init container runs on a read-only root filesystem.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=no-read-only-root-fs",
    remediationSteps:
        "Set securityContext.readOnlyRootFilesystem: true on every container and init container; mount emptyDir " +
        "volumes where the process writes (/tmp, caches).",
    configSchema: schemaWithDefaults(READ_ONLY_ROOT_DEFAULTS, { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA }),
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report) => {
        const config = configOf(args, READ_ONLY_ROOT_DEFAULTS);
        const { what, template } = workloadOf(props, args, strings(config.excludedNamespaces));
        for (const container of containersOf(template.spec)) {
            if (record(container.props.securityContext).readOnlyRootFilesystem !== true) {
                report(
                    `${what}: ${containerLabel(container)} has a writable root filesystem ` +
                        `(${template.specPath}.${container.path}.securityContext.readOnlyRootFilesystem is not true): ` +
                        "set it to true and mount emptyDir volumes where the process writes.",
                );
            }
        }
    }),
};

export const workloadPodPolicies = [workloadProbes, workloadResources, workloadImagePinned, workloadReadOnlyRootFs];
