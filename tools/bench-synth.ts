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
import { parseArgs } from "util";
import { PROJECT_ROOT } from "./stack-config";

const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { stack: { type: "string", default: "dev" }, runs: { type: "string", default: "7" } },
});
const stack = values.stack!;
const runs = Number(values.runs);
const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));

function timeIt(script: string, args: string[]): number {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ["-r", "./tools/register.js", script, ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const program: number[] = [];
const baseline: number[] = [];
for (let run = 0; run < runs; run++) {
    // Alternate, so both see the same machine load.
    program.push(timeIt("tools/synth.ts", ["--stack", stack, "--out", path.join(out, "program")]));
    baseline.push(timeIt("tools/bench-baseline.ts", [path.join(out, "baseline")]));
}
fs.rmSync(out, { recursive: true, force: true });
const [p, b] = [median(program), median(baseline)];
console.log(`synth --stack ${stack}: median ${p.toFixed(0)} ms over ${runs} runs`);
console.log(`one-ConfigMap baseline: median ${b.toFixed(0)} ms over ${runs} runs`);
console.log(`ratio: ${(p / b).toFixed(2)}x (budget 1.50x)`);
