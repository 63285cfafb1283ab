/**
 * Offline policy run: the pack's policies on what a stack would create, as `pulumi preview --policy-pack`
 * runs them, with no Pulumi CLI, cluster or cloud.
 *
 *   npm run policy -- --stack NAME [--resources FILE] [--policy-config FILE]
 *
 * Evaluates the stack (Pulumi.NAME.yaml) under the mock runtime, or reads FILE in the synth's
 * resources.json format, and applies policy/config/NAME.json (or FILE). Prints each violation as
 * `LEVEL policy-name urn: message` and a summary. Exit 0: no mandatory violation; 1: a mandatory
 * violation; 2: the run itself failed (usage, invalid stack or policy config).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../policy/pack";
import { runProgram } from "./mock-runtime";
import {
    formatSummary,
    formatViolation,
    hasMandatoryViolations,
    readPolicyConfigFile,
    readResourcesFile,
    ResourceRecord,
    runPolicies,
} from "./policy-runner";
import { PROJECT_ROOT, readStackFile, stackFilePath } from "./stack-config";

export interface PolicyCliOptions {
    readonly stack: string;
    readonly resourcesFile?: string;
    readonly policyConfigFile: string;
}

export function parsePolicyOptions(argv: string[]): PolicyCliOptions {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            resources: { type: "string" },
            "policy-config": { type: "string" },
        },
    });
    if (!values.stack) throw new Error("--stack NAME is required (e.g. npm run policy -- --stack dev)");
    return {
        stack: values.stack,
        resourcesFile: values.resources ? path.resolve(values.resources) : undefined,
        policyConfigFile: path.resolve(
            values["policy-config"] ?? path.join(PROJECT_ROOT, "policy", "config", `${values.stack}.json`),
        ),
    };
}

/** What the stack would create: evaluated from its stack file under the mock runtime. */
export async function stackResources(stack: string): Promise<ResourceRecord[]> {
    const file = stackFilePath(stack);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${file}`);
    const { config, secretKeys } = readStackFile(file);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<unknown>;
    return (await runProgram(program, { stack, config, secretKeys })).resources;
}

interface Output {
    log(line: string): void;
    error(line: string): void;
}

/** The whole command; returns the exit code. */
export async function main(argv: string[], out: Output = console): Promise<number> {
    try {
        const options = parsePolicyOptions(argv);
        if (!fs.existsSync(options.policyConfigFile)) throw new Error(`no policy config ${options.policyConfigFile}`);
        const config = readPolicyConfigFile(options.policyConfigFile);
        const resources = options.resourcesFile
            ? readResourcesFile(options.resourcesFile)
            : await stackResources(options.stack);
        const report = await runPolicies(policies, resources, {
            config,
            packEnforcementLevel: PACK_ENFORCEMENT_LEVEL,
        });
        for (const warning of report.warnings) out.error(`policy: warning: ${warning}`);
        for (const violation of report.violations) out.log(formatViolation(violation));
        out.log(formatSummary(report, `policy: stack ${options.stack}`));
        return hasMandatoryViolations(report) ? 1 : 0;
    } catch (error) {
        // Usage, config and evaluation errors are one line: they are the user's to fix.
        const message = error instanceof Error ? error.message : String(error);
        out.error(`policy: ${message.split("\n")[0]}`);
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
