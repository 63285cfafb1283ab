/**
 * Times `npm run synth -- --stack STACK` against the same harness running a minimal program that
 * registers one ConfigMap, side by side, and prints the medians and their ratio.
 *
 *   npm run bench:synth -- [--stack dev] [--runs 7]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defineCommand, OptionValues, runCommand, UsageError } from "./cli";
import { PROJECT_ROOT, stackNames, stackProblem } from "./stack-config";

// One row per option: the parser and the --help text both come from this table.
const BENCH_COMMAND = defineCommand({
    invocation: "npm run bench:synth --",
    summary: [
        "Times the offline synth of a stack against the same harness running a one-ConfigMap program, the two",
        "alternately, and prints both medians and their ratio.",
        `Stacks: ${stackNames().join(", ")}.`,
    ].join("\n"),
    options: {
        stack: { type: "string", value: "NAME", default: "dev", help: "the stack to synthesize" },
        runs: { type: "string", value: "N", default: "7", help: "how many times to run each, a whole number 1-1000" },
    },
});

/** The arguments, checked: a stack that has a stack file, and a whole number of runs. */
function benchArguments(values: OptionValues<typeof BENCH_COMMAND.options>): { stack: string; runs: number } {
    const stack = values.stack ?? "dev";
    const problem = stackProblem(stack);
    if (problem) throw new UsageError(problem);
    const text = values.runs ?? "7";
    const runs = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!(runs >= 1 && runs <= 1000)) throw new UsageError(`--runs ${text}: must be a whole number from 1 to 1000`);
    return { stack, runs };
}

function timeIt(script: string, args: string[]): number {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ["-r", "./tools/register.js", script, ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
    if (result.status !== 0) {
        throw new Error(`${script} failed: ${(result.stderr || result.error?.message || "").trim().split("\n")[0]}`);
    }
    return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function bench(values: OptionValues<typeof BENCH_COMMAND.options>): Promise<void> {
    const { stack, runs } = benchArguments(values);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    const program: number[] = [];
    const baseline: number[] = [];
    try {
        for (let run = 0; run < runs; run++) {
            // Alternate, so both see the same machine load.
            program.push(timeIt("tools/synth.ts", ["--stack", stack, "--out", path.join(out, "program")]));
            baseline.push(timeIt("tools/bench-baseline.ts", [path.join(out, "baseline")]));
        }
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
    const [p, b] = [median(program), median(baseline)];
    console.log(`synth --stack ${stack}: median ${p.toFixed(0)} ms over ${runs} runs`);
    console.log(`one-ConfigMap baseline: median ${b.toFixed(0)} ms over ${runs} runs`);
    console.log(`ratio: ${(p / b).toFixed(2)}x (budget 1.50x)`);
}

runCommand("bench:synth", BENCH_COMMAND, bench);
