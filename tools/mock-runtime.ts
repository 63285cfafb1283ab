/**
 * Evaluates the Pulumi program under Pulumi's own mock runtime and records every resource it registers:
 * type, name, inputs, parent, dependencies and provider. Used by the offline synth and by the tests.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import {
    deserializeProperties,
    deserializeProperty,
    specialSecretSig,
    specialSigKey,
    unknownValue,
} from "@pulumi/pulumi/runtime/rpc";
import { mockCallResult, mockResourceState } from "./mock-state";

// Marked internal in the SDK's typings, but it is what `pulumi` itself awaits before a program ends.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Stands in for a secret value in everything the harness records or writes. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * A value not known until the update runs (another resource's output, during a preview): the unknown
 * sentinel of the Pulumi wire protocol, kept as is in what the harness records and writes.
 */
export const UNKNOWN: string = unknownValue;

export interface RegisteredResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent, or null for the stack itself. */
    readonly parent: string | null;
    /** URNs this resource depends on: explicit `dependsOn` and through its inputs. */
    readonly dependencies: string[];
    /** URN of the explicit provider, or null for the default provider. */
    readonly provider: string | null;
    /** Inputs as the provider would receive them; secrets are kept as secret markers (see `isSecret`). */
    readonly inputs: Record<string, unknown>;
    /** False for component resources. */
    readonly custom: boolean;
    /** True for a resource read from the cluster (`Resource.get`) rather than created. */
    readonly read: boolean;
    /** What the provider reported back (the mock state); in a preview, computed values are UNKNOWN. */
    readonly outputs: Record<string, unknown>;
    /** A component a provider implements (`eks:index:Cluster`, helm v4 Chart), not the program. */
    readonly remote: boolean;
    /** The resource options the program set, as the engine receives them; `{}` when none (see `optionsOf`). */
    readonly options: ResourceOptionsRecord;
}

/** The lifecycle options of one registration: only those the program set. */
export interface ResourceOptionsRecord {
    deleteBeforeReplace?: boolean;
    retainOnDelete?: boolean;
    protect?: boolean;
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    /** The value whose change makes the engine replace the resource (deserialized, secrets marked). */
    replacementTrigger?: unknown;
    customTimeouts?: { create?: string; update?: string; delete?: string };
    import?: string;
    /** URN of the resource whose deletion makes this one's own delete a no-op. */
    deletedWith?: string;
    /** URNs of resources whose replacement also replaces this one. */
    replaceWith?: string[];
    /** Names of the resource hooks bound to the resource, by when they run. */
    hooks?: Partial<
        Record<
            "beforeCreate" | "afterCreate" | "beforeUpdate" | "afterUpdate" | "beforeDelete" | "afterDelete",
            string[]
        >
    >;
}

export interface ProgramRun {
    readonly resources: RegisteredResource[];
    /** Stack outputs, secrets still marked as secrets; in a preview, what is not known yet is UNKNOWN. */
    readonly outputs: Record<string, unknown>;
    /** Provider functions the program called (lookups such as `aws:ec2/getSubnets`), in call order. */
    readonly calls: FunctionCall[];
}

/** One provider function call (an invoke): what the program looked up rather than created. */
export interface FunctionCall {
    /** The function's token, e.g. `kubernetes:helm:template`. */
    readonly token: string;
    readonly inputs: Record<string, unknown>;
}

export interface ProgramOptions {
    readonly project?: string;
    readonly stack: string;
    /** Full config keys (`stateful-nginx:app`) to raw strings, as Pulumi passes them to a program. */
    readonly config: Record<string, string>;
    readonly secretKeys?: string[];
    /**
     * Evaluate as `pulumi preview` does: resources created in this run report no id and unknown computed
     * outputs (see `previewState`), so inputs built from them are UNKNOWN. @default false
     */
    readonly preview?: boolean;
}

/** The secret marker the runtime uses on the wire. */
export function isSecret(value: unknown): value is { value: unknown } {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
    );
}

/** A deep copy of `value` with every secret replaced by SECRET_PLACEHOLDER and resources by their URN. */
export function redactSecrets(value: unknown): unknown {
    if (isSecret(value)) return SECRET_PLACEHOLDER;
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (pulumi.Resource.isInstance(value))
        return `[resource ${(value as unknown as { __name?: string }).__name ?? ""}]`;
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactSecrets(inner)]));
    }
    return value;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The options a RegisterResourceRequest carries (getters of @pulumi/pulumi 3.248's proto/resource_pb.d.ts),
 * keeping only what the program set: a false boolean, an empty list or an empty string is left out.
 */
export function optionsOf(req: any): ResourceOptionsRecord {
    const options: ResourceOptionsRecord = {};
    if (req.getDeletebeforereplacedefined() && req.getDeletebeforereplace()) options.deleteBeforeReplace = true;
    // The SDK sends both as false when unset (inherited from the parent): only `true` is a choice.
    if (req.getRetainondelete() === true) options.retainOnDelete = true;
    if (req.getProtect() === true) options.protect = true;
    if (req.getIgnorechangesList().length > 0) options.ignoreChanges = [...req.getIgnorechangesList()];
    if (req.getReplaceonchangesList().length > 0) options.replaceOnChanges = [...req.getReplaceonchangesList()];
    const trigger = req.getReplacementTrigger();
    if (trigger !== undefined) options.replacementTrigger = deserializeProperty(trigger.toJavaScript());
    const timeouts = req.getCustomtimeouts();
    if (timeouts) {
        const set = Object.entries({
            create: timeouts.getCreate(),
            update: timeouts.getUpdate(),
            delete: timeouts.getDelete(),
        }).filter(([, value]) => value !== "");
        if (set.length > 0) options.customTimeouts = Object.fromEntries(set);
    }
    if (req.getImportid()) options.import = req.getImportid();
    if (req.getDeletedwith()) options.deletedWith = req.getDeletedwith();
    if (req.getReplaceWithList().length > 0) options.replaceWith = [...req.getReplaceWithList()];
    const hooks = req.getHooks();
    if (hooks) {
        const bound = Object.entries({
            beforeCreate: hooks.getBeforeCreateList(),
            afterCreate: hooks.getAfterCreateList(),
            beforeUpdate: hooks.getBeforeUpdateList(),
            afterUpdate: hooks.getAfterUpdateList(),
            beforeDelete: hooks.getBeforeDeleteList(),
            afterDelete: hooks.getAfterDeleteList(),
        }).filter(([, names]) => names.length > 0);
        if (bound.length > 0) options.hooks = Object.fromEntries(bound);
    }
    return options;
}
/**
 * A provider's inputs with the version the program's SDK asked for, which the engine adds to them (pulumi
 * v3.248.0 pkg/resource/deploy/source_eval.go, `providers.SetProviderVersion`): policies see it there.
 */
function withProviderVersion(req: any, inputs: Record<string, unknown>): Record<string, unknown> {
    const version: string | undefined = req.getVersion?.();
    return req.getType().startsWith("pulumi:providers:") && version ? { ...inputs, version } : inputs;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A deep copy of `value` with the SDK's in-memory unknowns written as the wire's UNKNOWN sentinel. */
export function withUnknownSentinels(value: unknown): unknown {
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (Array.isArray(value)) return value.map(withUnknownSentinels);
    if (typeof value === "object" && value !== null && !pulumi.Resource.isInstance(value)) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withUnknownSentinels(inner)]));
    }
    return value;
}

type State = Record<string, unknown>;

/** `state` with every value the provider computed (absent from or different in `inputs`) UNKNOWN. */
function computedUnknown(inputs: unknown, state: unknown): unknown {
    if (JSON.stringify(inputs) === JSON.stringify(state)) return state;
    if (typeof state !== "object" || state === null || typeof inputs !== "object" || inputs === null) return UNKNOWN;
    if (Array.isArray(state) !== Array.isArray(inputs)) return UNKNOWN;
    if (Array.isArray(state)) {
        const given = inputs as unknown[];
        return state.length === given.length
            ? state.map((item, index) => computedUnknown(given[index], item))
            : UNKNOWN;
    }
    const given = inputs as State;
    return Object.fromEntries(Object.entries(state).map(([key, inner]) => [key, computedUnknown(given[key], inner)]));
}

/**
 * What a provider reports for a resource created during a preview. The Kubernetes provider, with no
 * cluster to dry-run against, returns the inputs as they are (pulumi-kubernetes 4.x provider.go `Create`:
 * "If this is a preview and the input meets one of the skip criteria, then return them as-is"); other
 * providers (the Terraform-bridged AWS provider, the eks components) report what they would compute as
 * unknown. A read (`Resource.get`) returns the live object in a preview too.
 */
export function previewState(type: string, inputs: State, state: State): State {
    if (type.startsWith("kubernetes:")) return inputs;
    return computedUnknown(inputs, state) as State;
}

function providerUrn(reference: string): string | null {
    return reference ? reference.slice(0, reference.lastIndexOf("::")) : null;
}

type Recorder = (resource: RegisteredResource) => void;
let recorder: Recorder | undefined;
// The stack's outputs as the engine receives them: unlike runInPulumiStack's result, secrets stay marked.
let stackOutputs: Record<string, unknown> | undefined;
// What each component (and the stack) registered as its outputs, by URN: the properties the engine keeps
// for it and hands AnalyzeStack (test/engine's probe pack shows it).
const registeredOutputs = new Map<string, Record<string, unknown>>();

// setMocks hands the monitor neither parents nor dependencies; record them from the request itself.
/* eslint-disable @typescript-eslint/no-explicit-any */
const monitor = MockMonitor.prototype as any;
if (!monitor.__statefulNginxRecording) {
    monitor.__statefulNginxRecording = true;
    for (const method of ["registerResource", "readResource"] as const) {
        const original = monitor[method];
        monitor[method] = function (this: any, req: any, callback: (err: any, resp: any) => void) {
            return original.call(this, req, (err: any, resp: any) => {
                if (!err && recorder) {
                    recorder({
                        urn: resp.getUrn(),
                        type: req.getType(),
                        name: req.getName(),
                        parent: req.getParent() || null,
                        dependencies:
                            method === "registerResource" ? [...new Set<string>(req.getDependenciesList())].sort() : [],
                        provider: providerUrn(req.getProvider()),
                        inputs: withProviderVersion(
                            req,
                            withUnknownSentinels(
                                deserializeProperties(
                                    method === "registerResource" ? req.getObject() : req.getProperties(),
                                    true,
                                ),
                            ) as Record<string, unknown>,
                        ),
                        custom: method === "registerResource" ? req.getCustom() : true,
                        read: method === "readResource",
                        options: method === "registerResource" ? optionsOf(req) : {},
                        outputs: withUnknownSentinels(
                            deserializeProperties(
                                method === "registerResource" ? resp.getObject() : resp.getProperties(),
                                true,
                            ),
                        ) as Record<string, unknown>,
                        remote: method === "registerResource" && req.getRemote() === true,
                    });
                }
                callback(err, resp);
            });
        };
    }
    // A URN as the engine makes it: the parent's whole qualified type before the resource's own, and none for
    // the root stack (pulumi v3.248.0 pkg/resource/deploy/deployment.go `generateURN`). The SDK's mock monitor
    // keeps only the parent's last type, and the stack's: a Service two components deep got another URN here
    // than in a real preview, and policies saw other URNs than they do under the engine.
    monitor.newUrn = (parent: string, type: string, name: string): string => {
        const parentType = parent ? parent.split("::")[2] : "";
        const qualifiedType = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
        return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualifiedType}::${name}`;
    };
    // The mock monitor of 3.248 has no registerResourceHook: accept the registration (the hook itself runs
    // only under the engine), so a program that binds hooks runs here and the binding is recorded.
    if (!monitor.registerResourceHook) {
        monitor.registerResourceHook = (_req: any, callback: (err: any, resp: any) => void) => callback(null, {});
    }
    const registerOutputs = monitor.registerResourceOutputs;
    monitor.registerResourceOutputs = function (this: any, req: any, callback: (err: any, resp: any) => void) {
        if (recorder && req.getUrn().split("::")[2] === "pulumi:pulumi:Stack") {
            // Unknowns kept (a preview's), as the UNKNOWN sentinel like every other recorded value.
            stackOutputs = withUnknownSentinels(deserializeProperties(req.getOutputs(), true)) as Record<
                string,
                unknown
            >;
        }
        if (recorder) {
            registeredOutputs.set(
                req.getUrn(),
                withUnknownSentinels(deserializeProperties(req.getOutputs(), true)) as Record<string, unknown>,
            );
        }
        return registerOutputs.call(this, req, callback);
    };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Runs `program` (the default export of index.ts, or any async function that registers resources) as a
 * Pulumi stack under the mock runtime, and returns what it registered and exported.
 */
export async function runProgram(program: () => Promise<unknown>, options: ProgramOptions): Promise<ProgramRun> {
    const resources: RegisteredResource[] = [];
    const calls: FunctionCall[] = [];
    recorder = (resource) => resources.push(resource);
    try {
        pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    const state = mockResourceState(args.type, args.name, args.inputs, args.id);
                    // A preview creates nothing: no id yet, computed outputs unknown. Reads see the cluster.
                    if (options.preview && !args.id) {
                        return { id: undefined, state: previewState(args.type, args.inputs, state) };
                    }
                    return { id: args.id || `${args.name}-id`, state };
                },
                call: (args) => {
                    calls.push({ token: args.token, inputs: args.inputs });
                    return mockCallResult(args.token, args.inputs);
                },
            },
            options.project ?? "stateful-nginx",
            options.stack,
            options.preview ?? false,
        );
        stackOutputs = undefined;
        await pulumi.runtime.runInPulumiStack(program);
        await waitForRPCs();
        // A component's outputs are what it registered (none: `{}`), not a provider's state.
        const withOutputs = resources.map((resource) =>
            resource.custom ? resource : { ...resource, outputs: registeredOutputs.get(resource.urn) ?? {} },
        );
        return { resources: withOutputs, outputs: stackOutputs ?? {}, calls };
    } finally {
        recorder = undefined;
        registeredOutputs.clear();
    }
}
