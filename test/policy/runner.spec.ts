import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/pack";
import { main } from "../../tools/policy";
import {
    formatSummary,
    formatViolation,
    hasMandatoryViolations,
    parsePolicyConfig,
    PolicyConfigError,
    reconcilePolicyConfig,
    runPolicies,
} from "../../tools/policy-runner";
import { change, goodStack, resource } from "./fixtures";

// The unknown-string sentinel of the Pulumi wire protocol: what a preview sends for a value not known yet.
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function recordingPolicy(
    name: string,
    calls: string[],
    level: ResourceValidationPolicy["enforcementLevel"] = "mandatory",
) {
    const policy: ResourceValidationPolicy = {
        name,
        description: `${name} description`,
        enforcementLevel: level,
        configSchema: { properties: { limit: { type: "integer", default: 3 } } },
        validateResource: (args, report) => {
            calls.push(args.urn);
            if (args.type !== "test:index:Thing") args.notApplicable("only things");
            const { limit } = args.getConfig<{ limit: number }>();
            if ((args.props.size as number) > limit) report(`size ${args.props.size} is over ${limit}`);
        },
    };
    return policy;
}

const thing = (name: string, inputs: Record<string, unknown>) => resource("test:index:Thing", name, inputs);

describe("policy runner: config as the CLI reconciles it", () => {
    const pair: Policies = [recordingPolicy("size-limit", []), recordingPolicy("other", [], "advisory")];

    it("starts from each policy's level and schema defaults", () => {
        const { config } = reconcilePolicyConfig(pair, "advisory", parsePolicyConfig(undefined));
        assert.deepEqual(config.get("size-limit"), { enforcementLevel: "mandatory", properties: { limit: 3 } });
        assert.equal(config.get("other")?.enforcementLevel, "advisory");
    });

    it("applies `all` to every policy, then each policy's own entry on top", () => {
        const given = parsePolicyConfig({ all: "disabled", other: { enforcementLevel: "mandatory", limit: 7 } });
        const { config } = reconcilePolicyConfig(pair, "advisory", given);
        assert.equal(config.get("size-limit")?.enforcementLevel, "disabled");
        assert.deepEqual(config.get("other"), { enforcementLevel: "mandatory", properties: { limit: 7 } });
    });

    it("rejects invalid levels and values that break the schema, and warns about unknown policies", () => {
        assert.throws(() => parsePolicyConfig({ all: "strict" }), PolicyConfigError);
        assert.throws(() => parsePolicyConfig({ other: 3 }), /must be a string or object/);
        assert.throws(
            () => reconcilePolicyConfig(pair, "advisory", parsePolicyConfig({ other: { limit: "7" } })),
            /other.limit: invalid type. Expected: integer, given: string/,
        );
        const { warnings } = reconcilePolicyConfig(pair, "advisory", parsePolicyConfig({ sise: "advisory" }));
        assert.deepEqual(warnings, ["the policy config names sise, which is no policy of the pack"]);
    });
});

describe("policy runner: calling policies as the engine does", () => {
    it("calls a resource policy once per resource and reports on that resource at the configured level", async () => {
        const calls: string[] = [];
        const stack = [thing("small", { size: 1 }), thing("big", { size: 5 }), resource("test:index:Other", "o", {})];
        const report = await runPolicies([recordingPolicy("size-limit", calls)], stack);
        assert.deepEqual(
            calls,
            stack.map((item) => item.urn),
        );
        assert.deepEqual(
            report.violations.map((v) => [v.enforcementLevel, v.urn, v.message]),
            [["mandatory", stack[1].urn, "size 5 is over 3"]],
        );
        assert.deepEqual(report.notApplicable, [
            { policyName: "size-limit", reason: "only things", urn: stack[2].urn },
        ]);
        assert.ok(hasMandatoryViolations(report));

        const relaxed = await runPolicies([recordingPolicy("size-limit", [])], stack, {
            config: { "size-limit": { enforcementLevel: "advisory", limit: 10 } },
        });
        assert.deepEqual(relaxed.violations, []);
    });

    it("skips disabled policies entirely and reports remediate as mandatory", async () => {
        const calls: string[] = [];
        const stack = [thing("big", { size: 5 })];
        const disabled = await runPolicies([recordingPolicy("size-limit", calls)], stack, {
            config: { all: "disabled" },
        });
        assert.deepEqual(calls, []);
        assert.equal(disabled.policiesRun, 0);
        const remediate = await runPolicies([recordingPolicy("size-limit", [])], stack, {
            config: { "size-limit": "remediate" },
        });
        assert.equal(remediate.violations[0].enforcementLevel, "mandatory");
    });

    it("hands out props behind the unknown-checking proxy: an unknown value is an advisory, not a pass", async () => {
        const report = await runPolicies([recordingPolicy("size-limit", [])], [thing("later", { size: UNKNOWN })]);
        assert.equal(report.violations.length, 1);
        assert.equal(report.violations[0].enforcementLevel, "advisory");
        assert.match(
            report.violations[0].message,
            /can't run policy 'size-limit' during preview: string value at .size/,
        );
    });

    it("shows secrets as [secret] and never hands a policy the plaintext", async () => {
        let seen: unknown;
        const policy: ResourceValidationPolicy = {
            name: "peek",
            description: "peek",
            validateResource: (args) => {
                seen = args.props.kubeconfig;
            },
        };
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        await runPolicies([policy], [thing("provider", { kubeconfig: secret })]);
        assert.equal(seen, "[secret]");
    });

    it("calls a stack policy once with every resource, parents and dependencies as resources", async () => {
        const seen: PolicyResource[][] = [];
        const policy: StackValidationPolicy = {
            name: "whole-stack",
            description: "whole stack",
            enforcementLevel: "mandatory",
            validateStack: (args, report) => {
                seen.push(args.resources);
                report("the stack is wrong", args.resources[1].urn);
            },
        };
        const parent = thing("parent", {});
        const child = { ...thing("child", {}), parent: parent.urn, dependencies: [parent.urn], read: true };
        const report = await runPolicies([policy], [parent, child]);
        assert.equal(seen.length, 1);
        assert.equal(seen[0].length, 2);
        assert.equal(seen[0][1].parent?.urn, parent.urn);
        assert.deepEqual(
            seen[0][1].dependencies.map((dependency) => dependency.name),
            ["parent"],
        );
        assert.equal(report.violations[0].urn, child.urn);
    });

    it("fails the run when a policy throws (the engine fails the preview)", async () => {
        const policy: ResourceValidationPolicy = {
            name: "broken",
            description: "broken",
            validateResource: () => {
                throw new Error("boom");
            },
        };
        await assert.rejects(runPolicies([policy], [thing("x", {})]), /Error validating .* with policy 'broken': boom/);
    });
});

describe("policy runner: output and exit codes (npm run policy)", () => {
    let dir: string;
    const lines: string[] = [];
    const errors: string[] = [];
    const out = { log: (line: string) => lines.push(line), error: (line: string) => errors.push(line) };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-runner-"));
        const bad = change(goodStack(), "nginx-clusterip", (inputs) => (inputs.spec.externalIPs = ["203.0.113.10"]));
        fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify(bad));
        fs.writeFileSync(path.join(dir, "good.json"), JSON.stringify(goodStack()));
        fs.writeFileSync(path.join(dir, "advisory.json"), JSON.stringify({ all: "advisory" }));
        fs.writeFileSync(path.join(dir, "broken.json"), "{ not json");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => {
        lines.length = 0;
        errors.length = 0;
    });

    const run = (...args: string[]) => main(["--stack", "dev", ...args], out);

    it("exits 0 and prints only the summary when nothing mandatory is violated", async () => {
        assert.equal(await run("--resources", path.join(dir, "good.json")), 0);
        assert.deepEqual(lines, [
            `policy: stack dev: passed: 0 mandatory, 0 advisory violations (${policies.length} policies on 9 resources)`,
        ]);
    });

    it("prints LEVEL policy-name urn: message and exits 1 on a mandatory violation", async () => {
        assert.equal(await run("--resources", path.join(dir, "bad.json")), 1);
        const line = lines.find((text) => text.includes("service-no-external-ips"));
        assert.match(
            line ?? "",
            /^MANDATORY service-no-external-ips urn:pulumi:test::stateful-nginx::kubernetes:core\/v1:Service::nginx-clusterip: Service stateful-nginx\/nginx-clusterip sets spec.externalIPs/,
        );
        assert.match(lines[lines.length - 1], /FAILED: 1 mandatory/);
    });

    it("exits 0 on the same violation when the policy config makes it advisory", async () => {
        const code = await run(
            "--resources",
            path.join(dir, "bad.json"),
            "--policy-config",
            path.join(dir, "advisory.json"),
        );
        assert.equal(code, 0);
        assert.ok(lines.some((text) => text.startsWith("ADVISORY service-no-external-ips ")));
    });

    it("exits 2 with one line for usage and config errors", async () => {
        assert.equal(await main([], out), 2);
        assert.match(errors[0], /^policy: --stack NAME is required/);
        assert.equal(
            await run("--resources", path.join(dir, "good.json"), "--policy-config", path.join(dir, "broken.json")),
            2,
        );
        assert.equal(errors.length, 2);
        assert.equal(await run("--policy-config", path.join(dir, "missing.json")), 2);
        assert.match(errors[2], /no policy config/);
    });

    it("formats a stack violation without a URN and a multi-line message on one line", () => {
        const text = formatViolation({
            policyName: "p",
            enforcementLevel: "advisory",
            message: "first\n  second",
            description: "d",
        });
        assert.equal(text, "ADVISORY p (stack): first second");
        const summary = formatSummary(
            { violations: [], notApplicable: [], warnings: [], policiesRun: 2, resources: 4 },
            "policy: stack x",
        );
        assert.equal(
            summary,
            "policy: stack x: passed: 0 mandatory, 0 advisory violations (2 policies on 4 resources)",
        );
    });
});
