/**
 * Policy run: offline, the pack in the real analyzer host on what the engine would show it for a stack, with
 * no Pulumi CLI, cluster or cloud; with --engine, the real `pulumi preview --policy-pack`. See USAGE.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { defineCommand, errorText, parseCommandLine, usage, UsageError } from "./cli";
import { withEksChildren } from "./engine-view";
import { runProgram } from "./mock-runtime";
import {
    formatSummary,
    formatViolation,
    hasMandatoryViolations,
    PACK_DIR,
    parsePolicyConfig,
    PolicyHost,
    readPolicyConfigFile,
    readResourcesFile,
    ResourceRecord,
    runPolicies,
} from "./policy-runner";
import { policyConfigFile, readStackFile, stackFilePath, stackProblem } from "./stack-config";

// One row per option: the parser and the --help text both come from this table (tools/cli.ts).
const POLICY_COMMAND = defineCommand({
    invocation: "npm run policy --",
    summary: [
        "Runs the policy pack (policy/) in Pulumi's analyzer host on what `pulumi preview` would show it for the",
        "stack, and prints each violation as `LEVEL policy-name urn: message`.",
        "Exit 0: no mandatory violation; 1: a mandatory violation; 2: the run failed (usage, stack, policy",
        "config, or the analyzer host).",
    ].join("\n"),
    options: {
        stack: { type: "string", value: "NAME", required: true, help: "the stack: Pulumi.NAME.yaml, under mocks" },
        resources: {
            type: "string",
            value: "FILE",
            help: "judge FILE (synth's resources.json) instead of evaluating the stack",
        },
        "policy-config": {
            type: "string",
            value: "FILE",
            default: "policy/config/NAME.json, else the pack's own levels",
            help: "the --policy-pack-config file",
        },
        update: { type: "boolean", help: "judge what `pulumi up` shows (outputs known) instead of a preview" },
        engine: {
            type: "boolean",
            help:
                "run the real `pulumi preview --policy-pack` instead, with the pulumi on PATH, in the current " +
                "directory's project (the local engine: docs/local-cluster.md); exit 1 when the preview fails",
        },
    },
});

export const USAGE = usage(POLICY_COMMAND);

export interface PolicyCliOptions {
    readonly stack: string;
    readonly resourcesFile?: string;
    /** Undefined: no config file, as `--policy-pack` without `--policy-pack-config`. */
    readonly policyConfigFile?: string;
    readonly preview: boolean;
    /** Run the real engine's preview instead of the offline host. */
    readonly engine: boolean;
}

/** The options, or "help" for --help. @throws UsageError (tools/cli.ts) for a wrong command line. */
export function parsePolicyOptions(argv: string[]): PolicyCliOptions | "help" {
    const values = parseCommandLine(POLICY_COMMAND, argv);
    if (values === undefined) return "help";
    const stack = values.stack!;
    const engine = values.engine === true;
    if (engine && (values.resources !== undefined || values.update)) {
        throw new UsageError("--engine runs the real preview of the stack: it takes neither --resources nor --update");
    }
    // A stack it evaluates must have a stack file; with --resources, the name only labels the run; with
    // --engine, the engine looks the stack up in its own project and backend.
    const problem = stackProblem(stack, { needsFile: values.resources === undefined && !engine });
    if (problem) throw new UsageError(problem);
    return {
        stack,
        resourcesFile: values.resources ? path.resolve(values.resources) : undefined,
        policyConfigFile: values["policy-config"] ? path.resolve(values["policy-config"]) : policyConfigFile(stack),
        preview: !values.update,
        engine,
    };
}

/** What the stack would register: evaluated from its stack file under the mock runtime. */
export async function stackResources(stack: string, preview: boolean): Promise<ResourceRecord[]> {
    // readStackFile names a missing or unreadable stack file in one line.
    const { config, secretKeys } = readStackFile(stackFilePath(stack));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<unknown>;
    return (await runProgram(program, { stack, config, secretKeys, preview })).resources;
}

interface Output {
    log(line: string): void;
    error(line: string): void;
}

export interface MainOptions {
    /** The pack to run. @default policy/ */
    readonly packDir?: string;
    /** A host already started (and left running): tests share one instead of starting one per run. */
    readonly host?: PolicyHost;
}

/** The whole command; returns the exit code. */
export async function main(argv: string[], out: Output = console, mainOptions: MainOptions = {}): Promise<number> {
    let host: PolicyHost | undefined;
    try {
        const options = parsePolicyOptions(argv);
        if (options === "help") {
            out.log(USAGE);
            return 0;
        }
        if (options.engine) return engineRun(options, out, mainOptions.packDir ?? PACK_DIR);
        // Config and resources first: a bad file is reported before any process starts.
        const config = options.policyConfigFile
            ? readPolicyConfigFile(options.policyConfigFile, "--policy-config")
            : undefined;
        parsePolicyConfig(config);
        const records = options.resourcesFile
            ? readResourcesFile(options.resourcesFile, "--resources")
            : await stackResources(options.stack, options.preview);
        const resources = withEksChildren(records, { preview: options.preview });
        const analyzer =
            mainOptions.host ??
            (host = await PolicyHost.start({
                packDir: mainOptions.packDir ?? PACK_DIR,
                stack: options.stack,
                preview: options.preview,
            }));
        const report = await runPolicies(analyzer, resources, { config, preview: options.preview });
        for (const warning of report.warnings) out.error(`policy: warning: ${warning}`);
        for (const violation of report.violations) out.log(formatViolation(violation));
        const view = options.preview ? "preview" : "update";
        out.log(formatSummary(report, `policy: stack ${options.stack} (${view})`));
        return hasMandatoryViolations(report) ? 1 : 0;
    } catch (error) {
        // Usage, config, evaluation and host errors are the user's to fix: no stack trace.
        out.error(`policy: ${errorText(error)}`);
        if (error instanceof UsageError) out.error(USAGE);
        return 2;
    } finally {
        host?.close();
    }
}

/**
 * `pulumi preview --policy-pack` on the real engine: the pulumi on PATH, in the current directory's project
 * and backend, its output passed through. 0 when the preview passed, 1 when it failed (a mandatory violation
 * among other reasons: the preview's own output says which).
 */
function engineRun(options: PolicyCliOptions, out: Output, packDir: string): number {
    const args = ["preview", "--stack", options.stack, "--policy-pack", packDir];
    if (options.policyConfigFile) args.push("--policy-pack-config", options.policyConfigFile);
    const result = spawnSync("pulumi", args, { stdio: "inherit" });
    if (result.error) {
        out.error(
            `policy: --engine needs the Pulumi CLI on PATH (${errorText(result.error)}); for the local engine run ` +
                'eval "$(engine/cluster.sh start)" first (docs/local-cluster.md)',
        );
        return 2;
    }
    return result.status === 0 ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
