/**
 * A Service sends traffic to every pod its selector matches. If two APIs carry the same labels by
 * accident, each one's Service sends requests to both: selectors must single out one workload's pods.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    annotationsOf,
    describe,
    K8S,
    labelsOf,
    mapSelects,
    namespaceOf,
    podTemplateOf,
    sameNamespace,
    selectorKey,
    WORKLOAD_TYPES,
} from "../lib/kubernetes";
import { isUnknownValueError, JUDGED_AFTER_APPLY, matching, resourcesOfTypes, validateStack } from "../lib/validation";
import { record, stringMap, text } from "../lib/values";

/** Labels that say which application a Service belongs to, most specific first. */
const APP_LABELS = ["app.kubernetes.io/instance", "app.kubernetes.io/name", "app"];

/** The annotation kube-linter reads to skip a check on one object. */
export const IGNORE_DANGLING = "ignore-check.kube-linter.io/dangling-service";

interface SelectingService {
    readonly resource: PolicyResource;
    readonly selector: Record<string, string>;
}

/** A Service that routes by selector, or undefined (ExternalName and selector-less Services have no pods). */
function selectingService(resource: PolicyResource): SelectingService | undefined {
    const spec = record(resource.props.spec);
    if (text(spec.type) === "ExternalName") return undefined;
    const selector = stringMap(spec.selector);
    return Object.keys(selector).length > 0 ? { resource, selector } : undefined;
}

/**
 * The stack's workloads whose pods `service` selects; a workload whose labels are unknown counts only when
 * fewer than `enough` are certain (see `matching`).
 */
function selectedWorkloads(service: SelectingService, workloads: PolicyResource[], enough = 1): PolicyResource[] {
    return matching(
        workloads,
        (workload) =>
            sameNamespace(workload.props, service.resource.props) &&
            mapSelects(service.selector, podTemplateOf(workload.type, workload.props)?.labels ?? {}),
        enough,
    );
}

/** The first app label both Services set, when they set it to different apps. */
function differentApps(a: PolicyResource, b: PolicyResource): string | undefined {
    const [left, right] = [labelsOf(a.props), labelsOf(b.props)];
    const key = APP_LABELS.find((candidate) => left[candidate] !== undefined && right[candidate] !== undefined);
    return key !== undefined && left[key] !== right[key] ? `${key} ${left[key]} and ${right[key]}` : undefined;
}

/**
 * Kyverno `require-unique-service-selector`, narrowed to what goes wrong: several Services of one app
 * may share its selector (ClusterIP, NodePort, LoadBalancer in front of the same pods), but Services of
 * different apps may not, and no selector may match the pods of two workloads.
 * https://kyverno.io/policies/other/require-unique-service-selector/require-unique-service-selector/
 */
export const serviceSelectorUnique: StackValidationPolicy = {
    name: "service-selector-unique",
    description: `No Service selects the pods of two workloads, and Services of different apps never share a selector. ${JUDGED_AFTER_APPLY}`,
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://kyverno.io/policies/other/require-unique-service-selector/require-unique-service-selector/",
    remediationSteps:
        "Select pods by the labels that identify one instance (app.kubernetes.io/name and " +
        "app.kubernetes.io/instance), copied from the workload's own selector, and give every workload its own.",
    validateStack: validateStack((args, report, judge) => {
        const workloads = args.resources.filter((resource) => WORKLOAD_TYPES.includes(resource.type));
        const groups = new Map<string, SelectingService[]>();
        for (const resource of resourcesOfTypes(args, [K8S.service])) {
            judge(resource, () => {
                const service = selectingService(resource);
                if (!service) return;
                const selected = selectedWorkloads(service, workloads, 2);
                if (selected.length > 1) {
                    report(
                        `Service ${describe(resource.props, resource.name)} selects ` +
                            `{${selectorKey(service.selector)}}, which matches the pods of ${selected.length} ` +
                            `workloads (${selected.map((w) => describe(w.props, w.name)).join(", ")}), so each ` +
                            "gets the others' traffic: select by labels only one workload carries.",
                        resource.urn,
                    );
                }
                const key = `${namespaceOf(resource.props) ?? ""}|${selectorKey(service.selector)}`;
                const group = groups.get(key) ?? [];
                for (const other of group) {
                    const apps = differentApps(resource, other.resource);
                    if (apps === undefined) continue;
                    report(
                        `Service ${describe(resource.props, resource.name)} and Service ` +
                            `${describe(other.resource.props, other.resource.name)} belong to different apps ` +
                            `(${apps}) but share the selector {${selectorKey(service.selector)}}, so each sends ` +
                            "requests to the other's pods: give each app its own selector labels.",
                        resource.urn,
                    );
                }
                groups.set(key, [...group, service]);
            });
        }
    }),
};

/**
 * kube-linter `dangling-service`: a Service whose selector matches no workload of the stack has no
 * endpoints, and Pulumi waits for endpoints until it times out. A Service that fronts pods created
 * outside the stack says so with the kube-linter annotation.
 */
export const serviceTargetsWorkload: StackValidationPolicy = {
    name: "service-targets-workload",
    description: `Every Service with a selector selects the pods of at least one workload of the stack. ${JUDGED_AFTER_APPLY}`,
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=dangling-service",
    remediationSteps:
        "Copy the selector from the workload the Service fronts. For pods created outside the stack, annotate the " +
        `Service with ${IGNORE_DANGLING}: "<why>" (it covers the Services of its namespace with the same selector).`,
    validateStack: validateStack((args, report, judge) => {
        const workloads = args.resources.filter((resource) => WORKLOAD_TYPES.includes(resource.type));
        const services = resourcesOfTypes(args, [K8S.service]);
        // The opt-out covers every Service of its namespace with the same selector: they front the same
        // pods. So a Service the stack only reads (`Service.get`, which the engine shows stack policies
        // too) is covered by the copy that re-exposes it.
        const elsewhere = new Set<string>();
        for (const resource of services) {
            try {
                const service = selectingService(resource);
                if (service && annotationsOf(resource.props)[IGNORE_DANGLING] !== undefined) {
                    elsewhere.add(`${namespaceOf(resource.props) ?? ""}|${selectorKey(service.selector)}`);
                }
            } catch (error) {
                // An opt-out that cannot be read yet covers nothing; the Service itself is judged below.
                if (!isUnknownValueError(error)) throw error;
            }
        }
        for (const resource of services) {
            judge(resource, () => {
                const service = selectingService(resource);
                if (!service || annotationsOf(resource.props)[IGNORE_DANGLING] !== undefined) return;
                if (elsewhere.has(`${namespaceOf(resource.props) ?? ""}|${selectorKey(service.selector)}`)) return;
                if (selectedWorkloads(service, workloads).length === 0) {
                    report(
                        `Service ${describe(resource.props, resource.name)} selects ` +
                            `{${selectorKey(service.selector)}}, which matches no workload of the stack in its ` +
                            "namespace, so it has no endpoints: copy the selector of the workload it fronts.",
                        resource.urn,
                    );
                }
            });
        }
    }),
};

export const serviceSelectorPolicies = [serviceSelectorUnique, serviceTargetsWorkload];
