/**
 * .github/workflows/preview.yml: what each of its scripts does, run here as a runner runs it (bash for `run:`,
 * the github-script function with a recording GitHub client for the comment), plus the wiring around them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, readStackFile, stackFilePath, stackNames } from "../../tools/stack-config";
import { Job, keyValues, readWorkflow, runScript, Step, stepOf } from "../workflow-files";

const workflow = readWorkflow("preview.yml");
const { secrets, stacks, baremetal, eks } = workflow.jobs;
const previewJobs = [baremetal, eks];

const mentions = (value: unknown, text: string) => JSON.stringify(value ?? {}).includes(text);
const script = (step: Step) => step.run ?? assert.fail(`step ${step.name} has no script`);

describe("the preview workflow", function () {
    this.timeout(30000);

    describe("who gets a preview", () => {
        const check = stepOf(secrets, "check");
        const runCheck = (env: Record<string, string>) =>
            runScript(script(check), { EVENT: "pull_request", REPOSITORY: "acme/nginx", ACTOR: "someone", ...env });

        it("hands each script the event's fields through env", () => {
            assert.equal(check.env?.HEAD_REPOSITORY, "${{ github.event.pull_request.head.repo.full_name }}");
            assert.equal(check.env?.ACTOR, "${{ github.actor }}");
            assert.deepEqual(secrets.permissions, {});
        });

        it("previews a pull request from a branch of the repository, and a manual run", () => {
            assert.equal(keyValues(runCheck({ HEAD_REPOSITORY: "acme/nginx" }).output).available, "true");
            assert.equal(
                keyValues(runCheck({ EVENT: "workflow_dispatch", HEAD_REPOSITORY: "" }).output).available,
                "true",
            );
        });

        for (const [who, env, reason] of [
            ["a fork", { HEAD_REPOSITORY: "mallory/nginx" }, /from a fork \(mallory\/nginx\)/],
            ["Dependabot", { HEAD_REPOSITORY: "acme/nginx", ACTOR: "dependabot[bot]" }, /Dependabot opened it/],
        ] as const) {
            it(`skips a pull request from ${who}, with a notice and a line in the step summary`, () => {
                const result = runCheck(env);
                assert.equal(result.status, 0);
                assert.equal(keyValues(result.output).available, "false");
                assert.match(result.stdout, /^::notice title=preview skipped::No pulumi preview/m);
                assert.match(result.stdout, reason);
                assert.match(result.summary, reason);
            });
        }

        it("runs nothing that needs a secret when the check says no", () => {
            assert.equal(stacks.needs, "secrets");
            assert.equal(stacks.if, "needs.secrets.outputs.available == 'true'");
            for (const job of previewJobs) assert.equal(job.needs, "stacks");
        });
    });

    describe("the stacks", () => {
        it("lists every stack file once, EKS stacks apart from the rest", () => {
            const result = runScript(script(stepOf(stacks, "list")), {});
            assert.equal(result.status, 0, result.stderr);
            const lists = keyValues(result.output);
            const eksStacks = stackNames().filter(
                (stack) => readStackFile(stackFilePath(stack)).config["stateful-nginx:platform"] === "eks",
            );
            assert.deepEqual(JSON.parse(lists.eks), eksStacks);
            assert.deepEqual(
                JSON.parse(lists.baremetal),
                stackNames().filter((stack) => !eksStacks.includes(stack)),
            );
            assert.ok(eksStacks.includes("prod") && JSON.parse(lists.baremetal).includes("dev"));
        });

        it("previews each in a matrix leg in the GitHub environment named after it", () => {
            for (const [job, list] of [
                [baremetal, "baremetal"],
                [eks, "eks"],
            ] as const) {
                assert.equal(job.strategy?.matrix?.stack, `\${{ fromJSON(needs.stacks.outputs.${list}) }}`);
                assert.equal(job.if, `needs.stacks.outputs.${list} != '[]'`);
                assert.equal(job.environment, "${{ matrix.stack }}");
                assert.equal(job.env?.STACK, "${{ matrix.stack }}");
            }
        });
    });

    describe("the backend check, first of all", () => {
        const backend = (job: Job) => job.steps[0];
        const runBackend = (env: Record<string, string>) =>
            runScript(script(backend(baremetal)), {
                STACK: "dev",
                HAS_ACCESS_TOKEN: "false",
                HAS_PASSPHRASE: "false",
                PULUMI_BACKEND_URL: "",
                ...env,
            });

        it("sees whether the secrets are set, never their values", () => {
            for (const job of previewJobs) {
                assert.match(backend(job).name ?? "", /Pulumi backend/);
                assert.equal(backend(job).env?.HAS_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN != '' }}");
                assert.equal(backend(job).env?.HAS_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE != '' }}");
            }
        });

        it("accepts an access token, or a backend URL with a passphrase", () => {
            assert.equal(runBackend({ HAS_ACCESS_TOKEN: "true" }).status, 0);
            const selfManaged = runBackend({ PULUMI_BACKEND_URL: "s3://state/nginx", HAS_PASSPHRASE: "true" });
            assert.equal(selfManaged.status, 0);
            assert.match(selfManaged.stdout, /backend: s3:\/\/state\/nginx/);
        });

        for (const [what, env] of [
            ["nothing", {}],
            ["a backend URL without a passphrase", { PULUMI_BACKEND_URL: "s3://state/nginx" }],
            ["a passphrase without a backend URL", { HAS_PASSPHRASE: "true" }],
        ] as const) {
            it(`stops with one line naming what to set when the environment has ${what}`, () => {
                const result = runBackend(env);
                assert.equal(result.status, 1);
                assert.deepEqual(result.stdout.trim().split("\n"), [
                    "::error title=no Pulumi backend::environment dev: set the secret PULUMI_ACCESS_TOKEN (Pulumi Cloud), " +
                        "or the variable PULUMI_BACKEND_URL and the secret PULUMI_CONFIG_PASSPHRASE (docs/ci.md)",
                ]);
            });
        }
    });

    describe("the preview", () => {
        const preview = stepOf(baremetal, "preview");
        let bin: string;
        let work: string;

        beforeEach(() => {
            // A stand-in `pulumi` that records its arguments and fails when told to.
            bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
            work = fs.mkdtempSync(path.join(os.tmpdir(), "preview-work-"));
            fs.mkdirSync(path.join(work, "policy", "config"), { recursive: true });
            fs.writeFileSync(path.join(work, "policy", "config", "dev.json"), "{}");
            fs.writeFileSync(
                path.join(bin, "pulumi"),
                [
                    "#!/bin/bash",
                    'echo "pulumi $*" >> "$CALLS"',
                    'if [ "$1" = preview ] && [ -n "$FAIL_PREVIEW" ]; then',
                    '  echo "error: preview failed: 1 mandatory policy violation" >&2',
                    "  exit 255",
                    "fi",
                    'echo "Previewing update"',
                ].join("\n"),
                { mode: 0o755 },
            );
        });
        afterEach(() => {
            fs.rmSync(bin, { recursive: true, force: true });
            fs.rmSync(work, { recursive: true, force: true });
        });

        const runPreview = (stack: string, env: Record<string, string> = {}) => {
            const calls = path.join(bin, "calls");
            const result = runScript(
                script(preview),
                { STACK: stack, CALLS: calls, PATH: `${bin}:${process.env.PATH}`, ...env },
                work,
            );
            const recorded = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [];
            const output = fs.existsSync(path.join(work, "preview.txt"))
                ? fs.readFileSync(path.join(work, "preview.txt"), "utf8")
                : "";
            return { ...result, calls: recorded, output };
        };

        it("is the same step in both jobs", () => {
            assert.deepEqual(stepOf(eks, "preview"), preview);
        });

        it("selects the existing stack, never creating one, and previews it with the pack and its config", () => {
            const result = runPreview("dev");
            assert.equal(result.status, 0, result.stderr);
            assert.deepEqual(result.calls, [
                "pulumi stack select dev --non-interactive",
                "pulumi preview --stack dev --non-interactive --diff --color never --policy-pack policy " +
                    "--policy-pack-config policy/config/dev.json",
            ]);
        });

        it("uses the pack's own levels for a stack with no policy config, as docs/policies.md says", () => {
            const result = runPreview("staging");
            assert.equal(
                result.calls[1],
                "pulumi preview --stack staging --non-interactive --diff --color never --policy-pack policy",
            );
        });

        it("keeps the whole output, a failure included, and fails the step, not the job", () => {
            const result = runPreview("dev", { FAIL_PREVIEW: "1" });
            assert.notEqual(result.status, 0);
            assert.match(result.output, /error: preview failed: 1 mandatory policy violation/);
            assert.equal(preview["continue-on-error"], true);
        });

        it("hands secrets to the backend check (as yes or no), the kubeconfig step and the preview only", () => {
            for (const job of previewJobs) {
                const withSecrets = job.steps.filter((step) => mentions(step.env, "secrets.")).map((step) => step.name);
                const expected = job === baremetal ? ["Kubeconfig of the stack's cluster"] : [];
                assert.deepEqual(withSecrets, [
                    "Check that the environment names a Pulumi backend",
                    ...expected,
                    "pulumi preview with the policy pack",
                ]);
                assert.equal(stepOf(job, "preview").env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
                assert.ok(!mentions(job.env, "secrets."));
            }
            assert.ok(!mentions(workflow.env, "secrets."));
        });

        it("fails the job after the comment when the preview failed", () => {
            for (const job of previewJobs) {
                const names = job.steps.map((step) => step.name);
                const verdict = job.steps[job.steps.length - 1];
                assert.equal(names.indexOf("Comment the preview on the pull request"), job.steps.length - 2);
                assert.equal(verdict.if, "steps.preview.outcome == 'failure'");
                const result = runScript(script(verdict), { STACK: "dev" });
                assert.equal(result.status, 1);
                assert.match(result.stdout, /^::error title=pulumi preview failed::pulumi preview of dev failed/);
            }
        });
    });

    describe("the pull-request comment", () => {
        const step = stepOf(baremetal, "Comment the preview on the pull request");
        const MARKER = "<!-- stateful-nginx preview: dev -->";

        interface Comment {
            id: number;
            body: string;
            user: { login: string };
        }

        /** Runs the github-script body against an in-memory pull request and preview.txt. */
        async function comment(options: {
            outcome: string;
            output?: string;
            existing?: Comment[];
            pullRequest?: boolean;
        }): Promise<{ comments: Comment[]; calls: string[]; summary: string }> {
            const comments = [...(options.existing ?? [])];
            const calls: string[] = [];
            let summary = "";
            const files: Record<string, string> = options.output === undefined ? {} : { "preview.txt": options.output };
            const fakeFs = {
                existsSync: (file: string) => file in files,
                readFileSync: (file: string) => files[file],
            };
            const github = {
                paginate: async (method: (params: object) => Promise<Comment[]>, params: object) => method(params),
                rest: {
                    issues: {
                        listComments: async () => comments,
                        createComment: async ({ body }: { body: string }) => {
                            calls.push("create");
                            comments.push({ id: comments.length + 100, body, user: { login: "github-actions[bot]" } });
                        },
                        updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
                            calls.push(`update ${comment_id}`);
                            comments.find((existing) => existing.id === comment_id)!.body = body;
                        },
                    },
                },
            };
            const context = {
                repo: { owner: "acme", repo: "nginx" },
                serverUrl: "https://github.com",
                runId: 42,
                sha: "merge-sha",
                payload: options.pullRequest === false ? {} : { pull_request: { number: 7, head: { sha: "abc123" } } },
            };
            const core = {
                summary: {
                    addRaw(text: string) {
                        summary += text;
                        return this;
                    },
                    write: async () => undefined,
                },
            };
            const body = String(step.with?.script);
            const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
                ...args: string[]
            ) => (...values: unknown[]) => Promise<void>;
            const run = new AsyncFunction("require", "github", "context", "core", "process", body);
            const fakeRequire = (name: string) => (name === "fs" ? fakeFs : assert.fail(`requires ${name}`));
            const env = { STACK: "dev", OUTCOME: options.outcome };
            await run(fakeRequire, github, context, core, { env });
            return { comments, calls, summary };
        }

        it("runs after a failed preview but not after a cancelled run, with the preview's outcome", () => {
            assert.equal(step.if, "${{ !cancelled() }}");
            assert.equal(step.env?.OUTCOME, "${{ steps.preview.outcome }}");
            for (const job of previewJobs) assert.equal(job.permissions?.["pull-requests"], "write");
        });

        it("carries a failed preview's own output", async () => {
            const output = "Previewing update (dev)\nerror: preview failed: 1 mandatory policy violation\n";
            const { comments, calls } = await comment({ outcome: "failure", output });
            assert.deepEqual(calls, ["create"]);
            const [{ body }] = comments;
            assert.ok(body.startsWith(MARKER));
            assert.match(body, /### `pulumi preview` of dev: failed/);
            assert.match(body, /Commit abc123, \[run\]\(https:\/\/github\.com\/acme\/nginx\/actions\/runs\/42\)/);
            assert.ok(
                body.includes(
                    "```text\nPreviewing update (dev)\nerror: preview failed: 1 mandatory policy violation\n```",
                ),
            );
        });

        it("edits the same comment when the pull request is fixed, and says it was", async () => {
            const first = await comment({ outcome: "failure", output: "error: boom" });
            const second = await comment({
                outcome: "success",
                output: "Resources:\n    42 unchanged",
                existing: first.comments,
            });
            assert.deepEqual(second.calls, ["update 100"]);
            assert.equal(second.comments.length, 1);
            const body = second.comments[0].body;
            assert.match(body, /of dev: passed/);
            assert.match(body, /Fixed: the previous run of this preview failed\./);
            assert.doesNotMatch(body, /boom/);
            const third = await comment({ outcome: "success", output: "ok", existing: second.comments });
            assert.doesNotMatch(third.comments[0].body, /Fixed/);
        });

        it("leaves other stacks' comments and other people's comments alone", async () => {
            const existing = [
                { id: 1, body: "<!-- stateful-nginx preview: prod -->\nprod", user: { login: "github-actions[bot]" } },
                { id: 2, body: `${MARKER}\nquoted by a person`, user: { login: "someone" } },
            ];
            const { calls, comments } = await comment({ outcome: "success", output: "ok", existing });
            assert.deepEqual(calls, ["create"]);
            assert.equal(comments[0].body, existing[0].body);
            assert.equal(comments[1].body, existing[1].body);
        });

        it("says when the job stopped before the preview", async () => {
            const { comments } = await comment({ outcome: "" });
            assert.match(comments[0].body, /of dev: did not run/);
            assert.match(comments[0].body, /The job stopped before the preview/);
        });

        it("keeps the end of a long output, in a fence its backticks cannot close", async () => {
            const output = `${"x".repeat(70000)}\n\`\`\`\`\nlast line`;
            const { comments } = await comment({ outcome: "failure", output });
            const body = comments[0].body;
            assert.ok(body.length < 65536, `${body.length} characters`);
            assert.match(body, /The start of the output is cut/);
            assert.ok(body.includes("`````text\n"));
            assert.ok(body.endsWith("last line\n`````"));
        });

        it("writes the step summary on a manual run, and comments nowhere", async () => {
            const { calls, summary } = await comment({ outcome: "success", output: "ok", pullRequest: false });
            assert.deepEqual(calls, []);
            assert.match(summary, /of dev: passed/);
        });
    });

    describe("the bare-metal job", () => {
        it("writes the environment's kubeconfig to a file of the run, never the runner's own", () => {
            const step = stepOf(baremetal, "Kubeconfig of the stack's cluster");
            assert.equal(step.env?.KUBECONFIG_CONTENT, "${{ secrets.KUBECONFIG }}");
            const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
            try {
                const result = runScript(script(step), {
                    STACK: "dev",
                    KUBECONFIG_CONTENT: "apiVersion: v1",
                    RUNNER_TEMP: scratch,
                });
                assert.equal(result.status, 0);
                assert.equal(keyValues(result.githubEnv).KUBECONFIG, path.join(scratch, "kubeconfig"));
                const file = path.join(scratch, "kubeconfig");
                assert.equal(fs.readFileSync(file, "utf8"), "apiVersion: v1\n");
                assert.equal(fs.statSync(file).mode & 0o077, 0);
                const ambient = runScript(script(step), { STACK: "dev", KUBECONFIG_CONTENT: "" });
                assert.equal(ambient.status, 0);
                assert.equal(ambient.githubEnv, "");
            } finally {
                fs.rmSync(scratch, { recursive: true, force: true });
            }
        });

        it("asks for no OIDC token and touches no AWS", () => {
            assert.equal(workflow.permissions?.["id-token"], undefined);
            assert.equal(baremetal.permissions?.["id-token"], undefined);
            assert.ok(!mentions(baremetal, "aws-actions") && !mentions(baremetal, "AWS_"));
        });
    });

    describe("the EKS job", () => {
        const ranges = stepOf(
            eks,
            "Set eks.endpointPublicAccessCidrs and services.loadBalancer.sourceRanges from the environment",
        );

        it("asks for an OIDC token and assumes the environment's role", () => {
            assert.equal(eks.permissions?.["id-token"], "write");
            const aws = eks.steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            assert.equal(aws?.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
        });

        it("sets the stack's API and load balancer ranges from the environment before the preview", () => {
            const names = eks.steps.map((step) => step.name);
            assert.ok(names.indexOf(ranges.name) < names.indexOf("pulumi preview with the policy pack"));
            const work = fs.mkdtempSync(path.join(os.tmpdir(), "eks-ranges-"));
            try {
                fs.copyFileSync(stackFilePath("prod"), path.join(work, "Pulumi.prod.yaml"));
                const env = {
                    STACK: "prod",
                    AWS_ROLE_ARN: "arn:aws:iam::111122223333:role/ci",
                    CIDRS: "100.24.0.0/13, 34.192.0.0/12",
                    SOURCE_RANGES: "34.192.0.0/12",
                    NODE_PATH: path.join(PROJECT_ROOT, "node_modules"),
                };
                const result = runScript(script(ranges), env, work);
                assert.equal(result.status, 0, result.stderr);
                const { config } = readStackFile(path.join(work, "Pulumi.prod.yaml"));
                assert.deepEqual(JSON.parse(config["stateful-nginx:eks"]).endpointPublicAccessCidrs, [
                    "100.24.0.0/13",
                    "34.192.0.0/12",
                ]);
                assert.deepEqual(JSON.parse(config["stateful-nginx:services"]).loadBalancer.sourceRanges, [
                    "34.192.0.0/12",
                ]);

                const missing = runScript(script(ranges), { ...env, AWS_ROLE_ARN: "" }, work);
                assert.equal(missing.status, 1);
                assert.equal(missing.stdout.trim().split("\n").length, 1);
                assert.match(
                    missing.stdout,
                    /^::error title=environment prod incomplete::set the variables AWS_ROLE_ARN/,
                );
            } finally {
                fs.rmSync(work, { recursive: true, force: true });
            }
        });
    });
});
