/**
 * Times the parts of `npm test` that need no engine (lint, typecheck, the specs) one at a time, then
 * together as `npm test` runs them (`npm run check`), each from cold caches (as in CI's fresh clone) and again
 * warm (a developer's second run), and prints the wall and CPU seconds of each.
 *
 *   npm run bench:test -- [--runs 1] [--parts lint,typecheck,test:unit,check] [--by-file]
 */
import * as fs from "fs";
import * as path from "path";
import { CommandIo, defineCommand, OptionValues, runCommand, UsageError } from "./cli";
import { runProcess, runScript } from "./run-parallel";

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** What the parts cache between runs; a fresh clone has none of it. */
export const CACHES = ["eslint", "prettier", "tsc", "stateful-nginx-ts"].map((name) =>
    path.join(PROJECT_ROOT, "node_modules", ".cache", name),
);

const PARTS = ["lint", "typecheck", "test:unit", "check"];

// One row per option: the parser and the --help text both come from this table.
const BENCH_COMMAND = defineCommand({
    invocation: "npm run bench:test --",
    summary: [
        "Times lint, typecheck and the specs (npm run test:unit) alone, then the three together as `npm test`",
        "runs them (npm run check): each first with the caches of node_modules/.cache removed (ESLint's,",
        "Prettier's, tsc's build info and the transpiled TypeScript), as in a fresh clone, then again warm.",
        "Prints the median wall and CPU seconds of each (CPU: every process of the part, user and system).",
        "Not the real-engine suite, which waits on its cluster more than it computes.",
    ].join("\n"),
    options: {
        runs: { type: "string", value: "N", default: "1", help: "how many times to time each, a whole number 1-20" },
        parts: {
            type: "string",
            value: "LIST",
            default: PARTS.join(","),
            help: "which to time, comma-separated, in that order",
        },
        "by-file": {
            type: "boolean",
            help: "then run the specs once more, serially, and print each spec file's seconds",
        },
    },
});

type BenchValues = OptionValues<typeof BENCH_COMMAND.options>;

/** The arguments, checked: a whole number of runs, and parts that exist. */
export function benchTestArguments(values: BenchValues): { runs: number; parts: string[] } {
    const text = values.runs ?? "1";
    const runs = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!(runs >= 1 && runs <= 20)) throw new UsageError(`--runs ${text}: must be a whole number from 1 to 20`);
    const parts = (values.parts ?? PARTS.join(",")).split(",").filter((part) => part !== "");
    const unknown = parts.filter((part) => !PARTS.includes(part));
    if (unknown.length > 0 || parts.length === 0) {
        throw new UsageError(`--parts ${values.parts}: each must be one of ${PARTS.join(", ")}`);
    }
    return { runs, parts };
}

/**
 * CPU seconds (user and system) of the children this process has waited for, and theirs: Linux's
 * /proc/self/stat cutime and cstime, in clock ticks of 1/100 s. Undefined elsewhere.
 */
function childCpuSeconds(): number | undefined {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        // The fields after the command name, which is in parentheses and may hold spaces.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[13]) + Number(fields[14])) / 100;
    } catch {
        return undefined;
    }
}

interface Timing {
    wall: number;
    cpu?: number;
}

async function timePart(part: string, io: CommandIo): Promise<Timing> {
    const cpuBefore = childCpuSeconds();
    const ended = await runScript(part);
    const cpuAfter = childCpuSeconds();
    if (ended.status !== 0) {
        io.stdout(ended.output);
        throw new Error(`npm run ${part} failed (exit ${ended.status}); its output is above`);
    }
    const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    return { wall: ended.seconds, cpu };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function row(label: string, timings: Timing[]): string {
    const wall = median(timings.map((timing) => timing.wall));
    const cpus = timings.map((timing) => timing.cpu).filter((cpu): cpu is number => cpu !== undefined);
    const cpu = cpus.length === timings.length ? `${median(cpus).toFixed(1).padStart(6)} s CPU` : "";
    return `  ${label.padEnd(16)}${wall.toFixed(1).padStart(6)} s wall ${cpu}`;
}

async function bench(values: BenchValues, io: CommandIo): Promise<void> {
    const { runs, parts } = benchTestArguments(values);
    const cold = new Map<string, Timing[]>(parts.map((part) => [part, []]));
    const warm = new Map<string, Timing[]>(parts.map((part) => [part, []]));
    for (let run = 0; run < runs; run++) {
        for (const part of parts) {
            for (const cache of CACHES) fs.rmSync(cache, { recursive: true, force: true });
            cold.get(part)!.push(await timePart(part, io));
            warm.get(part)!.push(await timePart(part, io));
            io.stdout(`run ${run + 1}/${runs}: ${part} done\n`);
        }
    }
    io.stdout(`median of ${runs} run(s); cold: node_modules/.cache/{eslint,prettier,tsc,stateful-nginx-ts} removed\n`);
    for (const part of parts) {
        io.stdout(`${row(`${part} cold`, cold.get(part)!)}\n${row(`${part} warm`, warm.get(part)!)}\n`);
    }
    if (values["by-file"]) {
        // Serial, whatever test:unit does: one process, so that each file's seconds are its own.
        const mocha = require.resolve("mocha/bin/mocha.js");
        const ended = await runProcess("by-file", process.execPath, [
            mocha,
            "--reporter",
            "./tools/spec-times.ts",
            "test/**/*.spec.ts",
            "--ignore",
            "test/engine/**",
        ]);
        io.stdout(ended.output);
        if (ended.status !== 0) throw new Error(`the specs failed (exit ${ended.status}); their output is above`);
    }
}

if (require.main === module) runCommand("bench:test", BENCH_COMMAND, bench);
