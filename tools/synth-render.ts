/** Turns the resources recorded under the mock runtime into the synth's files. Pure and deterministic. */
import { stringify } from "yaml";
import { RegisteredResource, redactSecrets } from "./mock-runtime";

/** Objects with keys sorted at every level, so two runs give byte-identical files. */
function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
        );
    }
    return value;
}

function byUrn(resources: readonly RegisteredResource[]): RegisteredResource[] {
    return [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/** `resources.json`: every registered resource, secrets as "[secret]". */
export function renderResources(resources: readonly RegisteredResource[]): string {
    // Resources read from the cluster (`Service.get`) are listed too: others may depend on them.
    const rows = byUrn(resources).map((resource) => ({
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        parent: resource.parent,
        dependencies: resource.dependencies,
        provider: resource.provider,
        inputs: sortKeys(redactSecrets(resource.inputs)),
        // Lifecycle options (deleteBeforeReplace, retainOnDelete, deletedWith, ...): what a second `up` does.
        options: sortKeys(redactSecrets(resource.options)),
        // What the policy runner needs to show the pack what the engine would (`--resources`): a read is not
        // analyzed and carries the live object; a component carries the outputs it registered; a provider's
        // component carries no properties.
        ...(resource.read ? { read: true } : {}),
        ...(resource.read || (!resource.custom && !resource.remote)
            ? { outputs: sortKeys(redactSecrets(resource.outputs)) }
            : {}),
        ...(resource.remote ? { remote: true } : {}),
    }));
    return `${JSON.stringify(rows, null, 2)}\n`;
}

const KUBERNETES_OBJECT = /^kubernetes:([A-Za-z0-9.-]+)\/([A-Za-z0-9]+):([A-Za-z0-9]+)$/;
// Types that are not one object: charts and YAML groups expand in the engine, patches change live objects.
const NOT_AN_OBJECT = /^kubernetes:(helm\.sh|yaml)\/|Patch$/;
// Patches that are the program's own objects, applied by server-side apply so that a kept one is taken back
// (components/workload: the namespace and each ordinal's claim): written as the objects they create.
const OWN_OBJECT_PATCH = /^kubernetes:core\/v1:(Namespace|PersistentVolumeClaim)Patch$/;

// Apply order: what others need first (namespaces, classes, config), custom resources last (their CRDs
// come from a chart).
const KIND_RANK: Record<string, number> = {
    Namespace: 0,
    CustomResourceDefinition: 1,
    StorageClass: 2,
    PriorityClass: 2,
    ServiceAccount: 3,
    ClusterRole: 3,
    Role: 3,
    ClusterRoleBinding: 4,
    RoleBinding: 4,
    ConfigMap: 4,
    Secret: 4,
    PersistentVolumeClaim: 5,
    Service: 6,
    StatefulSet: 7,
    Deployment: 7,
    DaemonSet: 7,
    PodDisruptionBudget: 8,
    Job: 9,
};
const CUSTOM_RESOURCE_RANK = 10;
const OTHER_RANK = 9;

/** True for a registered resource that is one Kubernetes object the program declares. */
export function isKubernetesObject(resource: RegisteredResource): boolean {
    if (resource.read || !KUBERNETES_OBJECT.test(resource.type)) return false;
    return OWN_OBJECT_PATCH.test(resource.type) || !NOT_AN_OBJECT.test(resource.type);
}

function rankOf(resource: RegisteredResource): number {
    const [, group, , type] = KUBERNETES_OBJECT.exec(resource.type) ?? [];
    const kind = OWN_OBJECT_PATCH.test(resource.type) ? type.replace(/Patch$/, "") : type;
    if (KIND_RANK[kind] !== undefined) return KIND_RANK[kind];
    const builtIn = group === "core" || !group.includes(".") || group.endsWith(".k8s.io");
    return builtIn ? OTHER_RANK : CUSTOM_RESOURCE_RANK;
}

/** `manifests.yaml`: every Kubernetes object the program declares, in an order that applies cleanly. */
export function renderManifests(resources: readonly RegisteredResource[]): string {
    const objects = byUrn(resources.filter(isKubernetesObject))
        .map((resource) => ({ rank: rankOf(resource), object: sortKeys(redactSecrets(resource.inputs)) }))
        .sort((a, b) => a.rank - b.rank);
    return objects.map(({ object }) => `---\n${stringify(object, { lineWidth: 0 })}`).join("");
}

/** Mermaid flowchart: components as subgraphs, resources as nodes, dependencies as dotted edges. */
export function renderGraph(resources: readonly RegisteredResource[]): string {
    const sorted = byUrn(resources);
    const ids = new Map(sorted.map((resource, index) => [resource.urn, `r${index}`]));
    const children = new Map<string | null, RegisteredResource[]>();
    for (const resource of sorted) {
        const parent = resource.parent && ids.has(resource.parent) ? resource.parent : null;
        children.set(parent, [...(children.get(parent) ?? []), resource]);
    }
    const label = (resource: RegisteredResource) =>
        `"${resource.type.replace(/"/g, "'")}<br/>${resource.name.replace(/"/g, "'")}"`;
    const lines = ["flowchart TB"];
    const emit = (resource: RegisteredResource, indent: string) => {
        const id = ids.get(resource.urn)!;
        const inner = children.get(resource.urn) ?? [];
        if (inner.length === 0) {
            lines.push(`${indent}${id}[${label(resource)}]`);
            return;
        }
        lines.push(`${indent}subgraph ${id}[${label(resource)}]`);
        inner.forEach((child) => emit(child, `${indent}  `));
        lines.push(`${indent}end`);
    };
    (children.get(null) ?? []).forEach((root) => emit(root, "  "));
    for (const resource of sorted) {
        for (const dependency of resource.dependencies) {
            if (ids.has(dependency)) lines.push(`  ${ids.get(resource.urn)} -.->|depends on| ${ids.get(dependency)}`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** The files synth writes, by name. */
export const SYNTH_FILES = ["manifests.yaml", "resources.json", "graph.mmd"] as const;

/** Every file synth writes, rendered from the recorded resources. */
export function renderSynthFiles(
    resources: readonly RegisteredResource[],
): Record<(typeof SYNTH_FILES)[number], string> {
    return {
        "manifests.yaml": renderManifests(resources),
        "resources.json": renderResources(resources),
        "graph.mmd": renderGraph(resources),
    };
}

/** Resource counts by type, most common first, then by name. */
export function summarize(resources: readonly RegisteredResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
