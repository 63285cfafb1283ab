/**
 * Runs CrossGuard policies offline the way the Pulumi engine and the @pulumi/policy 1.21 policy server do:
 * config reconciled as the CLI does (schema defaults, then `all`, then each policy's entry), resource
 * policies once per resource with the resource's inputs, stack policies once with every resource, props
 * behind `unknownCheckingProxy`, `notApplicable`, and enforcement levels including `disabled`.
 *
 * What an offline run cannot know: resource options (protect, aliases, ...) are their defaults, and stack
 * policies see inputs where the engine passes outputs (for Kubernetes objects, the same fields).
 */
import * as fs from "fs";
import type {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { redactSecrets } from "./mock-runtime";

// Exported by @pulumi/policy 1.21 at run time to mirror the engine, but marked internal in its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy") as {
    unknownCheckingProxy<T extends object>(value: T): T;
    UnknownValueError: new (...args: never[]) => Error;
};

type Policy = Policies[number];

/** One resource as the synth's `resources.json` (or the mock runtime) records it. */
export interface ResourceRecord {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly dependencies: readonly string[];
    readonly provider: string | null;
    readonly inputs: Record<string, unknown>;
    /** Read from the cluster (`Resource.get`): stack policies see it, resource policies do not. */
    readonly read?: boolean;
}

/** The levels a diagnostic is reported at (`remediate` reports as mandatory, as in the engine). */
export type ViolationLevel = "advisory" | "mandatory";

export interface Violation {
    readonly policyName: string;
    readonly enforcementLevel: ViolationLevel;
    /** The resource the violation is about; absent for a stack violation that names none. */
    readonly urn?: string;
    /** The policy's own message (the engine shows the policy's description above it). */
    readonly message: string;
    readonly description: string;
}

export interface NotApplicable {
    readonly policyName: string;
    readonly reason?: string;
    readonly urn?: string;
}

export interface PolicyReport {
    readonly violations: Violation[];
    readonly notApplicable: NotApplicable[];
    /** Config entries that name no policy of the pack, and similar slips that are not errors. */
    readonly warnings: string[];
    /** Policies that ran (not disabled). */
    readonly policiesRun: number;
    readonly resources: number;
}

/** A policy config as the engine hands it to the policy server: a level and properties for every policy. */
export interface PolicyConfigEntry {
    readonly enforcementLevel: EnforcementLevel;
    readonly properties: Record<string, unknown>;
}

export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

interface GivenConfig {
    enforcementLevel?: EnforcementLevel;
    properties?: Record<string, unknown>;
}

/**
 * Parses a `--policy-pack-config` file's content as the CLI does: each key maps to a level string or to an
 * object whose `enforcementLevel` is split from the other properties.
 */
export function parsePolicyConfig(raw: unknown): Map<string, GivenConfig> {
    if (raw === undefined || raw === null) return new Map();
    if (typeof raw !== "object" || Array.isArray(raw)) {
        throw new PolicyConfigError("the policy config must be a JSON object of policy names");
    }
    const result = new Map<string, GivenConfig>();
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value === "string") {
            if (!isLevel(value)) throw new PolicyConfigError(`${name}: "${value}" is not a valid enforcement level`);
            result.set(name, { enforcementLevel: value });
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                throw new PolicyConfigError(
                    `${name}: ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`,
                );
            }
            const entry: GivenConfig = {};
            if (enforcementLevel !== undefined) entry.enforcementLevel = enforcementLevel;
            if (Object.keys(properties).length > 0) entry.properties = properties;
            if (entry.enforcementLevel !== undefined || entry.properties !== undefined) result.set(name, entry);
        } else {
            throw new PolicyConfigError(
                `${name}: ${JSON.stringify(value)} is not a valid value; must be a string or object`,
            );
        }
    }
    return result;
}

type JsonSchema = PolicyConfigSchema["properties"][string];

function typeOfJson(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

/** The subset of JSON Schema the pack's config schemas use: type, items, enum, minimum, maximum. */
export function schemaErrors(schema: JsonSchema | boolean, value: unknown, path: string): string[] {
    if (typeof schema === "boolean") return schema ? [] : [`${path}: is not allowed`];
    const errors: string[] = [];
    const actual = typeOfJson(value);
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    const typeMatches = types.some((type) => type === actual || (type === "number" && actual === "integer"));
    if (types.length > 0 && !typeMatches) {
        return [`${path}: invalid type. Expected: ${types.join(" or ")}, given: ${actual}`];
    }
    if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
        errors.push(`${path}: must be one of ${schema.enum.map((allowed) => JSON.stringify(allowed)).join(", ")}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) {
            errors.push(`${path}: must be greater than or equal to ${schema.minimum}`);
        }
        if (schema.maximum !== undefined && value > schema.maximum) {
            errors.push(`${path}: must be less than or equal to ${schema.maximum}`);
        }
    }
    if (Array.isArray(value) && schema.items !== undefined && !Array.isArray(schema.items)) {
        const items = schema.items;
        value.forEach((item, index) => errors.push(...schemaErrors(items, item, `${path}.${index}`)));
    }
    return errors;
}

/**
 * The config every policy runs with, as the CLI reconciles it: each policy's level (or the pack's) and
 * its schema's defaults, then `all`'s level on every policy, then each policy's own entry; then the
 * result is validated against each policy's schema.
 */
export function reconcilePolicyConfig(
    policies: Policies,
    packLevel: EnforcementLevel,
    given: Map<string, GivenConfig>,
): { config: Map<string, PolicyConfigEntry>; warnings: string[] } {
    const config = new Map<string, PolicyConfigEntry>();
    for (const policy of policies) {
        const defaults = Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => typeof schema === "object" && schema.default !== undefined)
            .map(([key, schema]) => [key, structuredClone((schema as JsonSchema).default)]);
        config.set(policy.name, {
            enforcementLevel: policy.enforcementLevel ?? packLevel,
            properties: Object.fromEntries(defaults),
        });
    }
    const all = given.get("all")?.enforcementLevel;
    if (all !== undefined) {
        for (const [name, entry] of config) config.set(name, { ...entry, enforcementLevel: all });
    }
    const warnings: string[] = [];
    for (const [name, entry] of given) {
        if (name === "all") continue;
        const current = config.get(name);
        if (!current) {
            warnings.push(`the policy config names ${name}, which is no policy of the pack`);
            continue;
        }
        config.set(name, {
            enforcementLevel: entry.enforcementLevel ?? current.enforcementLevel,
            properties: { ...current.properties, ...entry.properties },
        });
    }
    const errors: string[] = [];
    for (const policy of policies) {
        const schema = policy.configSchema;
        if (!schema) continue;
        const properties = config.get(policy.name)?.properties ?? {};
        for (const required of schema.required ?? []) {
            if (properties[required] === undefined) errors.push(`${policy.name}: ${required} is required`);
        }
        for (const [key, value] of Object.entries(properties)) {
            const propertySchema = schema.properties[key];
            if (propertySchema !== undefined)
                errors.push(...schemaErrors(propertySchema, value, `${policy.name}.${key}`));
        }
    }
    if (errors.length > 0) throw new PolicyConfigError(`invalid policy config: ${errors.join("; ")}`);
    return { config, warnings };
}

/** Thrown by `args.notApplicable()`, as the policy server's own (unexported) NotApplicableError. */
class NotApplicableError extends Error {
    constructor(public readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

function pulumiTypeOf(value: unknown): string | undefined {
    const type = (value as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof type === "string" && type.length > 0 ? type : undefined;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = pulumiTypeOf(resourceClass);
    if (pulumiType) return type === pulumiType;
    const isInstance = (resourceClass as { isInstance?: (obj: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function isResourcePolicy(policy: Policy): policy is ResourceValidationPolicy {
    const { validateResource, remediateResource } = policy as ResourceValidationPolicy;
    if (typeof validateResource === "function") return true;
    if (Array.isArray(validateResource)) return validateResource.every((fn) => typeof fn === "function");
    return typeof remediateResource === "function";
}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
    return typeof (policy as StackValidationPolicy).validateStack === "function";
}

/**
 * Props as the policy server builds them: plain JSON (secrets shown as "[secret]" offline, where the
 * engine would hand over the plaintext), top-level undefined dropped, behind the unknown-checking proxy.
 */
function propsOf(inputs: Record<string, unknown>): Record<string, unknown> {
    const plain = JSON.parse(JSON.stringify(redactSecrets(inputs) ?? {})) as Record<string, unknown>;
    return unknownCheckingProxy(plain) as Record<string, unknown>;
}

function optionsOf(resource: ResourceRecord): PolicyResourceOptions {
    const options: PolicyResourceOptions = {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
    if (resource.parent) options.parent = resource.parent;
    return options;
}

export interface RunOptions {
    /** The policy config file's content (`{"all": ..., "policy-name": {...}}`); none means defaults. */
    readonly config?: unknown;
    /** The pack's own level, for policies that set none. @default "advisory" */
    readonly packEnforcementLevel?: EnforcementLevel;
    readonly stackTags?: Record<string, string>;
}

/** Runs every policy on the resources as the engine would during `pulumi preview`. */
export async function runPolicies(
    policies: Policies,
    resources: readonly ResourceRecord[],
    options: RunOptions = {},
): Promise<PolicyReport> {
    for (const policy of policies) {
        if (policy.name === "all") throw new PolicyConfigError('"all" is a reserved name and cannot name a policy');
        if (
            policy.configSchema?.properties?.enforcementLevel ||
            policy.configSchema?.required?.includes("enforcementLevel")
        ) {
            throw new PolicyConfigError(`${policy.name}: enforcementLevel cannot be a config property`);
        }
    }
    const { config, warnings } = reconcilePolicyConfig(
        policies,
        options.packEnforcementLevel ?? "advisory",
        parsePolicyConfig(options.config),
    );
    const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));
    const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
    const violations: Violation[] = [];
    const notApplicable: NotApplicable[] = [];

    const levelOf = (policy: Policy): EnforcementLevel => config.get(policy.name)?.enforcementLevel ?? "advisory";
    const getConfigOf = (policy: Policy) =>
        function getConfig<T extends object>(): T {
            return structuredClone(config.get(policy.name)?.properties ?? {}) as T;
        };
    const reporter =
        (policy: Policy, level: ViolationLevel, fixedUrn?: string): ReportViolation =>
        (message, urn) => {
            violations.push({
                policyName: policy.name,
                enforcementLevel: level,
                urn: fixedUrn ?? urn,
                message: message ?? "",
                description: policy.description,
            });
        };
    const providerOf = (resource: ResourceRecord): PolicyProviderResource | undefined => {
        const provider = resource.provider ? byUrn.get(resource.provider) : undefined;
        return provider
            ? { type: provider.type, props: propsOf(provider.inputs), urn: provider.urn, name: provider.name }
            : undefined;
    };
    // A policy that cannot read a value (unknown during preview) is reported, not failed, at advisory level.
    const handle = (policy: Policy, error: unknown, urn?: string) => {
        if (error instanceof UnknownValueError) {
            violations.push({
                policyName: policy.name,
                enforcementLevel: "advisory",
                urn,
                message: `can't run policy '${policy.name}' during preview: ${error.message}`,
                description: policy.description,
            });
        } else if (error instanceof NotApplicableError) {
            notApplicable.push({ policyName: policy.name, reason: error.reason, urn });
        } else {
            const detail = error instanceof Error ? error.message : String(error);
            throw new Error(`Error validating ${urn ?? "the stack"} with policy '${policy.name}': ${detail}`);
        }
    };

    const active = policies.filter((policy) => levelOf(policy) !== "disabled");
    const reportedLevel = (policy: Policy): ViolationLevel =>
        levelOf(policy) === "advisory" ? "advisory" : "mandatory";

    for (const resource of resources.filter((candidate) => !candidate.read)) {
        for (const policy of active.filter(isResourcePolicy)) {
            if (!policy.validateResource) {
                notApplicable.push({
                    policyName: policy.name,
                    reason: "Policy does not implement validateResource",
                    urn: resource.urn,
                });
                continue;
            }
            const validations: ResourceValidation[] = Array.isArray(policy.validateResource)
                ? policy.validateResource
                : [policy.validateResource];
            const onlyType = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
            if (onlyType && onlyType !== resource.type) {
                notApplicable.push({
                    policyName: policy.name,
                    reason: `Policy only applies to resources of type '${onlyType}'`,
                    urn: resource.urn,
                });
                continue;
            }
            for (const validation of validations) {
                try {
                    const props = propsOf(resource.inputs);
                    const args: ResourceValidationArgs = {
                        type: resource.type,
                        props,
                        urn: resource.urn,
                        name: resource.name,
                        opts: optionsOf(resource),
                        stackTags,
                        isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
                        asType: ((resourceClass: unknown) =>
                            isTypeOf(resource.type, resourceClass)
                                ? props
                                : undefined) as ResourceValidationArgs["asType"],
                        getConfig: getConfigOf(policy),
                        notApplicable: throwNotApplicable,
                    };
                    const provider = providerOf(resource);
                    if (provider) args.provider = provider;
                    // The engine reports every resource policy's violation on the resource being checked.
                    await Promise.resolve(validation(args, reporter(policy, reportedLevel(policy), resource.urn)));
                } catch (error) {
                    handle(policy, error, resource.urn);
                }
            }
        }
    }

    for (const policy of active.filter(isStackPolicy)) {
        const onlyType = pulumiTypeOf(policy.validateStack);
        if (onlyType && !resources.some((resource) => resource.type === onlyType)) {
            notApplicable.push({
                policyName: policy.name,
                reason: `Policy only applies to resources of type '${onlyType}'`,
            });
            continue;
        }
        try {
            const stackResources = new Map<string, PolicyResource>();
            for (const resource of resources) {
                const props = propsOf(resource.inputs);
                const policyResource: PolicyResource = {
                    type: resource.type,
                    props,
                    urn: resource.urn,
                    name: resource.name,
                    opts: optionsOf(resource),
                    dependencies: [],
                    propertyDependencies: {},
                    isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
                    asType: ((resourceClass: unknown) =>
                        isTypeOf(resource.type, resourceClass) ? props : undefined) as PolicyResource["asType"],
                };
                const provider = providerOf(resource);
                if (provider) policyResource.provider = provider;
                stackResources.set(resource.urn, policyResource);
            }
            for (const resource of resources) {
                const policyResource = stackResources.get(resource.urn) as PolicyResource;
                const parent = resource.parent ? stackResources.get(resource.parent) : undefined;
                if (parent) policyResource.parent = parent;
                policyResource.dependencies = resource.dependencies
                    .map((urn) => stackResources.get(urn))
                    .filter((dependency): dependency is PolicyResource => dependency !== undefined);
            }
            const args: StackValidationArgs = {
                resources: [...stackResources.values()],
                getConfig: getConfigOf(policy),
                stackTags,
                notApplicable: throwNotApplicable,
            };
            await Promise.resolve(policy.validateStack(args, reporter(policy, reportedLevel(policy))));
        } catch (error) {
            handle(policy, error);
        }
    }

    return { violations, notApplicable, warnings, policiesRun: active.length, resources: resources.length };
}

export function hasMandatoryViolations(report: PolicyReport): boolean {
    return report.violations.some((violation) => violation.enforcementLevel === "mandatory");
}

/** `LEVEL policy-name urn: message`, on one line. */
export function formatViolation(violation: Violation): string {
    const message = violation.message.trim() || violation.description;
    return `${violation.enforcementLevel.toUpperCase()} ${violation.policyName} ${violation.urn ?? "(stack)"}: ${message.replace(/\s*\n\s*/g, " ")}`;
}

export function formatSummary(report: PolicyReport, label: string): string {
    const mandatory = report.violations.filter((violation) => violation.enforcementLevel === "mandatory").length;
    const advisory = report.violations.length - mandatory;
    const verdict = mandatory > 0 ? "FAILED" : "passed";
    return (
        `${label}: ${verdict}: ${mandatory} mandatory, ${advisory} advisory violation${advisory === 1 ? "" : "s"} ` +
        `(${report.policiesRun} policies on ${report.resources} resources)`
    );
}

/** Reads a synth `resources.json`: `[{urn, type, name, parent, dependencies, provider, inputs}]`. */
export function readResourcesFile(file: string): ResourceRecord[] {
    const data: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!Array.isArray(data)) throw new Error(`${file}: must be a JSON array of resources`);
    return data.map((row: unknown, index) => {
        const item = (row ?? {}) as Record<string, unknown>;
        if (typeof item.urn !== "string" || typeof item.type !== "string") {
            throw new Error(`${file}: resource ${index} has no urn or type`);
        }
        return {
            urn: item.urn,
            type: item.type,
            name: typeof item.name === "string" ? item.name : item.urn.slice(item.urn.lastIndexOf("::") + 2),
            parent: typeof item.parent === "string" ? item.parent : null,
            dependencies: Array.isArray(item.dependencies)
                ? item.dependencies.filter((urn): urn is string => typeof urn === "string")
                : [],
            provider: typeof item.provider === "string" ? item.provider : null,
            inputs:
                typeof item.inputs === "object" && item.inputs !== null ? (item.inputs as Record<string, unknown>) : {},
        };
    });
}

/** Reads a `--policy-pack-config` JSON file. */
export function readPolicyConfigFile(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    if (text.trim() === "") return undefined;
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new PolicyConfigError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
}
