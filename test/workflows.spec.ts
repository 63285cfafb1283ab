/**
 * Rules every GitHub Actions workflow keeps: least-privilege tokens, no expression spliced into a script, the
 * Pulumi CLI the lock file's SDK asks for, no stack created by CI, `up` only after a gating preview.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/stack-config";
import { allSteps, Job, readWorkflow, Workflow, workflowFiles } from "./workflow-files";

const workflows: Workflow[] = workflowFiles().map(readWorkflow);

/** The version of a package in the root package-lock.json (the copy at the top of node_modules). */
function lockedVersion(name: string): string {
    const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version?: string }>;
    };
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`package-lock.json holds no ${name}`);
    return version;
}

/** The expressions (`${{ ... }}`) in a text. */
const expressions = (text: string) => [...text.matchAll(/\$\{\{(.*?)\}\}/gs)].map((match) => match[1].trim());

/**
 * Expressions whose value a pull request's author or a matrix controls: spliced into a script they become
 * code (GitHub's "script injection"); through `env:` they stay data.
 */
const UNTRUSTED =
    /^(matrix\.|github\.event\.|github\.head_ref|inputs\.|steps\.[^.]+\.outputs\.|needs\.[^.]+\.outputs\.)/;

/** Scopes a token may be given; write access only where a job says why it needs it. */
const WRITE_SCOPES_ALLOWED = new Set(["pull-requests", "id-token"]);

describe("the GitHub workflows", () => {
    it("are found", () => {
        assert.deepStrictEqual(
            workflows.map((workflow) => workflow.file),
            ["ci.yml", "e2e.yml", "preview.yml"],
        );
    });

    for (const workflow of workflows) {
        describe(workflow.file, () => {
            it("sets a read-only token for the whole workflow", () => {
                const permissions = workflow.permissions;
                assert.ok(
                    typeof permissions === "object" && permissions !== null,
                    "no top-level permissions: the token would get the repository's default, often write-all",
                );
                for (const [scope, level] of Object.entries(permissions)) {
                    assert.notStrictEqual(level, "write", `workflow-level ${scope}: write`);
                }
            });

            it("gives a job write access only to pull-request comments and OIDC tokens", () => {
                for (const [id, job] of Object.entries(workflow.jobs)) {
                    const permissions = job.permissions ?? {};
                    assert.ok(typeof permissions === "object", `${id}: permissions ${String(permissions)}`);
                    for (const [scope, level] of Object.entries(permissions)) {
                        if (level === "write") assert.ok(WRITE_SCOPES_ALLOWED.has(scope), `${id}: ${scope}: write`);
                    }
                }
            });

            it("passes matrix values, event fields and outputs to scripts through env, never spliced in", () => {
                const spliced = allSteps(workflow).flatMap(({ step, where }) =>
                    [step.run ?? "", String(step.with?.script ?? "")]
                        .flatMap(expressions)
                        .filter((expression) => UNTRUSTED.test(expression))
                        .map((expression) => `${where}: \${{ ${expression} }}`),
                );
                assert.deepStrictEqual(spliced, []);
            });

            it("pins each action to a release, never a branch", () => {
                const floating = allSteps(workflow)
                    .filter(({ step }) => step.uses !== undefined && !/@(v\d+(\.\d+)*|[0-9a-f]{40})$/.test(step.uses))
                    .map(({ step, where }) => `${where}: ${step.uses}`);
                assert.deepStrictEqual(floating, []);
            });

            it("installs the Pulumi CLI of the @pulumi/pulumi version in package-lock.json", () => {
                const version = lockedVersion("@pulumi/pulumi");
                for (const { step, where } of allSteps(workflow)) {
                    if (step.uses?.startsWith("pulumi/actions@")) {
                        assert.strictEqual(String(step.with?.["pulumi-version"]), version, where);
                    }
                    assert.doesNotMatch(step.run ?? "", /get\.pulumi\.com/, `${where}: an unpinned install script`);
                }
            });

            it("never creates a stack", () => {
                for (const { step, where } of allSteps(workflow)) {
                    assert.notStrictEqual(String(step.with?.upsert ?? "false"), "true", `${where}: upsert`);
                    assert.doesNotMatch(step.run ?? "", /pulumi\s+stack\s+(init|select\b[^\n]*--create)/, where);
                }
            });

            it("runs `pulumi up` only in a job that needs a job previewing with the policy pack", () => {
                const previews = (job: Job) =>
                    job.steps.some(
                        (step) =>
                            /pulumi\s+preview\b[\s\S]*--policy-pack\b/.test(step.run ?? "") ||
                            (step.uses?.startsWith("pulumi/actions@") &&
                                step.with?.command === "preview" &&
                                step.with?.policyPacks !== undefined),
                    );
                for (const [id, job] of Object.entries(workflow.jobs)) {
                    const ups = job.steps.some(
                        (step) =>
                            /pulumi\s+up\b/.test(step.run ?? "") ||
                            (step.uses?.startsWith("pulumi/actions@") && step.with?.command === "up"),
                    );
                    if (!ups) continue;
                    const needs = ([] as string[]).concat(job.needs ?? []);
                    assert.ok(
                        needs.some((need) => previews(workflow.jobs[need])),
                        `${id} runs pulumi up without needing a preview --policy-pack job`,
                    );
                }
            });
        });
    }

    describe("the shell in run: steps", function () {
        this.timeout(60000);

        // shellcheck is on GitHub's Ubuntu runners and in most distributions, but not a project dependency.
        const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });

        it("passes shellcheck, expressions standing in as plain words", function () {
            if (shellcheck.error) this.skip();
            const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-shellcheck-"));
            try {
                const findings: string[] = [];
                for (const workflow of workflows) {
                    for (const { step, where } of allSteps(workflow)) {
                        if (step.run === undefined) continue;
                        const file = path.join(scratch, "step.sh");
                        // A runner runs an unlabelled step as `bash -e {0}`; an expression is text to bash.
                        fs.writeFileSync(file, `#!/bin/bash -e\n${step.run.replace(/\$\{\{.*?\}\}/gs, "EXPRESSION")}`);
                        const result = spawnSync("shellcheck", ["--format=gcc", file], { encoding: "utf8" });
                        if (result.status !== 0) findings.push(`${where}:\n${result.stdout}`);
                    }
                }
                assert.deepStrictEqual(findings, []);
            } finally {
                fs.rmSync(scratch, { recursive: true, force: true });
            }
        });
    });
});
