/**
 * Turns what the program registered under the mock runtime into the synth's files and its summary.
 * Deterministic: the same run gives byte-identical files.
 */
import * as v8 from "v8";
import { stringify } from "yaml";
import { FunctionCall, ProgramRun, RegisteredResource, redactSecrets, UNKNOWN } from "./mock-runtime";
import { MADE_UP_VALUE } from "./mock-state";

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

/** The key of the mapping that stands in for a value nobody knows offline (see `markPlaceholders`). */
export const PLACEHOLDER_KEY = "synth-placeholder";

const MADE_UP = "made up by the mock runtime; pulumi up uses the real value";
const NOT_KNOWN = "unknown until pulumi up computes it";

/**
 * A copy of `value` with each value nobody knows offline (one the mocks made up, or a preview's unknown)
 * replaced by `{synth-placeholder: why}`. The mapping stands where a string, number or list belongs, so the
 * API server, and kubectl for a name, refuse the object instead of applying a made-up value.
 */
export function markPlaceholders(value: unknown, found: { count: number } = { count: 0 }): unknown {
    if (value === UNKNOWN || (typeof value === "string" && MADE_UP_VALUE.test(value))) {
        found.count += 1;
        return { [PLACEHOLDER_KEY]: value === UNKNOWN ? NOT_KNOWN : MADE_UP };
    }
    if (Array.isArray(value)) return value.map((inner) => markPlaceholders(inner, found));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, markPlaceholders(inner, found)]));
    }
    return value;
}

function manifestsHeader(stack: string, objects: number, placeholders: number): string {
    return [
        `# The ${objects} Kubernetes objects the ${stack} stack declares, written by \`npm run synth\` under Pulumi's`,
        "# mock runtime: no cluster was asked. This is what the program asks for, not byte for byte what",
        "# `pulumi up` sends: the Kubernetes provider completes each object against the live cluster, charts",
        "# (MetalLB) and EKS's own resources are not expanded here, and the *Patch resources are written as the",
        "# objects they create. Deploy with `pulumi up`, not with kubectl.",
        placeholders === 0
            ? "# No value here was made up by the mocks or is unknown before `pulumi up`."
            : `# ${placeholders} value(s) here are known only to \`pulumi up\` and are marked \`${PLACEHOLDER_KEY}: ...\`:` +
              "\n# kubectl apply refuses an object while such a mark remains in it.",
        "",
    ].join("\n");
}

/**
 * `manifests.yaml`: every Kubernetes object the program declares, in an order that applies cleanly, under a
 * header that says what the file is; values nobody knows offline are marked (see `markPlaceholders`).
 */
export function renderManifests(resources: readonly RegisteredResource[], stack: string): string {
    const found = { count: 0 };
    const objects = byUrn(resources.filter(isKubernetesObject))
        .map((resource) => ({
            rank: rankOf(resource),
            object: sortKeys(markPlaceholders(redactSecrets(resource.inputs), found)),
        }))
        .sort((a, b) => a.rank - b.rank);
    const documents = objects.map(({ object }) => `---\n${stringify(object, { lineWidth: 0 })}`).join("");
    return `${manifestsHeader(stack, objects.length, found.count)}${documents}`;
}

/** `outputs.json`: the stack's outputs as `pulumi stack output --json` prints them, secrets as "[secret]". */
export function renderOutputs(outputs: Readonly<Record<string, unknown>>): string {
    const shown = (value: unknown): unknown => {
        if (value === UNKNOWN) return "[unknown]";
        if (Array.isArray(value)) return value.map(shown);
        if (typeof value === "object" && value !== null) {
            return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shown(inner)]));
        }
        return value;
    };
    // Pulumi leaves an undefined output out of the stack's outputs; JSON does the same.
    return `${JSON.stringify(sortKeys(shown(redactSecrets(outputs))), null, 2)}\n`;
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

/** A type token's last part: `kubernetes:core/v1:Service` -> `Service`. */
function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

// AWS resources named by the program carry it in one of these inputs; a policy attachment by its policy.
const AWS_NAME_INPUTS = ["name", "addonName", "nodeGroupName"];

/**
 * The name a person looks a resource up by: `namespace/name` for a namespaced Kubernetes object (as in
 * `kubectl get -A`), the name for a cluster-scoped one, the release for a chart, the AWS name for an AWS
 * resource (`name-*` when AWS or Pulumi picks the suffix at creation), the Pulumi name otherwise.
 */
export function displayName(resource: RegisteredResource): string {
    const inputs = resource.inputs as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" && value !== UNKNOWN ? value : undefined);
    if (KUBERNETES_OBJECT.test(resource.type) || resource.type.startsWith("kubernetes:helm.sh/")) {
        // A read sends no inputs: its name is in what the cluster returned.
        const metadata = ((resource.read ? resource.outputs.metadata : inputs.metadata) ?? {}) as Record<
            string,
            unknown
        >;
        const name = text(metadata.name) ?? text(inputs.name) ?? resource.name;
        const namespace = text(metadata.namespace) ?? text(inputs.namespace);
        return namespace ? `${namespace}/${name}` : name;
    }
    if (resource.type.startsWith("aws:") || resource.type.startsWith("eks:")) {
        for (const key of AWS_NAME_INPUTS) if (text(inputs[key])) return text(inputs[key])!;
        const policy = text(inputs.policyArn);
        if (policy) return policy.slice(policy.lastIndexOf("/") + 1);
        return `${resource.name}-*`;
    }
    return resource.name;
}

/** What a resource is, in a few words: `Service LoadBalancer`, `iam Role`, `helm chart metallb 0.16.1`. */
function whatItIs(resource: RegisteredResource): string {
    const inputs = resource.inputs as Record<string, unknown>;
    if (resource.type.startsWith("pulumi:providers:")) return `${kindOf(resource.type)} provider`;
    if (resource.type.startsWith("kubernetes:helm.sh/"))
        return `helm chart ${String(inputs.chart)} ${String(inputs.version)}`;
    const kind = kindOf(resource.type).replace(/Patch$/, "");
    if (resource.type === "kubernetes:core/v1:Service" && !resource.read) {
        const spec = (inputs.spec ?? {}) as Record<string, unknown>;
        return spec.clusterIP === "None" ? "Service headless" : `Service ${String(spec.type ?? "ClusterIP")}`;
    }
    if (resource.type.startsWith("kubernetes:")) return kind;
    const [pkg, module] = resource.type.split(":");
    return `${module === "index" ? pkg : module.split("/")[0]} ${kind}`;
}

/** A DOT double-quoted string. */
function dotString(text: string): string {
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/**
 * `graph.dot`, the picture's source: one Graphviz cluster per component (ComponentResource), one box per
 * resource it creates, labelled with what it is and the name `kubectl` or AWS shows; reads dashed; an arrow
 * from each resource to those that wait for it, unless a longer path of arrows already says so.
 */
export function renderDot(resources: readonly RegisteredResource[], stack: string): string {
    const sorted = byUrn(resources);
    const ids = new Map(sorted.map((resource, index) => [resource.urn, `r${index}`]));
    const byParent = new Map<string | null, RegisteredResource[]>();
    for (const resource of sorted) {
        const parent = resource.parent && ids.has(resource.parent) ? resource.parent : null;
        byParent.set(parent, [...(byParent.get(parent) ?? []), resource]);
    }
    const isCluster = (resource: RegisteredResource) => !resource.custom && !resource.remote;
    // An arrow to or from a component goes to one of its boxes and is clipped at the cluster's edge.
    const anchor = (resource: RegisteredResource): RegisteredResource | undefined => {
        if (!isCluster(resource)) return resource;
        for (const child of byParent.get(resource.urn) ?? []) {
            const found = anchor(child);
            if (found) return found;
        }
        return undefined;
    };
    // mclimit: fewer rounds of crossing reduction, which cost most of the layout and change little here.
    const lines = [
        `digraph ${dotString(`stack ${stack}`)} {`,
        `  graph [rankdir=LR, compound=true, mclimit=0.2, fontname="Helvetica", fontsize=12, labelloc=t, label=${dotString(
            `stack ${stack}: what it creates, offline (arrows: what waits for what; dashed: only read)`,
        )}];`,
        '  node [shape=box, style="rounded,filled", fillcolor="#f7f7f7", fontname="Helvetica", fontsize=10, margin="0.2,0.06"];',
        '  edge [color="#7a7a7a", arrowsize=0.6];',
    ];
    const emit = (resource: RegisteredResource, indent: string) => {
        const id = ids.get(resource.urn)!;
        if (isCluster(resource) && anchor(resource)) {
            lines.push(`${indent}subgraph cluster_${id} {`);
            lines.push(
                `${indent}  graph [label=${dotString(`${kindOf(resource.type)} ${resource.name}`)}, style="rounded", color="#4a6fa5", fontcolor="#4a6fa5"];`,
            );
            (byParent.get(resource.urn) ?? []).forEach((child) => emit(child, `${indent}  `));
            lines.push(`${indent}}`);
            return;
        }
        if (isCluster(resource)) return;
        const style = resource.read ? ', style="rounded,dashed", fillcolor="#ffffff", fontcolor="#555555"' : "";
        const label = `${resource.read ? "reads " : ""}${whatItIs(resource)}\n${displayName(resource)}`;
        lines.push(`${indent}${id} [label=${dotString(label)}, tooltip=${dotString(resource.urn)}${style}];`);
    };
    // The stack itself is the whole picture, not a cluster of its own.
    for (const root of byParent.get(null) ?? []) {
        if (root.type === "pulumi:pulumi:Stack") (byParent.get(root.urn) ?? []).forEach((child) => emit(child, "  "));
        else emit(root, "  ");
    }
    const byUrnMap = new Map(sorted.map((resource) => [resource.urn, resource]));
    const ancestors = (resource: RegisteredResource): Set<string> => {
        const chain = new Set<string>();
        for (let parent = resource.parent; parent; parent = byUrnMap.get(parent)?.parent ?? null) chain.add(parent);
        return chain;
    };
    // Arrows from what comes first to what waits for it, between the resources and components drawn.
    const waits = new Map<string, Set<string>>();
    for (const resource of sorted) {
        for (const urn of resource.dependencies) {
            const dependency = byUrnMap.get(urn);
            if (!dependency || dependency.type === "pulumi:pulumi:Stack") continue;
            // Waiting for one's own component, or for a child, draws nothing a reader needs.
            if (ancestors(resource).has(urn) || ancestors(dependency).has(resource.urn)) continue;
            if (!anchor(dependency) || !anchor(resource)) continue;
            waits.set(urn, (waits.get(urn) ?? new Set()).add(resource.urn));
        }
    }
    // An arrow that a longer path already implies is left out (a transitive reduction), so the picture
    // keeps the order and loses the tangle.
    const reachable = (from: string, to: string, skip: string): boolean => {
        const seen = new Set<string>();
        const stack = [...(waits.get(from) ?? [])].filter((next) => next !== skip);
        while (stack.length > 0) {
            const next = stack.pop()!;
            if (next === to) return true;
            if (seen.has(next)) continue;
            seen.add(next);
            stack.push(...(waits.get(next) ?? []));
        }
        return false;
    };
    const edges = new Set<string>();
    for (const [urn, dependents] of waits) {
        const dependency = byUrnMap.get(urn)!;
        for (const dependentUrn of dependents) {
            if (reachable(urn, dependentUrn, dependentUrn)) continue;
            const resource = byUrnMap.get(dependentUrn)!;
            const [from, to] = [anchor(dependency)!, anchor(resource)!];
            if (from === to) continue;
            const clip = [
                isCluster(dependency) ? `ltail=cluster_${ids.get(dependency.urn)}` : "",
                isCluster(resource) ? `lhead=cluster_${ids.get(resource.urn)}` : "",
            ].filter(Boolean);
            edges.add(`  ${ids.get(from.urn)} -> ${ids.get(to.urn)}${clip.length ? ` [${clip.join(", ")}]` : ""};`);
        }
    }
    lines.push(...[...edges].sort(), "}");
    return `${lines.join("\n")}\n`;
}

type Graphviz = Awaited<ReturnType<typeof import("@viz-js/viz").instance>>;
let graphviz: Promise<Graphviz> | undefined;

/**
 * Starts loading Graphviz compiled to WebAssembly (@viz-js/viz), once: nothing is installed on the machine and
 * no browser runs. Only synth loads it, and only when it draws; calling this early lets the WebAssembly
 * compile while the program runs.
 */
export function loadGraphviz(): Promise<Graphviz> {
    if (graphviz === undefined) {
        // V8 compiles WebAssembly with its baseline compiler (Liftoff), then again, optimized (TurboFan), the
        // functions that run often. One layout is too short to win that back: with Liftoff alone, loading and
        // drawing cost 0.18 s of CPU instead of 0.29 s (Node 20.20, 2-core Xeon VM, December 2026). The flag
        // is read when a module is compiled, so it holds for this one; no other WebAssembly runs in synth.
        v8.setFlagsFromString("--liftoff-only");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        graphviz = (require("@viz-js/viz") as typeof import("@viz-js/viz")).instance();
    }
    return graphviz;
}

/** `graph.svg`: the picture of `renderDot`, laid out by Graphviz. */
export async function renderSvg(dot: string): Promise<string> {
    return (await loadGraphviz()).renderString(dot, { format: "svg" });
}

/** The files synth writes, by name. */
export const SYNTH_FILES = ["manifests.yaml", "resources.json", "outputs.json", "graph.svg", "graph.mmd"] as const;

/** Every file synth writes, rendered from what the program registered and exported. */
export async function renderSynthFiles(
    run: ProgramRun,
    stack: string,
): Promise<Record<(typeof SYNTH_FILES)[number], string>> {
    return {
        "manifests.yaml": renderManifests(run.resources, stack),
        "resources.json": renderResources(run.resources),
        "outputs.json": renderOutputs(run.outputs),
        "graph.svg": await renderSvg(renderDot(run.resources, stack)),
        "graph.mmd": renderGraph(run.resources),
    };
}

/** Counts by key, most common first, then by key. */
function countBy<T>(items: readonly T[], key: (item: T) => string): [string, number][] {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** What the stack creates: resources (a provider's components among them), not reads, not the program's components. */
export function createdResources(resources: readonly RegisteredResource[]): RegisteredResource[] {
    return resources.filter((resource) => !resource.read && (resource.custom || resource.remote));
}

/**
 * The summary synth prints: what the stack creates, by type; its components; what it only reads from the
 * cluster (`Resource.get`), by name; and which provider functions it calls to look things up.
 */
export function summarize(run: Pick<ProgramRun, "resources" | "calls">): string[] {
    const created = createdResources(run.resources);
    const components = run.resources.filter(
        (resource) => !resource.custom && !resource.remote && resource.type !== "pulumi:pulumi:Stack",
    );
    const reads = byUrn(run.resources.filter((resource) => resource.read));
    const row = ([text, count]: [string, number]) => `    ${String(count).padStart(3)}  ${text}`;
    return [
        `  creates ${created.length} resources:`,
        ...countBy(created, (resource) => resource.type).map(row),
        `  in ${components.length} components:`,
        ...countBy(components, (resource) => resource.type).map(row),
        reads.length === 0
            ? "  reads nothing from the cluster"
            : `  reads ${reads.length} from the cluster, never changing them:`,
        ...reads.map((resource) => `         ${kindOf(resource.type)} ${displayName(resource)}`),
        run.calls.length === 0 ? "  looks nothing up" : `  looks up, through ${run.calls.length} function calls:`,
        ...countBy(run.calls, (call: FunctionCall) => call.token).map(row),
    ];
}
