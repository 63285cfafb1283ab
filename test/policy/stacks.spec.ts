import { strict as assert } from "assert";
import * as fs from "fs";
import { withEksChildren } from "../../tools/engine-view";
import { runProgram } from "../../tools/mock-runtime";
import { formatViolation, PolicyReport, ResourceRecord, Violation } from "../../tools/policy-runner";
import { policyConfigFile, stackNames } from "../../tools/stack-config";
import { testStackConfig } from "../helpers";
import { change, check, policyHost, View } from "./fixtures";

const VIEWS: View[] = ["preview", "update"];

/** The stack's policy config, as `npm run policy` picks it; undefined: the pack's own levels and settings. */
function policyConfig(stack: string): unknown {
    const file = policyConfigFile(stack);
    return file === undefined ? undefined : JSON.parse(fs.readFileSync(file, "utf8"));
}

/**
 * What the engine would be shown for a shipped stack: the program under the mock runtime (in a preview:
 * unknown outputs), with the eks components' children. `overrides` are merged into the stack's objects.
 */
const shipped = new Map<string, Promise<ResourceRecord[]>>();

/** The shipped stack's records, evaluated once per view for the whole file. */
function shippedRecords(stack: string, view: View): Promise<ResourceRecord[]> {
    const key = `${stack}/${view}`;
    if (!shipped.has(key)) shipped.set(key, stackRecords(stack, view));
    return shipped.get(key) as Promise<ResourceRecord[]>;
}

async function stackRecords(
    stack: string,
    view: View,
    overrides: Record<string, object> = {},
): Promise<ResourceRecord[]> {
    // A prod stack file leaves eks.endpointPublicAccessCidrs to its user: the tests' own value stands in.
    const { config, secretKeys } = testStackConfig(stack);
    const merged: Record<string, string> = { ...config };
    for (const [key, value] of Object.entries(overrides)) {
        merged[key] = JSON.stringify({ ...JSON.parse(merged[key] ?? "{}"), ...value });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = () => (require("../../index") as () => Promise<unknown>)();
    const run = await runProgram(program, { stack, config: merged, secretKeys, preview: view === "preview" });
    return withEksChildren(run.resources, { preview: view === "preview" });
}

const mandatory = (report: PolicyReport): Violation[] =>
    report.violations.filter((violation) => violation.enforcementLevel === "mandatory");

/** Policies that looked at the stack: a stack policy that ran, a resource policy that applied to something. */
async function applied(report: PolicyReport, records: ResourceRecord[]): Promise<string[]> {
    const analyzed = records.filter((record) => !record.read).length;
    return (await policyHost()).info.policies
        .filter((policy) => {
            const skipped = report.notApplicable.filter((entry) => entry.policyName === policy.name).length;
            return policy.kind === "stack" ? skipped === 0 : skipped < analyzed;
        })
        .map((policy) => policy.name);
}

/** Policies each shipped stack must be looked at by (a stack file added later only has to pass). */
const expectations: Record<string, string[]> = {
    dev: [
        "statefulset-headless-service",
        "statefulset-disruption-budget",
        "externalname-safe",
        "metallb-pools-advertised",
    ],
    prod: [
        "statefulset-keeps-volumes",
        "loadbalancer-source-ranges",
        "eks-node-group",
        "eks-endpoint-restricted",
        "eks-control-plane-logging",
        "eks-secrets-encryption",
        "eks-node-imdsv2",
        "aws-ebs-storage-class",
        "aws-load-balancer-nlb",
        "aws-load-balancer-tls",
        "aws-load-balancer-access-logs",
    ],
};

// Every Pulumi.<stack>.yaml: a new stack file is judged too, with its own policy config or the pack's defaults.
for (const stack of stackNames()) {
    for (const view of VIEWS) {
        describe(`policy pack on the shipped ${stack} stack (${view})`, () => {
            let report: PolicyReport;
            let records: ResourceRecord[];

            before(async () => {
                records = await shippedRecords(stack, view);
                report = await check(records, policyConfig(stack), view);
            });

            it("has no mandatory violation", () => {
                assert.deepEqual(mandatory(report).map(formatViolation), []);
            });

            it("is actually checked by the policies that concern it", async () => {
                const ran = await applied(report, records);
                for (const name of expectations[stack] ?? []) assert.ok(ran.includes(name), `${name} did not apply`);
            });

            it("runs every stack policy on it without being switched off by an unknown value", () => {
                const stackPolicies = ["statefulset-headless-service", "service-selector-unique", "nodeport-unique"];
                for (const name of stackPolicies) {
                    const skipped = report.notApplicable.filter((entry) => entry.policyName === name);
                    assert.deepEqual(skipped, [], name);
                    const unjudged = report.violations.filter(
                        (violation) => violation.policyName === name && /during preview/.test(violation.message),
                    );
                    assert.deepEqual(unjudged.map(formatViolation), [], name);
                }
            });
        });
    }
}

describe("policy pack on a prod stack whose EKS settings break the policies", () => {
    for (const view of VIEWS) {
        it(`catches an m6i.large node group as a mandatory violation on its aws:eks/nodeGroup:NodeGroup (${view})`, async () => {
            const records = await stackRecords("prod", view, { "stateful-nginx:eks": { instanceType: "m6i.large" } });
            const found = mandatory(await check(records, policyConfig("prod"), view));
            const nodeGroups = found.filter((violation) => violation.policyName === "eks-node-group");
            assert.ok(nodeGroups.length > 0, found.map(formatViolation).join("\n"));
            for (const violation of nodeGroups) {
                assert.match(violation.urn ?? "", /\$aws:eks\/nodeGroup:NodeGroup::/);
                assert.match(violation.message, /uses m6i.large/);
            }
        });

        it(`catches an API endpoint open to 0.0.0.0/0 as a mandatory violation (${view})`, async () => {
            const program = await shippedRecords("prod", view);
            const cluster = program.find((record) => record.type === "eks:index:Cluster");
            assert.ok(cluster);
            // As the program would pass it: before the engine view, on the component's own args.
            const open = withEksChildren(
                change(
                    program.filter((record) => record.type !== "aws:eks/cluster:Cluster"),
                    cluster.name,
                    (inputs) => (inputs.publicAccessCidrs = ["0.0.0.0/0"]),
                ),
                { preview: view === "preview" },
            );
            const found = mandatory(await check(open, policyConfig("prod"), view));
            assert.deepEqual(
                found.map((violation) => violation.policyName),
                ["eks-endpoint-restricted"],
            );
            assert.match(found[0].message, /lets 0.0.0.0\/0 reach its public API endpoint/);
        });
    }
});

describe("policy pack on a prod stack that re-exposes a Service it does not own", () => {
    for (const view of VIEWS) {
        it(`has no mandatory violation: the copy says why it selects no workload of the stack (${view})`, async () => {
            const records = await stackRecords("prod", view, {
                "stateful-nginx:services": {
                    exposures: [{ name: "legacy-nodeport", from: "legacy/web", type: "NodePort" }],
                },
            });
            assert.ok(records.some((record) => record.read));
            const report = await check(records, policyConfig("prod"), view);
            assert.deepEqual(mandatory(report).map(formatViolation), []);
        });
    }
});

describe("policy pack on a prod stack with an internal load balancer open to its VPC", () => {
    it("has no mandatory violation: an internal NLB is reachable only inside the VPC", async () => {
        // Config requires the clients of an internal NLB too (config/eks.ts checkEksLoadBalancers): the VPC's CIDR.
        const records = await stackRecords("prod", "preview", {
            "stateful-nginx:eks": { loadBalancerScheme: "internal" },
            "stateful-nginx:services": { loadBalancer: { sourceRanges: ["172.31.0.0/16"] } },
        });
        const report = await check(records, policyConfig("prod"), "preview");
        assert.deepEqual(mandatory(report).map(formatViolation), []);
    });

    it("still catches the same load balancer once it is internet-facing and open to everyone", async () => {
        // Config refuses an internet-facing NLB with no client ranges; 0.0.0.0/0 says "everyone" explicitly.
        const records = await stackRecords("prod", "preview", {
            "stateful-nginx:services": { loadBalancer: { sourceRanges: ["0.0.0.0/0"] } },
        });
        const report = await check(records, policyConfig("prod"), "preview");
        assert.ok(
            mandatory(report).some((violation) => violation.policyName === "loadbalancer-source-ranges"),
            report.violations.map(formatViolation).join("\n"),
        );
    });
});

/** A deep copy of `records` with `edit` applied to the inputs of the one resource of `type` named `name`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function edited(records: ResourceRecord[], type: string, name: string, edit: (inputs: any) => void): ResourceRecord[] {
    const target = records.find((record) => record.type === type && record.name === name);
    assert.ok(target, `no ${type} named ${name} in the stack`);
    return records.map((record) => {
        if (record !== target) return record;
        const inputs = structuredClone(record.inputs);
        edit(inputs);
        return { ...record, inputs };
    });
}

describe("policy pack on the synthesized prod stack with one AWS setting broken (held out)", () => {
    // Inputs are untyped JSON here, as in resources.json.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const cases: [string, string, string, (inputs: any) => void, string, RegExp][] = [
        [
            "a launch template that lets pods reach IMDS",
            "aws:ec2/launchTemplate:LaunchTemplate",
            "eks-nodes-lt",
            (inputs) => (inputs.metadataOptions = { httpTokens: "optional", httpPutResponseHopLimit: 2 }),
            "eks-node-imdsv2",
            /httpTokens is optional.*httpPutResponseHopLimit is 2/,
        ],
        [
            "an EBS class that deletes volumes with their claims",
            "kubernetes:storage.k8s.io/v1:StorageClass",
            "eks-storage-gp3",
            (inputs) => (inputs.reclaimPolicy = "Delete"),
            "aws-ebs-storage-class",
            /StorageClass gp3 has reclaimPolicy Delete/,
        ],
        [
            "a LoadBalancer Service that would get a Classic ELB",
            "kubernetes:core/v1:Service",
            "nginx-services-lb",
            (inputs) => delete inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"],
            "aws-load-balancer-nlb",
            /gets a Classic ELB from cloud-provider-aws/,
        ],
    ];
    for (const view of VIEWS) {
        for (const [what, type, name, edit, policy, message] of cases) {
            it(`names ${what} by ${policy}, as a mandatory violation on that resource (${view})`, async () => {
                const records = edited(await shippedRecords("prod", view), type, name, edit);
                const found = mandatory(await check(records, policyConfig("prod"), view));
                assert.deepEqual(
                    found.map((violation) => [violation.policyName, violation.urn]),
                    [[policy, records.find((record) => record.type === type && record.name === name)?.urn]],
                );
                assert.match(found[0].message, message);
            });
        }

        it(`names a cluster without logs or a Secrets key by the two policies, on its aws:eks/cluster:Cluster (${view})`, async () => {
            const program = (await shippedRecords("prod", view)).filter(
                (record) => record.type !== "aws:eks/cluster:Cluster",
            );
            const bare = withEksChildren(
                edited(program, "eks:index:Cluster", "eks-cluster", (inputs) => {
                    delete inputs.enabledClusterLogTypes;
                    delete inputs.encryptionConfigKeyArn;
                }),
                { preview: view === "preview" },
            );
            const found = mandatory(await check(bare, policyConfig("prod"), view));
            assert.deepEqual(found.map((violation) => violation.policyName).sort(), [
                "eks-control-plane-logging",
                "eks-secrets-encryption",
            ]);
            for (const violation of found) assert.match(violation.urn ?? "", /\$aws:eks\/cluster:Cluster::/);
        });
    }

    it("reports the shipped NLB's missing TLS and access logs as advisory only", async () => {
        const report = await check(await shippedRecords("prod", "preview"), policyConfig("prod"), "preview");
        const advisory = report.violations
            .filter((violation) => violation.policyName.startsWith("aws-load-balancer-"))
            .map((violation) => [violation.policyName, violation.enforcementLevel]);
        assert.deepEqual(advisory.sort(), [
            ["aws-load-balancer-access-logs", "advisory"],
            ["aws-load-balancer-tls", "advisory"],
        ]);
    });
});

describe("policy pack on the synthesized dev stack with a node port outside the range (held out)", () => {
    for (const view of VIEWS) {
        it(`names it by nodeport-range, a resource policy, on that Service (${view})`, async () => {
            const records = await shippedRecords("dev", view);
            const nodePort = records.find(
                (record) =>
                    record.type === "kubernetes:core/v1:Service" &&
                    (record.inputs.spec as { type?: string } | undefined)?.type === "NodePort",
            );
            assert.ok(nodePort);
            const bad = edited(
                records,
                nodePort.type,
                nodePort.name,
                (inputs) => (inputs.spec.ports[0].nodePort = 8080),
            );
            const found = mandatory(await check(bad, policyConfig("dev"), view));
            assert.deepEqual(
                found.map((violation) => [violation.policyName, violation.urn]),
                [["nodeport-range", nodePort.urn]],
            );
            const info = (await policyHost()).info.policies.find((policy) => policy.name === "nodeport-range");
            assert.equal(info?.kind, "resource");
        });
    }
});
