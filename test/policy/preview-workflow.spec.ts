import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    steps: Step[];
}

const workflow = parse(fs.readFileSync(path.resolve(__dirname, "../../.github/workflows/preview.yml"), "utf8")) as {
    permissions: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
};

const mentions = (value: unknown, text: string) => JSON.stringify(value ?? {}).includes(text);

describe("the preview workflow", () => {
    const { dev, prod, fork } = workflow.jobs;

    it("previews both stacks with the pack and the stack's policy config", () => {
        for (const [stack, job] of [
            ["dev", dev],
            ["prod", prod],
        ] as const) {
            const preview = job.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
            assert.equal(preview?.with?.command, "preview", stack);
            assert.equal(preview?.with?.policyPacks, "policy", stack);
            assert.equal(preview?.with?.policyPackConfigs, `policy/config/${stack}.json`, stack);
        }
    });

    it("comments on the pull request when the preview or the policy check fails", () => {
        for (const job of [dev, prod]) {
            const last = job.steps[job.steps.length - 1];
            assert.match(last.if ?? "", /failure\(\)/);
            assert.match(String(last.with?.script), /createComment/);
            assert.match(String(last.with?.script), /policy\.txt/);
            assert.ok(job.steps.some((step) => /tee policy\.txt/.test(step.run ?? "")));
            assert.equal(job.permissions?.["pull-requests"], "write");
        }
    });

    it("skips pull requests from forks with a notice instead of failing for want of secrets", () => {
        const forkCondition = "github.event.pull_request.head.repo.full_name != github.repository";
        assert.ok(fork.if?.includes(forkCondition));
        assert.match(fork.steps[0].run ?? "", /::notice/);
        for (const job of [dev, prod]) assert.ok(job.if?.includes("full_name == github.repository"));
    });

    it("hands secrets only to the steps that need them, and none of AWS to the dev job", () => {
        assert.ok(!mentions(workflow.env, "secrets."));
        for (const job of [dev, prod]) assert.ok(!mentions(job.env, "secrets."));
        assert.ok(!mentions(dev, "AWS") && !mentions(dev, "aws-actions"));
        const withSecrets = (job: Job) =>
            job.steps.filter((step) => mentions(step.env, "secrets.")).map((step) => step.name);
        assert.deepEqual(withSecrets(dev), ["Kubeconfig for the bare-metal cluster", "Preview with the policy pack"]);
        assert.deepEqual(withSecrets(prod), ["Preview with the policy pack"]);
    });

    it("asks for an OIDC token only in the job that assumes the AWS role", () => {
        assert.equal(workflow.permissions["id-token"], undefined);
        assert.equal(dev.permissions?.["id-token"], undefined);
        assert.equal(prod.permissions?.["id-token"], "write");
        assert.ok(prod.steps.some((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@")));
    });

    it("sets prod's API endpoint CIDRs and load balancer clients from CI variables before anything evaluates the stack", () => {
        const index = prod.steps.findIndex((step) => mentions(step, "EKS_ENDPOINT_PUBLIC_ACCESS_CIDRS"));
        const policy = prod.steps.findIndex((step) => /npm run --silent policy/.test(step.run ?? ""));
        assert.ok(index >= 0 && index < policy);
        assert.ok(mentions(prod.steps[index], "LB_SOURCE_RANGES"));
        assert.match(prod.steps[index].run ?? "", /endpointPublicAccessCidrs/);
        assert.match(prod.steps[index].run ?? "", /"loadBalancer", "sourceRanges"/);
    });
});
