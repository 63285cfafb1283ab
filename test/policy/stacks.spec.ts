import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policy/pack";
import { formatViolation, PolicyReport, runPolicies } from "../../tools/policy-runner";
import { runStack, TEST_ENDPOINT_CIDRS } from "../helpers";

function policyConfig(stack: string): unknown {
    return JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../policy/config", `${stack}.json`), "utf8"));
}

/** Policies that looked at the stack: a stack policy that ran, a resource policy that applied to something. */
function applied(report: PolicyReport, resourceCount: number): string[] {
    return policies
        .filter((policy) => {
            const skipped = report.notApplicable.filter((entry) => entry.policyName === policy.name).length;
            return "validateStack" in policy ? skipped === 0 : skipped < resourceCount;
        })
        .map((policy) => policy.name);
}

const expectations = {
    dev: [
        "statefulset-headless-service",
        "statefulset-disruption-budget",
        "externalname-safe",
        "metallb-pools-advertised",
    ],
    prod: ["statefulset-keeps-volumes", "loadbalancer-source-ranges", "eks-node-group", "eks-endpoint-restricted"],
};

for (const stack of ["dev", "prod"] as const) {
    describe(`policy pack on the shipped ${stack} stack`, () => {
        let report: PolicyReport;
        let resourceCount: number;

        before(async () => {
            const run = await runStack(stack);
            resourceCount = run.resources.filter((resource) => !resource.read).length;
            report = await runPolicies(policies, run.resources, { config: policyConfig(stack) });
        });

        it("has no mandatory violation", () => {
            const mandatory = report.violations.filter((violation) => violation.enforcementLevel === "mandatory");
            assert.deepEqual(mandatory.map(formatViolation), []);
        });

        it("is actually checked by the policies that concern it", () => {
            const ran = applied(report, resourceCount);
            for (const name of expectations[stack]) assert.ok(ran.includes(name), `${name} did not apply to ${stack}`);
        });
    });
}

describe("policy pack on a prod stack that re-exposes a Service it does not own", () => {
    it("has no mandatory violation: the copy says why it selects no workload of the stack", async () => {
        const prod = await runStack("prod", {
            "stateful-nginx:services": {
                loadBalancer: { sourceRanges: ["203.0.113.0/24"] },
                exposures: [{ name: "legacy-nodeport", from: "legacy/web", type: "NodePort" }],
            },
        });
        const report = await runPolicies(policies, prod.resources, { config: policyConfig("prod") });
        const mandatory = report.violations.filter((violation) => violation.enforcementLevel === "mandatory");
        assert.deepEqual(mandatory.map(formatViolation), []);
    });
});

describe("policy pack on a prod stack with an internal load balancer and no source ranges", () => {
    it("has no mandatory violation: an internal NLB is reachable only inside the VPC", async () => {
        const prod = await runStack("prod", {
            "stateful-nginx:eks": { loadBalancerScheme: "internal", endpointPublicAccessCidrs: TEST_ENDPOINT_CIDRS },
            "stateful-nginx:services": { loadBalancer: { sourceRanges: [] } },
        });
        const report = await runPolicies(policies, prod.resources, { config: policyConfig("prod") });
        const mandatory = report.violations.filter((violation) => violation.enforcementLevel === "mandatory");
        assert.deepEqual(mandatory.map(formatViolation), []);
    });

    it("still catches the same load balancer once it is internet-facing", async () => {
        const prod = await runStack("prod", {
            "stateful-nginx:eks": { endpointPublicAccessCidrs: TEST_ENDPOINT_CIDRS },
            "stateful-nginx:services": { loadBalancer: { sourceRanges: [] } },
        });
        const report = await runPolicies(policies, prod.resources, { config: policyConfig("prod") });
        assert.ok(
            report.violations.some(
                (violation) =>
                    violation.policyName === "loadbalancer-source-ranges" && violation.enforcementLevel === "mandatory",
            ),
        );
    });
});
