/**
 * Runs the policy pack in the real analyzer host, as `pulumi preview --policy-pack DIR` does, with no
 * Pulumi CLI: `PolicyHost` starts `@pulumi/pulumi/cmd/run-policy-pack` on the pack and speaks the
 * engine's gRPC protocol to it (the messages of `@pulumi/pulumi/proto/analyzer_pb`); `runPolicies`
 * makes the engine's calls, GetAnalyzerInfo, Configure, Analyze per resource and AnalyzeStack, on the
 * engine's view of the resources (tools/engine-view.ts).
 *
 * Checked against github.com/pulumi/pulumi v3.248.0:
 * - starting the host: sdk/nodejs/cmd/pulumi-language-nodejs/main.go `RunPlugin` runs
 *   `node <run-policy-pack> <engine address> <pack dir>` in the pack dir, with PULUMI_NODEJS_PROJECT,
 *   _STACK, _DRY_RUN and PULUMI_CONFIG set; the host prints its port on stdout.
 * - config: pkg/resource/analyzer/config.go `parsePolicyPackConfig` and `ReconcilePolicyPackConfig`
 *   (schema defaults and each policy's level, then the pack's initial config, then the file: `all` first,
 *   then each policy's entry; then the result is validated against each policy's schema).
 * - properties: sdk/go/common/resource/plugin/analyzer_plugin.go marshals them with unknowns and secrets
 *   kept (`KeepUnknowns: true, KeepSecrets: true`).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { EngineResource, engineView, ResourceRecord } from "./engine-view";
import { readUserFile, shown } from "./stack-config";

export type { ResourceRecord } from "./engine-view";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** The levels a diagnostic is reported at (the host reports `remediate` as mandatory). */
export type ViolationLevel = "advisory" | "mandatory";

interface JsonSchema {
    type?: string | string[];
    items?: JsonSchema | JsonSchema[];
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    default?: unknown;
}

/** A policy as the host describes it in GetAnalyzerInfo. */
export interface PolicyInfo {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly kind: "resource" | "stack";
    readonly configSchema?: { readonly properties: Record<string, JsonSchema>; readonly required: string[] };
}

export interface PackInfo {
    readonly name: string;
    readonly version: string;
    readonly policies: PolicyInfo[];
    readonly initialConfig: Map<string, GivenConfig>;
}

export interface Violation {
    readonly policyName: string;
    readonly enforcementLevel: ViolationLevel;
    /** The resource the violation is about; absent for a stack violation that names none. */
    readonly urn?: string;
    readonly message: string;
    readonly description: string;
}

export interface NotApplicable {
    readonly policyName: string;
    readonly reason: string;
    /** The resource, for a resource policy; absent for a stack policy. */
    readonly urn?: string;
}

export interface PolicyReport {
    readonly violations: Violation[];
    readonly notApplicable: NotApplicable[];
    /** Config entries that name no policy of the pack: the engine passes them on, the host ignores them. */
    readonly warnings: string[];
    /** Policies that ran (not disabled). */
    readonly policiesRun: number;
    /** Resources the engine view holds (the eks components' children included). */
    readonly resources: number;
}

/** A policy config entry: a level and properties. */
export interface PolicyConfigEntry {
    readonly enforcementLevel: EnforcementLevel;
    readonly properties: Record<string, unknown>;
}

export interface GivenConfig {
    readonly enforcementLevel?: EnforcementLevel;
    readonly properties?: Record<string, unknown>;
}

/** The user's to fix: bad policy config. One line. */
export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

/** The analyzer host did not start, or stopped answering. */
export class PolicyHostError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyHostError";
    }
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

const LEVEL_OF_WIRE: Record<number, EnforcementLevel> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};

const WIRE_OF_LEVEL: Record<EnforcementLevel, analyzer.EnforcementLevel> = {
    advisory: analyzer.EnforcementLevel.ADVISORY,
    mandatory: analyzer.EnforcementLevel.MANDATORY,
    disabled: analyzer.EnforcementLevel.DISABLED,
    remediate: analyzer.EnforcementLevel.REMEDIATE,
};

/**
 * A `--policy-pack-config` file's content, as the CLI parses it: each key maps to a level string or to an
 * object whose `enforcementLevel` is split from its other properties; empty entries are dropped.
 */
export function parsePolicyConfig(raw: unknown): Map<string, GivenConfig> {
    if (raw === undefined || raw === null) return new Map();
    if (typeof raw !== "object" || Array.isArray(raw)) {
        throw new PolicyConfigError("the policy config must be a JSON object of policy names");
    }
    const result = new Map<string, GivenConfig>();
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value === "string") {
            if (!isLevel(value)) {
                throw new PolicyConfigError(
                    `${name}: "${value}" is not a valid enforcement level (allowed: ${LEVELS.join(", ")})`,
                );
            }
            result.set(name, { enforcementLevel: value });
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                throw new PolicyConfigError(
                    `${name}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not a valid enforcement level ` +
                        `(allowed: ${LEVELS.join(", ")})`,
                );
            }
            const entry: { enforcementLevel?: EnforcementLevel; properties?: Record<string, unknown> } = {};
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

function typeOfJson(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

/** The subset of JSON Schema the pack's config schemas use: type, items, enum, minimum, maximum. */
export function schemaErrors(schema: JsonSchema | boolean, value: unknown, at: string): string[] {
    if (typeof schema === "boolean") return schema ? [] : [`${at}: is not allowed`];
    const errors: string[] = [];
    const actual = typeOfJson(value);
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    const typeMatches = types.some((type) => type === actual || (type === "number" && actual === "integer"));
    if (types.length > 0 && !typeMatches) {
        return [`${at}: invalid type. Expected: ${types.join(" or ")}, given: ${actual}`];
    }
    if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
        errors.push(`${at}: must be one of ${schema.enum.map((allowed) => JSON.stringify(allowed)).join(", ")}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) {
            errors.push(`${at}: must be greater than or equal to ${schema.minimum}`);
        }
        if (schema.maximum !== undefined && value > schema.maximum) {
            errors.push(`${at}: must be less than or equal to ${schema.maximum}`);
        }
    }
    if (Array.isArray(value) && schema.items !== undefined && !Array.isArray(schema.items)) {
        const items = schema.items;
        value.forEach((item, index) => errors.push(...schemaErrors(items, item, `${at}.${index}`)));
    }
    return errors;
}

function applyConfig(result: Map<string, PolicyConfigEntry>, given: Map<string, GivenConfig>): void {
    const all = given.get("all")?.enforcementLevel;
    if (all !== undefined) {
        for (const [name, entry] of result) result.set(name, { ...entry, enforcementLevel: all });
    }
    for (const [name, entry] of given) {
        const current = result.get(name);
        result.set(name, {
            enforcementLevel: entry.enforcementLevel ?? current?.enforcementLevel ?? "advisory",
            properties: { ...current?.properties, ...entry.properties },
        });
    }
}

/**
 * The config the engine sends in Configure: each policy's level and schema defaults, then the pack's
 * initial config, then the file's (`all`, then each policy's entry), validated against each schema.
 */
export function reconcilePolicyConfig(
    policies: readonly PolicyInfo[],
    initialConfig: Map<string, GivenConfig>,
    given: Map<string, GivenConfig>,
): { config: Map<string, PolicyConfigEntry>; warnings: string[] } {
    const config = new Map<string, PolicyConfigEntry>();
    for (const policy of policies) {
        const defaults = Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => schema.default !== undefined)
            .map(([key, schema]) => [key, structuredClone(schema.default)]);
        config.set(policy.name, {
            enforcementLevel: policy.enforcementLevel,
            properties: Object.fromEntries(defaults),
        });
    }
    applyConfig(config, initialConfig);
    applyConfig(config, given);
    const known = new Set(policies.map((policy) => policy.name));
    const warnings = [...given.keys()]
        .filter((name) => name !== "all" && !known.has(name))
        .map((name) => `the policy config names ${name}, which is no policy of the pack (ignored)`);
    const errors: string[] = [];
    for (const policy of policies) {
        const schema = policy.configSchema;
        if (!schema) continue;
        const properties = config.get(policy.name)?.properties ?? {};
        for (const required of schema.required) {
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

/**
 * The JSON in a file the user named, or a PolicyConfigError of one line naming `label` (the option) and the
 * path: missing, a directory, unreadable, or not JSON (with the line and column when the parser gives a
 * position). `empty` is what an empty file means.
 */
export function readJsonFile(file: string, label: string, empty: unknown): unknown {
    let text: string;
    try {
        text = readUserFile(file, label);
    } catch (error) {
        throw new PolicyConfigError(error instanceof Error ? error.message : String(error));
    }
    if (text.trim() === "") return empty;
    try {
        return JSON.parse(text);
    } catch (error) {
        const position = /at position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
        let where = "";
        if (position !== undefined) {
            const before = text.slice(0, Number(position)).split("\n");
            where = ` (line ${before.length}, column ${before[before.length - 1].length + 1})`;
        }
        throw new PolicyConfigError(`${label} ${shown(file)} is not valid JSON${where}`);
    }
}

/** Reads a `--policy-pack-config` JSON file (empty means no config, as for the CLI). */
export function readPolicyConfigFile(file: string, label = "policy config"): unknown {
    return readJsonFile(file, label, undefined);
}

/** The pack of this project. */
export const PACK_DIR = path.resolve(__dirname, "..", "policy");

export interface HostOptions {
    /** The pack's folder (PulumiPolicy.yaml). @default policy/ */
    readonly packDir?: string;
    readonly project?: string;
    readonly stack: string;
    /** Tells the pack it runs in a preview (PULUMI_NODEJS_DRY_RUN). @default true */
    readonly preview?: boolean;
    /** How long the host may take to print its port. @default 60000 */
    readonly startTimeoutMs?: number;
}

type Unary<Req, Res> = (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

/**
 * What went wrong, on one line, from a process's stderr: the first line that speaks of an error, with the
 * line after it when it only announces it ("failed with an unhandled exception:").
 */
export function firstErrorLine(stderr: string): string | undefined {
    const lines = stderr
        .replace(/\u001b\[[0-9;]*m/g, "")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.length > 0);
    const index = Math.max(
        lines.findIndex((line) => /error/i.test(line)),
        0,
    );
    const line = lines[index];
    return line?.endsWith(":") && lines[index + 1] ? `${line} ${lines[index + 1]}` : line;
}

/** One unary gRPC call; an error is the host's own message (its first line says what went wrong). */
function unary<Req, Res>(client: AnalyzerClient, method: Unary<Req, Res>, request: Req, stderr: string): Promise<Res> {
    return new Promise((resolve, reject) =>
        method.call(client, request, (error, response) => {
            if (error) {
                reject(new PolicyHostError(error.details || error.message || firstErrorLine(stderr) || "gRPC error"));
            } else resolve(response);
        }),
    );
}

/** One analyzer host process and a gRPC client connected to it. */
export class PolicyHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: AnalyzerClient,
        public readonly info: PackInfo,
        private readonly stderr: () => string,
    ) {}

    /** Starts the host on the pack and asks it for its policies (GetAnalyzerInfo). */
    static async start(options: HostOptions): Promise<PolicyHost> {
        const packDir = path.resolve(options.packDir ?? PACK_DIR);
        if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
            throw new PolicyHostError(`the policy pack failed to start: no PulumiPolicy.yaml in ${packDir}`);
        }
        // As the language host's locateModule: the pack's own copy of the SDK runs it.
        let runPolicyPack: string;
        try {
            runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
        } catch {
            throw new PolicyHostError(
                `the policy pack failed to start: @pulumi/pulumi is not installed for ${packDir} (run npm ci)`,
            );
        }
        const preview = options.preview ?? true;
        const project = options.project ?? "stateful-nginx";
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_NODEJS_PROJECT: project,
            PULUMI_NODEJS_STACK: options.stack,
            PULUMI_NODEJS_DRY_RUN: String(preview),
            PULUMI_PROJECT: project,
            PULUMI_STACK: options.stack,
            PULUMI_DRY_RUN: String(preview),
            PULUMI_CONFIG: "{}",
        };
        // run-policy-pack drops the engine address unused (cmd/run-policy-pack/index.ts); there is no engine.
        const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], {
            cwd: packDir,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        // The host serves until it is killed: never leave one behind this process.
        const reap = () => child.kill();
        process.once("exit", reap);
        child.once("exit", () => process.removeListener("exit", reap));
        let stderr = "";
        child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            const fail = (why: string) => {
                clearTimeout(timer);
                child.kill();
                reject(new PolicyHostError(`the policy pack failed to start: ${why}`));
            };
            const timer = setTimeout(
                () => fail(`no port after ${(options.startTimeoutMs ?? 60000) / 1000}s`),
                options.startTimeoutMs ?? 60000,
            );
            child.on("error", (error) => fail(error.message));
            const exited = (code: number | null) => {
                // Let stderr drain before reporting it.
                setImmediate(() => fail(firstErrorLine(stderr) ?? `the host exited with code ${code}`));
            };
            child.on("exit", exited);
            child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
                stdout += chunk;
                const found = stdout.split("\n").find((line) => /^\d+$/.test(line.trim()));
                if (found) {
                    clearTimeout(timer);
                    child.removeListener("exit", exited);
                    resolve(Number(found.trim()));
                }
            });
        });
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        try {
            const info = await unary<Empty, analyzer.AnalyzerInfo>(client, client.getAnalyzerInfo, new Empty(), stderr);
            const stackRequest = new analyzer.AnalyzerStackConfigureRequest();
            stackRequest.setStack(options.stack);
            stackRequest.setProject(project);
            stackRequest.setDryRun(preview);
            await unary(client, client.configureStack, stackRequest, stderr);
            return new PolicyHost(child, client, packInfoOf(info), () => stderr);
        } catch (error) {
            client.close();
            child.kill();
            throw error;
        }
    }

    private call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
        return unary(this.client, method, request, this.stderr());
    }

    /** The config the host has (or is being sent), and its Configure call: a second caller awaits the same. */
    private configured?: { key: string; done: Promise<void> };

    /** Configure: every policy's level and properties, as the engine sends them (once per distinct config). */
    async configure(config: Map<string, PolicyConfigEntry>): Promise<void> {
        const key = JSON.stringify([...config]);
        const previous = this.configured;
        if (previous?.key === key) return previous.done;
        const request = new analyzer.ConfigureAnalyzerRequest();
        const map = request.getPolicyconfigMap();
        for (const [name, entry] of config) {
            const policyConfig = new analyzer.PolicyConfig();
            policyConfig.setEnforcementlevel(WIRE_OF_LEVEL[entry.enforcementLevel]);
            policyConfig.setProperties(Struct.fromJavaScript(entry.properties as Record<string, never>));
            map.set(name, policyConfig);
        }
        // After any Configure still on its way, so the host ends up with this one.
        const done = (previous?.done.catch(() => undefined) ?? Promise.resolve()).then(() =>
            this.call(this.client.configure, request).then(() => undefined),
        );
        this.configured = { key, done };
        try {
            await done;
        } catch (error) {
            if (this.configured?.done === done) this.configured = undefined;
            throw error;
        }
    }

    async analyze(resource: EngineResource): Promise<analyzer.AnalyzeResponse> {
        return this.call(this.client.analyze, describeResource(new analyzer.AnalyzeRequest(), resource));
    }

    async analyzeStack(resources: readonly EngineResource[]): Promise<analyzer.AnalyzeResponse> {
        const request = new analyzer.AnalyzeStackRequest();
        request.setResourcesList(
            resources.map((resource) => {
                // A stack policy also sees where each resource sits in the graph.
                const item = describeResource(new analyzer.AnalyzerResource(), resource);
                item.setParent(resource.parent ?? "");
                item.setDependenciesList([...resource.dependencies]);
                return item;
            }),
        );
        return this.call(this.client.analyzeStack, request);
    }

    close(): void {
        this.client.close();
        if (this.child.exitCode === null) this.child.kill();
    }
}

/** The fields Analyze's request and AnalyzeStack's resources share, set from `resource`. */
function describeResource<T extends analyzer.AnalyzeRequest | analyzer.AnalyzerResource>(
    message: T,
    resource: EngineResource,
): T {
    message.setUrn(resource.urn);
    message.setType(resource.type);
    message.setName(resource.name);
    message.setProperties(Struct.fromJavaScript(resource.properties as Record<string, never>));
    message.setOptions(optionsOf(resource));
    const provider = providerOf(resource);
    if (provider) message.setProvider(provider);
    return message;
}

function optionsOf(resource: EngineResource): analyzer.AnalyzerResourceOptions {
    const options = new analyzer.AnalyzerResourceOptions();
    options.setProtect(resource.protect);
    options.setIgnorechangesList([...resource.ignoreChanges]);
    if (resource.deleteBeforeReplace !== undefined) {
        options.setDeletebeforereplacedefined(true);
        options.setDeletebeforereplace(resource.deleteBeforeReplace);
    }
    options.setParent(resource.parent ?? "");
    options.setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
    return options;
}

function providerOf(resource: EngineResource): analyzer.AnalyzerProviderResource | undefined {
    if (!resource.provider) return undefined;
    const provider = new analyzer.AnalyzerProviderResource();
    provider.setUrn(resource.provider.urn);
    provider.setType(resource.provider.type);
    provider.setName(resource.provider.name);
    provider.setProperties(Struct.fromJavaScript(resource.provider.properties as Record<string, never>));
    return provider;
}

function packInfoOf(info: analyzer.AnalyzerInfo): PackInfo {
    const policies = info.getPoliciesList().map((policy): PolicyInfo => {
        const schema = policy.getConfigschema();
        return {
            name: policy.getName(),
            description: policy.getDescription(),
            enforcementLevel: LEVEL_OF_WIRE[policy.getEnforcementlevel()],
            kind: policy.getPolicyType() === analyzer.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
            configSchema: schema
                ? {
                      properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, JsonSchema>,
                      required: schema.getRequiredList(),
                  }
                : undefined,
        };
    });
    const initialConfig = new Map<string, GivenConfig>();
    info.getInitialconfigMap().forEach((entry, name) => {
        initialConfig.set(name, {
            enforcementLevel: LEVEL_OF_WIRE[entry.getEnforcementlevel()],
            properties: (entry.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
        });
    });
    return { name: info.getName(), version: info.getVersion(), policies, initialConfig };
}

export interface RunOptions {
    /** The policy config file's content (`{"all": ..., "policy-name": {...}}`); none means the defaults. */
    readonly config?: unknown;
    /** The engine's view during `pulumi preview` (true) or `pulumi up` (false). */
    readonly preview: boolean;
}

/** Configures the host and runs every policy on the resources as the engine would. */
export async function runPolicies(
    host: PolicyHost,
    records: readonly ResourceRecord[],
    options: RunOptions,
): Promise<PolicyReport> {
    const { config, warnings } = reconcilePolicyConfig(
        host.info.policies,
        host.info.initialConfig,
        parsePolicyConfig(options.config),
    );
    await host.configure(config);
    const view = engineView(records, { preview: options.preview });
    const responses = await Promise.all(view.analyze.map((resource) => host.analyze(resource)));
    const stackResponse = await host.analyzeStack(view.stack);

    const violations: Violation[] = [];
    const notApplicable: NotApplicable[] = [];
    const collect = (response: analyzer.AnalyzeResponse, urn?: string) => {
        for (const diagnostic of response.getDiagnosticsList()) {
            // The host puts the policy's description on the first line; the engine shows it apart.
            const description = diagnostic.getDescription();
            const message = diagnostic.getMessage();
            violations.push({
                policyName: diagnostic.getPolicyname(),
                enforcementLevel:
                    diagnostic.getEnforcementlevel() === analyzer.EnforcementLevel.ADVISORY ? "advisory" : "mandatory",
                urn: diagnostic.getUrn() || urn,
                message: message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message,
                description,
            });
        }
        for (const entry of response.getNotApplicableList()) {
            notApplicable.push({ policyName: entry.getPolicyName(), reason: entry.getReason(), urn });
        }
    };
    responses.forEach((response, index) => collect(response, view.analyze[index].urn));
    collect(stackResponse);
    const policiesRun = [...config.entries()].filter(
        ([name, entry]) => entry.enforcementLevel !== "disabled" && host.info.policies.some((p) => p.name === name),
    ).length;
    return { violations, notApplicable, warnings, policiesRun, resources: view.stack.length };
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

/**
 * Reads a synth `resources.json`: `[{urn, type, name, parent, dependencies, provider, inputs}]`, and the
 * optional `outputs`, `read`, `remote` and `options` of a richer record.
 */
export function readResourcesFile(file: string, label = "resources file"): ResourceRecord[] {
    const data = readJsonFile(file, label, []);
    if (!Array.isArray(data)) throw new PolicyConfigError(`${label} ${shown(file)} must be a JSON array of resources`);
    const objectOr = (value: unknown) =>
        typeof value === "object" && value !== null && !Array.isArray(value)
            ? (value as Record<string, unknown>)
            : undefined;
    return data.map((row: unknown, index) => {
        const item = (row ?? {}) as Record<string, unknown>;
        if (typeof item.urn !== "string" || typeof item.type !== "string") {
            throw new PolicyConfigError(`${label} ${shown(file)}: resource ${index} has no urn or type`);
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
            inputs: objectOr(item.inputs) ?? {},
            outputs: objectOr(item.outputs),
            read: item.read === true,
            remote: typeof item.remote === "boolean" ? item.remote : undefined,
            options: objectOr(item.options) as ResourceRecord["options"],
        };
    });
}
