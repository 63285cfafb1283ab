/**
 * Offline synth: evaluates the program for a stack under Pulumi's mock runtime and writes what it would
 * create, with no cluster, cloud or Pulumi CLI.
 *
 *   npm run synth -- --stack NAME [--config FILE] [--out DIR] [--set KEY=VALUE]... [--preview]
 *
 * Writes DIR/manifests.yaml, resources.json, outputs.json, graph.svg and graph.mmd (DIR defaults to
 * out/NAME) and prints what the stack creates and what it only reads. The earlier files of DIR are removed
 * first, so a failed run leaves none that look current. Invalid configuration: exit 1, one line per problem
 * on stderr (config a stack file leaves to its operator adds which keys, and a command to try the stack
 * offline), nothing written; any other error or a usage error: exit 1, one line on stderr (a usage error adds
 * the usage), nothing written.
 */
import * as path from "path";
import { AdvisedError, CommandIo, defineCommand, OptionValues, runCommand, runCommandWith, UsageError } from "./cli";
import { removeOutputs, writeOutputs } from "./output-dir";
import { loadGraphviz, renderSynthFiles, summarize, SYNTH_FILES } from "./synth-render";
import { ProgramRun, runProgram } from "./mock-runtime";
import {
    operatorKeysAdvice,
    operatorKeyName,
    operatorKeysMissing,
    PROJECT_ROOT,
    readStackFile,
    stackFilePath,
    stackNames,
    stackProblem,
    withSettings,
} from "./stack-config";

// One row per option: the parser and the --help text both come from this table.
const SYNTH_COMMAND = defineCommand({
    invocation: "npm run synth --",
    summary: [
        "Evaluates the program for a stack offline, under Pulumi's mock runtime (no cluster, cloud or Pulumi",
        "CLI), writes manifests.yaml, resources.json, outputs.json, graph.svg and graph.mmd, and prints what",
        "the stack creates and what it only reads. Earlier files there are removed first.",
        `Stacks: ${stackNames().join(", ")} (one per Pulumi.<stack>.yaml). On any error it exits 1 with one line`,
        "on stderr (one per problem of an invalid config; and this text, for a wrong command line).",
    ].join("\n"),
    options: {
        stack: { type: "string", value: "NAME", required: true, help: "the stack; its config is Pulumi.NAME.yaml" },
        config: { type: "string", value: "FILE", help: "read the config from FILE instead (stack file format)" },
        out: { type: "string", value: "DIR", default: "out/NAME", help: "where to write the files" },
        set: {
            type: "string",
            value: "KEY=VALUE",
            multiple: true,
            help: "set a config key for this run only, as `pulumi config set --path` would (VALUE read as YAML)",
        },
        preview: { type: "boolean", help: "evaluate as pulumi preview does: other resources' outputs are unknown" },
    },
});

type SynthValues = OptionValues<typeof SYNTH_COMMAND.options>;

async function synth(values: SynthValues, io: CommandIo): Promise<void> {
    const stack = values.stack!;
    // With --config the stack need not have a file of its own; its name must still be one.
    const problem = stackProblem(stack, { needsFile: values.config === undefined });
    if (problem) throw new UsageError(problem);
    const configFile = path.resolve(values.config ?? stackFilePath(stack));
    const outDir = path.resolve(values.out ?? path.join(PROJECT_ROOT, "out", stack));

    // Whatever happens next, the files of an earlier run are not left to pass for this one's.
    removeOutputs(outDir, SYNTH_FILES);
    const { config, secretKeys } = withSettings(readStackFile(configFile), values.set ?? []);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<unknown>;
    // The picture's WebAssembly compiles while the program runs; a failed load shows when the picture is drawn.
    loadGraphviz().catch(() => undefined);
    let run: ProgramRun;
    try {
        run = await runProgram(program, { stack, config, secretKeys, preview: values.preview ?? false });
    } catch (error) {
        // A stack file that leaves keys to its operator (prod's CIDRs) stops here until they are set: say which.
        const missing = operatorKeysMissing(config);
        const message = error instanceof Error ? error.message : "";
        if (missing.some((entry) => message.includes(operatorKeyName(entry)))) {
            throw new AdvisedError(message, operatorKeysAdvice(stack, configFile, missing));
        }
        throw error;
    }

    writeOutputs(outDir, await renderSynthFiles(run, stack));
    const where = path.relative(process.cwd(), outDir) || ".";
    const lines = [`stack ${stack}: ${run.resources.length} resources -> ${where}/`, ...summarize(run)];
    io.stdout([...lines, `  wrote ${SYNTH_FILES.join(", ")}`, ""].join("\n"));
}

/**
 * The whole command against `io`, in the caller's process; resolves to the exit code. The specs call it for
 * what synth prints and writes; `npm run synth` runs it as its own process.
 */
export function runSynth(io: CommandIo): Promise<number> {
    return runCommandWith("synth", SYNTH_COMMAND, synth, io);
}

if (require.main === module) runCommand("synth", SYNTH_COMMAND, synth);
