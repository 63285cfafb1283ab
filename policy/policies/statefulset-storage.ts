/**
 * A StatefulSet's data lives in the PersistentVolumeClaims of its claim templates: keep them when the set is
 * deleted or scaled down, and create them from a storage class the cluster actually provisions.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, K8S } from "../lib/kubernetes";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { isRecord, list, record, strings, text } from "../lib/values";

function claimTemplates(spec: Record<string, unknown>) {
    return list(spec.volumeClaimTemplates)
        .filter(isRecord)
        .map((claim, index) => ({ name: text(record(claim.metadata).name) ?? `#${index}`, spec: record(claim.spec) }));
}

/**
 * `persistentVolumeClaimRetentionPolicy` (GA in Kubernetes 1.32): `Delete` removes the claims, and with a
 * `Delete` reclaim policy the volumes, when the set is deleted or scaled down. Unset fields mean Retain.
 * https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
 */
export const statefulSetKeepsVolumes: ResourceValidationPolicy = {
    name: "statefulset-keeps-volumes",
    description: "StatefulSets keep their PersistentVolumeClaims when deleted and when scaled down (Retain).",
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention",
    remediationSteps:
        "Set spec.persistentVolumeClaimRetentionPolicy to { whenDeleted: Retain, whenScaled: Retain } (or leave " +
        "both fields unset, which means Retain).",
    validateResource: validateResourceOfTypes(K8S.statefulSet, (props, args, report) => {
        const spec = record(props.spec);
        if (claimTemplates(spec).length === 0) args.notApplicable("the StatefulSet has no volumeClaimTemplates");
        const retention = record(spec.persistentVolumeClaimRetentionPolicy);
        for (const field of ["whenDeleted", "whenScaled"] as const) {
            const value = text(retention[field]) ?? "Retain";
            if (value !== "Retain") {
                const when = field === "whenDeleted" ? "is deleted" : "is scaled down";
                report(
                    `StatefulSet ${describe(props, args.name)} deletes its pods' volume claims when it ${when} ` +
                        `(persistentVolumeClaimRetentionPolicy.${field}: ${value}): set it to Retain to keep the data.`,
                );
            }
        }
    }),
};

const STORAGE_CLASS_DEFAULTS = { allowedStorageClasses: [] as string[] };

/**
 * Each claim template names its storage class: an unnamed class falls to the cluster's default, and EKS
 * clusters from Kubernetes 1.30 have none, so the claims stay Pending. The allowed classes come from config.
 */
export const statefulSetStorageClass: ResourceValidationPolicy = {
    name: "statefulset-storage-class",
    description: "Every volume claim template of a StatefulSet names a storage class from the allowed list.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://kubernetes.io/docs/concepts/storage/storage-classes/#default-storageclass",
    remediationSteps:
        "Set spec.storageClassName on every volumeClaimTemplates entry to a class in the policy's " +
        "allowedStorageClasses (per environment in policy/config/<stack>.json).",
    configSchema: schemaWithDefaults(STORAGE_CLASS_DEFAULTS, {
        allowedStorageClasses: {
            type: "array",
            items: { type: "string" },
            description: "Storage classes claims may use; empty allows any named class.",
        },
    }),
    validateResource: validateResourceOfTypes(K8S.statefulSet, (props, args, report) => {
        const allowed = strings(configOf(args, STORAGE_CLASS_DEFAULTS).allowedStorageClasses);
        const claims = claimTemplates(record(props.spec));
        if (claims.length === 0) args.notApplicable("the StatefulSet has no volumeClaimTemplates");
        const what = `StatefulSet ${describe(props, args.name)}`;
        for (const claim of claims) {
            const storageClass = text(claim.spec.storageClassName);
            if (!storageClass) {
                report(
                    `${what}: claim template ${claim.name} names no storage class, so it depends on the cluster ` +
                        `having a default one: set spec.storageClassName${allowed.length ? ` (one of ${allowed.join(", ")})` : ""}.`,
                );
            } else if (allowed.length > 0 && !allowed.includes(storageClass)) {
                report(
                    `${what}: claim template ${claim.name} uses storage class ${storageClass}, which is not ` +
                        `allowed here: use one of ${allowed.join(", ")}.`,
                );
            }
        }
    }),
};

export const statefulSetStoragePolicies = [statefulSetKeepsVolumes, statefulSetStorageClass];
