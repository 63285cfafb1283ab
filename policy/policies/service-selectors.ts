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
import { resourcesOfTypes } from "../lib/validation";
import { record, stringMap, text } from "../lib/values";

/** Labels that say which application a Service belongs to, most specific first. */
const APP_LABELS = ["app.kubernetes.io/instance", "app.kubernetes.io/name", "app"];

/** The annotation kube-linter reads to skip a check on one object. */
export const IGNORE_DANGLING = "ignore-check.kube-linter.io/dangling-service";

interface SelectingService {
    readonly resource: PolicyResource;
    readonly selector: Record<string, string>;
}

/** Services that route by selector (ExternalName Services and selector-less Services have no pods). */
function selectingServices(services: PolicyResource[]): SelectingService[] {
    return services
        .map((resource) => ({ resource, spec: record(resource.props.spec) }))
        .filter(({ spec }) => text(spec.type) !== "ExternalName")
        .map(({ resource, spec }) => ({ resource, selector: stringMap(spec.selector) }))
        .filter(({ selector }) => Object.keys(selector).length > 0);
}

/** The stack's workloads whose pods `service` selects. */
function selectedWorkloads(service: SelectingService, workloads: PolicyResource[]): PolicyResource[] {
    return workloads.filter(
        (workload) =>
            sameNamespace(workload.props, service.resource.props) &&
            mapSelects(service.selector, podTemplateOf(workload.type, workload.props)?.labels ?? {}),
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
    description: "No Service selects the pods of two workloads, and Services of different apps never share a selector.",
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://kyverno.io/policies/other/require-unique-service-selector/require-unique-service-selector/",
    remediationSteps:
        "Select pods by the labels that identify one instance (app.kubernetes.io/name and " +
        "app.kubernetes.io/instance), copied from the workload's own selector, and give every workload its own.",
    validateStack: (args, report) => {
        const services = selectingServices(resourcesOfTypes(args, [K8S.service]));
        const workloads = args.resources.filter((resource) => WORKLOAD_TYPES.includes(resource.type));
        for (const service of services) {
            const selected = selectedWorkloads(service, workloads);
            if (selected.length > 1) {
                report(
                    `Service ${describe(service.resource.props, service.resource.name)} selects ` +
                        `{${selectorKey(service.selector)}}, which matches the pods of ${selected.length} workloads ` +
                        `(${selected.map((w) => describe(w.props, w.name)).join(", ")}), so each gets the others' ` +
                        "traffic: select by labels only one workload carries.",
                    service.resource.urn,
                );
            }
        }
        const groups = new Map<string, SelectingService[]>();
        for (const service of services) {
            const key = `${namespaceOf(service.resource.props) ?? ""}|${selectorKey(service.selector)}`;
            groups.set(key, [...(groups.get(key) ?? []), service]);
        }
        for (const group of groups.values()) {
            group.forEach((service, index) => {
                for (const other of group.slice(0, index)) {
                    const apps = differentApps(service.resource, other.resource);
                    if (apps === undefined) continue;
                    report(
                        `Service ${describe(service.resource.props, service.resource.name)} and Service ` +
                            `${describe(other.resource.props, other.resource.name)} belong to different apps ` +
                            `(${apps}) but share the selector {${selectorKey(service.selector)}}, so each sends ` +
                            "requests to the other's pods: give each app its own selector labels.",
                        service.resource.urn,
                    );
                }
            });
        }
    },
};

/**
 * kube-linter `dangling-service`: a Service whose selector matches no workload of the stack has no
 * endpoints, and Pulumi waits for endpoints until it times out. A Service that fronts pods created
 * outside the stack says so with the kube-linter annotation.
 */
export const serviceTargetsWorkload: StackValidationPolicy = {
    name: "service-targets-workload",
    description: "Every Service with a selector selects the pods of at least one workload of the stack.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.kubelinter.io/#/generated/checks?id=dangling-service",
    remediationSteps:
        "Copy the selector from the workload the Service fronts. For pods created outside the stack, annotate the " +
        `Service with ${IGNORE_DANGLING}: "<why>".`,
    validateStack: (args, report) => {
        const services = selectingServices(resourcesOfTypes(args, [K8S.service]));
        const workloads = args.resources.filter((resource) => WORKLOAD_TYPES.includes(resource.type));
        for (const service of services) {
            if (annotationsOf(service.resource.props)[IGNORE_DANGLING] !== undefined) continue;
            if (selectedWorkloads(service, workloads).length === 0) {
                report(
                    `Service ${describe(service.resource.props, service.resource.name)} selects ` +
                        `{${selectorKey(service.selector)}}, which matches no workload of the stack in its ` +
                        "namespace, so it has no endpoints: copy the selector of the workload it fronts.",
                    service.resource.urn,
                );
            }
        }
    },
};

export const serviceSelectorPolicies = [serviceSelectorUnique, serviceTargetsWorkload];
