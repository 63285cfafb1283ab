/**
 * Runs npm scripts at the same time and prints each one's output whole, in one piece, when it ends (never
 * two interleaved), with whether it passed and how long it took; exits with the worst exit status of them.
 * `npm test` runs lint, typecheck and the specs this way, so the machine's cores share the work.
 *
 *   node -r ./tools/register.js tools/run-parallel.ts SCRIPT...
 */
import { spawn } from "child_process";
import * as path from "path";

const PROJECT_ROOT = path.resolve(__dirname, "..");

export interface Ended {
    readonly script: string;
    /** stdout and stderr together, in the order they came. */
    readonly output: string;
    /** The exit status; a part a signal ended counts as 1. */
    readonly status: number;
    readonly seconds: number;
}

/** Runs `npm run SCRIPT`, keeping what it prints. */
export function runScript(script: string, env: NodeJS.ProcessEnv = process.env): Promise<Ended> {
    return runProcess(script, "npm", ["run", "--silent", script], env);
}

/** Runs a command in the project's directory, keeping what it prints; `label` names it in what is printed. */
export function runProcess(
    label: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
): Promise<Ended> {
    const start = performance.now();
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
        const end = (status: number, extra = "") =>
            resolve({
                script: label,
                output: Buffer.concat(chunks).toString("utf8") + extra,
                status,
                seconds: (performance.now() - start) / 1000,
            });
        child.on("error", (error) => end(1, `${error.message}\n`));
        child.on("close", (code, signal) => end(code ?? 1, signal ? `ended by ${signal}\n` : ""));
    });
}

/** The line printed after a part's output. */
export function verdict(ended: Ended): string {
    const how = ended.status === 0 ? "passed" : `FAILED (exit ${ended.status})`;
    return `== ${ended.script}: ${how} in ${ended.seconds.toFixed(1)} s`;
}

/**
 * Runs every script at once (`run`: `npm run SCRIPT`), printing each part as it ends; resolves to the worst
 * exit status.
 */
export async function runParallel(
    scripts: readonly string[],
    write: (text: string) => void,
    run: (script: string, env: NodeJS.ProcessEnv) => Promise<Ended> = runScript,
): Promise<number> {
    // Colours as on a terminal when the output goes to one, though each part writes to a pipe.
    const env = process.stdout.isTTY && !process.env.NO_COLOR ? { ...process.env, FORCE_COLOR: "1" } : process.env;
    write(`== running ${scripts.join(", ")} at once; each one's output follows, whole, when it ends\n`);
    const start = performance.now();
    const statuses = await Promise.all(
        scripts.map(async (script) => {
            const ended = await run(script, env);
            const output = ended.output.endsWith("\n") || ended.output === "" ? ended.output : `${ended.output}\n`;
            write(`\n== ${script}\n${output}${verdict(ended)}\n`);
            return ended.status;
        }),
    );
    const worst = Math.max(0, ...statuses);
    const failed = scripts.filter((_, index) => statuses[index] !== 0);
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    write(`\n== ${failed.length ? `FAILED: ${failed.join(", ")}` : "all passed"} (${seconds} s wall)\n`);
    return worst;
}

if (require.main === module) {
    const scripts = process.argv.slice(2);
    if (scripts.length === 0) {
        process.stderr.write("usage: node -r ./tools/register.js tools/run-parallel.ts SCRIPT...\n");
        process.exit(2);
    }
    // Ctrl-C reaches the parts too (one process group): wait for them, so that what they printed is shown.
    process.on("SIGINT", () => undefined);
    void runParallel(scripts, (text) => process.stdout.write(text)).then((status) => {
        process.exitCode = status;
    });
}
