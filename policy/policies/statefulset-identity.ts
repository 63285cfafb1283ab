/**
 * A StatefulSet's pods get their stable DNS names from a headless Service, and a node drain must not take
 * them all down at once: the two things a set needs beside itself.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import {
    describe,
    K8S,
    labelSelectorSelects,
    mapSelects,
    nameOf,
    podTemplateOf,
    sameNamespace,
    selectorKey,
} from "../lib/kubernetes";
import { JUDGED_AFTER_APPLY, matching, resourcesOfTypes, validateStack } from "../lib/validation";
import { int, record, stringMap, text } from "../lib/values";

const KUBE_SCORE_CHECKS = "https://github.com/zegl/kube-score/blob/master/README_CHECKS.md";

/**
 * kube-score `statefulset-has-servicename`: `spec.serviceName` names a Service of the stack, in the set's
 * namespace, that is headless (`clusterIP: None`) and selects the set's pods. Without it the pods have no
 * `<pod>.<service>.<namespace>.svc.cluster.local` records, the reason to run a StatefulSet at all.
 */
export const statefulSetHeadlessService: StackValidationPolicy = {
    name: "statefulset-headless-service",
    description: `Every StatefulSet names a headless Service of the stack that selects its pods (spec.serviceName). ${JUDGED_AFTER_APPLY}`,
    enforcementLevel: "mandatory",
    severity: "high",
    url: KUBE_SCORE_CHECKS,
    remediationSteps:
        "Create a Service with clusterIP: None whose selector matches the pod template's labels, in the set's " +
        "namespace, and set the StatefulSet's spec.serviceName to its metadata.name.",
    validateStack: validateStack((args, report, judge) => {
        const services = args.resources.filter((resource) => resource.type === K8S.service);
        for (const set of resourcesOfTypes(args, [K8S.statefulSet])) {
            judge(set, () => checkGoverningService(set, services, report));
        }
    }),
};

function checkGoverningService(set: PolicyResource, services: PolicyResource[], report: ReportViolation): void {
    const what = `StatefulSet ${describe(set.props, set.name)}`;
    const serviceName = text(record(set.props.spec).serviceName);
    if (!serviceName) {
        report(
            `${what} names no governing Service: set spec.serviceName to a headless Service ` +
                "(clusterIP: None) that selects its pods, so each pod gets a stable DNS name.",
            set.urn,
        );
        return;
    }
    const named = matching(
        services,
        (service) => nameOf(service.props) === serviceName && sameNamespace(service.props, set.props),
    );
    if (named.length === 0) {
        report(
            `${what} names Service ${serviceName} in spec.serviceName, but the stack creates no Service ` +
                `of that name in its namespace: create a headless Service named ${serviceName}.`,
            set.urn,
        );
        return;
    }
    const labels = podTemplateOf(set.type, set.props)?.labels ?? {};
    for (const service of named) {
        const spec = record(service.props.spec);
        if (text(spec.clusterIP) !== "None") {
            report(
                `${what}: its Service ${serviceName} is not headless (clusterIP is ` +
                    `${text(spec.clusterIP) ?? "unset"}): set clusterIP: None, or the pods get no DNS records.`,
                set.urn,
            );
        }
        const selector = stringMap(spec.selector);
        if (!mapSelects(selector, labels)) {
            report(
                `${what}: its Service ${serviceName} selects {${selectorKey(selector)}}, which does not ` +
                    `match the pod labels {${selectorKey(labels)}}: copy the set's selector labels.`,
                set.urn,
            );
        }
    }
}

/**
 * An `IntOrString` of a budget as the disruption controller reads it: an integer, or `N%` of the expected
 * pods rounded up (k8s.io/apimachinery v0.34.4 pkg/util/intstr GetScaledValueFromIntOrPercent with
 * roundUp true, as k8s.io/kubernetes v1.34.4 pkg/controller/disruption `getExpectedPodCount` calls it for
 * both fields). Undefined for a value the API server refuses (ValidatePositiveIntOrPercent,
 * IsNotMoreThan100Percent in pkg/apis/policy/validation).
 */
export function scaledBudgetValue(value: unknown, expected: number): number | undefined {
    if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
    const percent = /^(\d+)%$/.exec(typeof value === "string" ? value : "");
    if (!percent || Number(percent[1]) > 100) return undefined;
    return Math.ceil((Number(percent[1]) * expected) / 100);
}

/** The one of minAvailable and maxUnavailable a budget sets (null counts as unset), or "both". */
function budgetField(spec: Record<string, unknown>): { field: string; value: unknown } | "both" | undefined {
    const set = (["minAvailable", "maxUnavailable"] as const).filter((field) => spec[field] != null);
    if (set.length === 2) return "both";
    return set.length === 1 ? { field: set[0], value: spec[set[0]] } : undefined;
}

/**
 * How many of `replicas` healthy pods a budget lets a drain evict, as the disruption controller computes
 * `status.disruptionsAllowed` (k8s.io/kubernetes v1.34.4 pkg/controller/disruption: `getExpectedPodCount`,
 * then `updatePdbStatus`: currentHealthy - desiredHealthy, never below 0, and 0 when no pods are expected).
 * A percentage counts against the set's scale. A budget with neither field expects no pods, and so allows
 * no eviction at all. A string says why the API server refuses the budget.
 */
export function disruptionsAllowed(spec: Record<string, unknown>, replicas: number): number | string {
    const given = budgetField(spec);
    if (given === "both") return "minAvailable and maxUnavailable are both set, which the API server refuses";
    if (given === undefined) return 0;
    const { field, value: raw } = given;
    const value = scaledBudgetValue(raw, replicas);
    if (value === undefined) {
        return `${field} ${JSON.stringify(raw)} is neither a non-negative integer nor a percentage up to 100%`;
    }
    const desiredHealthy = field === "maxUnavailable" ? Math.max(0, replicas - value) : value;
    return replicas <= 0 ? 0 : Math.max(0, replicas - desiredHealthy);
}

/** Why a budget that allows no disruption of `replicas` pods does so (its field, value and the count). */
function noDisruptionReason(spec: Record<string, unknown>, replicas: number): string {
    const given = budgetField(spec);
    if (given === undefined || given === "both") {
        return "it sets neither minAvailable nor maxUnavailable, so Kubernetes expects no pods and allows no eviction";
    }
    const { field, value } = given;
    if (typeof value !== "string")
        return `${field}: ${String(value)} on ${replicas} replicas leaves 0 disruptions allowed`;
    const scaled = scaledBudgetValue(value, replicas);
    return (
        `${field}: "${value}" on ${replicas} replicas is ${scaled} pods (Kubernetes rounds percentages up), ` +
        "which leaves 0 disruptions allowed"
    );
}

/**
 * kube-score `statefulset-has-poddisruptionbudget`: a PodDisruptionBudget in the set's namespace selects
 * its pods, and still lets one of them go (a budget of zero makes `kubectl drain` hang forever).
 */
export const statefulSetDisruptionBudget: StackValidationPolicy = {
    name: "statefulset-disruption-budget",
    description: `Every StatefulSet's pods are selected by a PodDisruptionBudget that still allows a node drain. ${JUDGED_AFTER_APPLY}`,
    enforcementLevel: "advisory",
    severity: "medium",
    url: KUBE_SCORE_CHECKS,
    remediationSteps:
        "Create a policy/v1 PodDisruptionBudget in the set's namespace whose spec.selector matches the pod " +
        "template's labels, with maxUnavailable: 1 (or a minAvailable below the replica count once percentages are " +
        "rounded up, as Kubernetes does: 90% of 3 pods is 3).",
    validateStack: validateStack((args, report, judge) => {
        const budgets = args.resources.filter((resource) => resource.type === K8S.podDisruptionBudget);
        for (const set of resourcesOfTypes(args, [K8S.statefulSet])) {
            judge(set, () => checkDisruptionBudget(set, budgets, report));
        }
    }),
};

function checkDisruptionBudget(set: PolicyResource, budgets: PolicyResource[], report: ReportViolation): void {
    const what = `StatefulSet ${describe(set.props, set.name)}`;
    const labels = podTemplateOf(set.type, set.props)?.labels ?? {};
    const replicas = int(record(set.props.spec).replicas) ?? 1;
    const selecting = matching(
        budgets,
        (budget) =>
            sameNamespace(budget.props, set.props) && labelSelectorSelects(record(budget.props.spec).selector, labels),
    );
    if (selecting.length === 0) {
        report(
            `${what} has no PodDisruptionBudget: a node drain may evict all ${replicas} pods at once. ` +
                "Add a PodDisruptionBudget with maxUnavailable: 1 selecting its pods.",
            set.urn,
        );
        return;
    }
    for (const budget of selecting) {
        const spec = record(budget.props.spec);
        const allowed = disruptionsAllowed(spec, replicas);
        const named = `${what}: PodDisruptionBudget ${describe(budget.props, budget.name)}`;
        if (typeof allowed === "string") {
            report(`${named} is invalid: ${allowed}. Use maxUnavailable: 1.`, budget.urn);
        } else if (allowed === 0 && replicas > 0) {
            report(
                `${named} allows no disruption: ${noDisruptionReason(spec, replicas)}, so every node drain hangs. ` +
                    "Use maxUnavailable: 1.",
                budget.urn,
            );
        }
    }
}

export const statefulSetIdentityPolicies = [statefulSetHeadlessService, statefulSetDisruptionBudget];
