/**
 * What a second `pulumi up` (or a `pulumi destroy`) does to what the program registered, under the rules of
 * the Pulumi engine and the Kubernetes provider, so day-2 specs derive outcomes instead of hard-coding them.
 *
 * Sources (pulumi-kubernetes read at tag v4.32.0, the newest tag available here; the pinned SDK 4.34.2's Go
 * sources were not):
 * - provider/pkg/provider/diff.go: `forceNewProperties` and the `forceNew` tables it reads (`statefulSet`, the
 *   `core` kinds PersistentVolumeClaim and Service, `metadataForceNewProperties`; a ConfigMap's data only when it
 *   is immutable or mutable ConfigMaps are off).
 * - provider.go `kubeProvider.Diff` (Patch resources replace only on name or namespace; `deleteBeforeReplace`
 *   when the name and namespace stay), `kubeProvider.Delete` (deletion reads the old inputs); await/await.go
 *   `Creation` (Patch resources apply, everything else is a client-side create: AlreadyExists), `Deletion` (a
 *   Patch relinquishes its fields; propagation from metadata/overrides.go `DeletionPropagation`, Foreground by
 *   default).
 * - pulumi v3.248.0 pkg/resource/deploy/step.go `DeleteStep.Apply` (retainOnDelete, then deletedWith skip the
 *   provider's Delete), step_generator.go `shouldTriggerReplace` (a replacement trigger replaces when both the
 *   recorded and the new value are set and differ).
 * The diff here compares old and new inputs; the provider compares the new inputs with the live object pruned to
 * the old inputs' shape, which is the same thing when nothing changed the object behind Pulumi's back.
 */
import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual as deepEqual } from "util";
import type { RegisteredResource } from "./helpers";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Kubernetes' `<group>/<version>:<Kind>` of a type token, or undefined for a non-Kubernetes resource. */
function kindOf(type: string): { group: string; kind: string } | undefined {
    const match = /^kubernetes:([A-Za-z0-9.-]+)\/[A-Za-z0-9]+:([A-Za-z0-9]+)$/.exec(type);
    return match ? { group: match[1], kind: match[2] } : undefined;
}

export function isPatch(type: string): boolean {
    return kindOf(type)?.kind.endsWith("Patch") ?? false;
}

/** The input paths whose change makes the provider replace an object of `type` (diff.go). */
export function replacementPaths(type: string): string[] {
    const k8s = kindOf(type);
    if (!k8s) return [];
    const identity = ["metadata.name", "metadata.namespace"];
    if (isPatch(type)) return identity;
    const byKind: Record<string, string[]> = {
        "apps/StatefulSet": [
            "spec.podManagementPolicy",
            "spec.revisionHistoryLimit",
            "spec.selector",
            "spec.serviceName",
            "spec.volumeClaimTemplates",
        ],
        "core/PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
        "core/Service": ["spec.clusterIP"],
        // diff.go `forceNew`, "storage.k8s.io" v1 StorageClass (provider v4.25.0, the module cache's v4 of
        // 2026-01-15): its parameters and provisioner (the API server refuses to change them in place).
        "storage.k8s.io/StorageClass": ["parameters", "provisioner"],
        // ConfigMaps are immutable unless the provider's enableConfigMapMutable is set (it is not here).
        "core/ConfigMap": ["data", "binaryData"],
        "batch/Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    };
    return [...identity, ...(byKind[`${k8s.group}/${k8s.kind}`] ?? [])];
}

/** A resource passed as an input reaches the engine as a reference: compare those by name, not object. */
function comparable(value: unknown): unknown {
    if (pulumi.Resource.isInstance(value)) return `[resource ${(value as any).__name}]`;
    if (Array.isArray(value)) return value.map(comparable);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, comparable(inner)]));
    }
    return value;
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
    return deepEqual(comparable(a), comparable(b));
}

function valueAt(inputs: Record<string, unknown>, path: string): unknown {
    return path.split(".").reduce<any>((value, key) => (value === undefined ? undefined : value[key]), inputs);
}

export type Deletion =
    | { kind: "retained" }
    | { kind: "deleted with"; urn: string }
    | { kind: "relinquished" }
    | { kind: "deleted"; propagation: "Foreground" | "Background" | "Orphan" };

/** What deleting the old resource does (step.go, then the provider's Delete with the OLD inputs). */
export function deletionOf(old: RegisteredResource, deletions: ReadonlySet<string>): Deletion {
    if (old.options.retainOnDelete) return { kind: "retained" };
    if (old.options.deletedWith && deletions.has(old.options.deletedWith)) {
        return { kind: "deleted with", urn: old.options.deletedWith };
    }
    if (isPatch(old.type)) return { kind: "relinquished" };
    const annotation = String(
        (old.inputs as any).metadata?.annotations?.["pulumi.com/deletionPropagationPolicy"] ?? "",
    ).toLowerCase();
    const propagation = annotation === "orphan" ? "Orphan" : annotation === "background" ? "Background" : "Foreground";
    return { kind: "deleted", propagation };
}

export interface Step {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly op: "create" | "update" | "replace" | "same" | "delete";
    /** What made it a replacement: input paths, or `replacementTrigger`. */
    readonly replaceKeys: string[];
    /** For a replacement: the old object is deleted before the new one is created. */
    readonly deleteBeforeReplace: boolean;
    /** For a delete or a replacement: what happens to the old object. */
    readonly deletion?: Deletion;
    readonly before?: RegisteredResource;
    readonly after?: RegisteredResource;
}

function replaceKeysOf(before: RegisteredResource, after: RegisteredResource): string[] {
    const keys = replacementPaths(after.type).filter(
        (path) => !isDeepStrictEqual(valueAt(before.inputs, path), valueAt(after.inputs, path)),
    );
    for (const path of after.options.replaceOnChanges ?? []) {
        if (!isDeepStrictEqual(valueAt(before.inputs, path), valueAt(after.inputs, path))) keys.push(path);
    }
    const [was, now] = [before.options.replacementTrigger, after.options.replacementTrigger];
    if (was !== undefined && now !== undefined && !isDeepStrictEqual(was, now)) keys.push("replacementTrigger");
    return keys;
}

/** The steps of a `pulumi up` from the state `before` left to the program run `after`. */
export function planUpdate(before: readonly RegisteredResource[], after: readonly RegisteredResource[]): Step[] {
    const old = new Map(before.map((resource) => [resource.urn, resource]));
    const now = new Map(after.map((resource) => [resource.urn, resource]));
    const steps: Omit<Step, "deletion">[] = [];
    for (const resource of after) {
        const previous = old.get(resource.urn);
        if (!previous) {
            steps.push({
                ...identity(resource),
                op: "create",
                replaceKeys: [],
                deleteBeforeReplace: false,
                after: resource,
            });
            continue;
        }
        const replaceKeys = resource.custom ? replaceKeysOf(previous, resource) : [];
        const changed = !isDeepStrictEqual(previous.inputs, resource.inputs);
        const op = replaceKeys.length > 0 ? "replace" : changed ? "update" : "same";
        const sameIdentity =
            valueAt(previous.inputs, "metadata.name") === valueAt(resource.inputs, "metadata.name") &&
            valueAt(previous.inputs, "metadata.namespace") === valueAt(resource.inputs, "metadata.namespace");
        const deleteBeforeReplace =
            op === "replace" &&
            (resource.options.deleteBeforeReplace === true || (kindOf(resource.type) !== undefined && sameIdentity));
        steps.push({ ...identity(resource), op, replaceKeys, deleteBeforeReplace, before: previous, after: resource });
    }
    for (const resource of before) {
        if (!now.has(resource.urn)) {
            steps.push({
                ...identity(resource),
                op: "delete",
                replaceKeys: [],
                deleteBeforeReplace: false,
                before: resource,
            });
        }
    }
    // The engine's set of deletions: removed resources and the old halves of replacements.
    const deletions = new Set(
        steps.filter((step) => step.op === "delete" || step.op === "replace").map((step) => step.urn),
    );
    return steps.map((step) =>
        step.before && (step.op === "delete" || step.op === "replace") && step.before.custom
            ? { ...step, deletion: deletionOf(step.before, deletions) }
            : step,
    );
}

/** The steps of `pulumi destroy`: everything is deleted. */
export function planDestroy(state: readonly RegisteredResource[]): Step[] {
    return planUpdate(state, []);
}

function identity(resource: RegisteredResource) {
    return { urn: resource.urn, type: resource.type, name: resource.name };
}

/** A Kubernetes object's identity: `Kind namespace/name`, with the Patch suffix dropped (it is the same object). */
export function objectKey(resource: RegisteredResource): string | undefined {
    const k8s = kindOf(resource.type);
    if (!k8s) return undefined;
    const metadata = (resource.inputs as any).metadata ?? {};
    return `${k8s.kind.replace(/Patch$/, "")} ${metadata.namespace ?? ""}/${metadata.name ?? ""}`;
}

/**
 * The creates of `steps` that fail because the object is already in the cluster: a client-side create
 * answers AlreadyExists, a Patch resource's server-side apply takes the object over (await.go `Creation`).
 */
export function alreadyExists(steps: readonly Step[], inCluster: ReadonlySet<string>): string[] {
    return steps
        .filter((step) => step.op === "create" && step.after && !isPatch(step.type))
        .map((step) => objectKey(step.after!))
        .filter((key): key is string => key !== undefined && inCluster.has(key));
}

/** What the Kubernetes API server refuses on an update of a bound claim (core/validation, PVC resize admission). */
export function claimUpdateRefusal(
    before: RegisteredResource,
    after: RegisteredResource,
    classAllowsExpansion: boolean,
    sizeOf: (quantity: string) => number,
): string | undefined {
    const [was, now] = [(before.inputs as any).spec, (after.inputs as any).spec];
    for (const field of ["accessModes", "storageClassName", "selector", "volumeName"]) {
        if (!isDeepStrictEqual(was?.[field], now?.[field])) {
            return `spec.${field}: spec is immutable after creation except resources.requests`;
        }
    }
    const [oldSize, newSize] = [was.resources.requests.storage, now.resources.requests.storage];
    if (sizeOf(newSize) < sizeOf(oldSize))
        return "spec.resources.requests.storage: field can not be less than previous value";
    if (sizeOf(newSize) > sizeOf(oldSize) && !classAllowsExpansion) {
        return "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";
    }
    return undefined;
}
