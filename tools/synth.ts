/**
 * Offline synth: evaluates the program for a stack under Pulumi's mock runtime and writes what it would
 * create, with no cluster, cloud or Pulumi CLI.
 *
 *   npm run synth -- --stack NAME [--config FILE] [--out DIR] [--preview]
 *
 * Writes DIR/manifests.yaml, DIR/resources.json and DIR/graph.mmd (DIR defaults to out/NAME). Invalid
 * configuration: exit 1, one line on stderr, nothing written.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { renderGraph, renderManifests, renderResources, summarize } from "./synth-render";
import { runProgram } from "./mock-runtime";
import { PROJECT_ROOT, readStackFile, stackFilePath } from "./stack-config";

interface SynthOptions {
    stack: string;
    configFile: string;
    outDir: string;
    /** Evaluate as `pulumi preview` does: values from other resources' outputs are unknown. */
    preview: boolean;
}

function parseOptions(argv: string[]): SynthOptions {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            config: { type: "string" },
            out: { type: "string" },
            preview: { type: "boolean" },
        },
    });
    if (!values.stack) throw new Error("--stack NAME is required (e.g. npm run synth -- --stack dev)");
    return {
        stack: values.stack,
        configFile: path.resolve(values.config ?? stackFilePath(values.stack)),
        outDir: path.resolve(values.out ?? path.join(PROJECT_ROOT, "out", values.stack)),
        preview: values.preview ?? false,
    };
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    if (!fs.existsSync(options.configFile)) throw new Error(`no stack file ${options.configFile}`);
    const { config, secretKeys } = readStackFile(options.configFile);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<unknown>;
    const run = await runProgram(program, { stack: options.stack, config, secretKeys, preview: options.preview });

    const files = {
        "manifests.yaml": renderManifests(run.resources),
        "resources.json": renderResources(run.resources),
        "graph.mmd": renderGraph(run.resources),
    };
    fs.mkdirSync(options.outDir, { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(options.outDir, name), text);

    console.log(
        `stack ${options.stack}: ${run.resources.length} resources -> ${path.relative(process.cwd(), options.outDir) || "."}/`,
    );
    for (const [type, count] of summarize(run.resources)) console.log(`  ${String(count).padStart(3)}  ${type}`);
}

main().catch((error: unknown) => {
    // Config errors (and usage errors) are one line, no stack trace: they are the user's to fix.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`synth: ${message.split("\n")[0]}`);
    process.exit(1);
});
