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

/** A budget that allows no voluntary disruption blocks every node drain (and so every node upgrade). */
function blocksEveryDrain(budget: PolicyResource, replicas: number): string | undefined {
    const spec = record(budget.props.spec);
    const maxUnavailable = spec.maxUnavailable;
    const minAvailable = spec.minAvailable;
    if (maxUnavailable === 0 || maxUnavailable === "0%") return "maxUnavailable is 0";
    if (minAvailable === "100%") return "minAvailable is 100%";
    const min = int(minAvailable);
    if (min !== undefined && min >= replicas) return `minAvailable ${min} is not below the ${replicas} replicas`;
    return undefined;
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
        "template's labels, with maxUnavailable: 1 (or minAvailable below the replica count).",
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
        const blocked = blocksEveryDrain(budget, replicas);
        if (blocked) {
            report(
                `${what}: PodDisruptionBudget ${describe(budget.props, budget.name)} allows no ` +
                    `disruption (${blocked}), so every node drain hangs: use maxUnavailable: 1.`,
                budget.urn,
            );
        }
    }
}

export const statefulSetIdentityPolicies = [statefulSetHeadlessService, statefulSetDisruptionBudget];
