/**
 * The GitHub Actions workflows as the tests read them: parsed with `yaml` (aliases resolved, as GitHub resolves
 * them), with helpers to find a job's steps and to run a step's shell script the way a runner does.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../tools/stack-config";

export interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    shell?: string;
    "continue-on-error"?: boolean;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
}

export interface Job {
    name?: string;
    if?: string;
    needs?: string | string[];
    "runs-on"?: string | string[];
    environment?: string | { name: string };
    /** A mapping of scopes; `read-all` or `write-all` when a workflow gives a string (workflows.spec refuses). */
    permissions?: Record<string, string>;
    strategy?: { matrix?: Record<string, unknown> };
    env?: Record<string, string>;
    outputs?: Record<string, string>;
    steps: Step[];
}

export interface Workflow {
    file: string;
    name?: string;
    on: unknown;
    /** A mapping of scopes; `read-all` or `write-all` when a workflow gives a string (workflows.spec refuses). */
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

export const WORKFLOW_DIR = path.join(PROJECT_ROOT, ".github", "workflows");

export function workflowFiles(): string[] {
    return fs
        .readdirSync(WORKFLOW_DIR)
        .filter((file) => /\.ya?ml$/.test(file))
        .sort();
}

export function readWorkflow(file: string): Workflow {
    return { file, ...(parse(fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8")) as Omit<Workflow, "file">) };
}

/** Every step of every job, with where it is. */
export function allSteps(workflow: Workflow): { job: string; step: Step; where: string }[] {
    return Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
        steps.map((step, index) => ({
            job,
            step,
            where: `${workflow.file} ${job} step ${step.name ?? step.id ?? index}`,
        })),
    );
}

/** The step of `job` whose name or id is `key`. */
export function stepOf(job: Job, key: string): Step {
    const step = job.steps.find((candidate) => candidate.name === key || candidate.id === key);
    if (!step) throw new Error(`no step ${key} in the job`);
    return step;
}

export interface ScriptRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** What the script appended to $GITHUB_OUTPUT, $GITHUB_ENV and $GITHUB_STEP_SUMMARY. */
    output: string;
    githubEnv: string;
    summary: string;
}

/**
 * Runs a step's `run:` script as a Linux runner runs one with no `shell:` (`bash -e {0}`), in `cwd`, with only
 * `env` (and PATH) set: what the step's `env:` would give it, values already substituted.
 */
export function runScript(script: string, env: Record<string, string>, cwd: string = PROJECT_ROOT): ScriptRun {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-step-"));
    try {
        const files = {
            GITHUB_OUTPUT: path.join(scratch, "output"),
            GITHUB_ENV: path.join(scratch, "env"),
            GITHUB_STEP_SUMMARY: path.join(scratch, "summary"),
        };
        for (const file of Object.values(files)) fs.writeFileSync(file, "");
        const scriptFile = path.join(scratch, "step.sh");
        fs.writeFileSync(scriptFile, script);
        const result = spawnSync("bash", ["-e", scriptFile], {
            cwd,
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "", HOME: scratch, RUNNER_TEMP: scratch, ...files, ...env },
        });
        const read = (file: string) => fs.readFileSync(file, "utf8");
        return {
            status: result.status,
            stdout: result.stdout,
            stderr: result.stderr,
            output: read(files.GITHUB_OUTPUT),
            githubEnv: read(files.GITHUB_ENV),
            summary: read(files.GITHUB_STEP_SUMMARY),
        };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** `name=value` lines of $GITHUB_OUTPUT or $GITHUB_ENV, as a record. */
export function keyValues(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((line) => line.includes("="))
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}
