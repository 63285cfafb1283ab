import * as assert from "assert";
import { parseConfig, RawConfig } from "../config";
import { accessPolicyArn, CONTROL_PLANE_LOG_TYPES } from "../components/eks/control-plane";
import {
    isBurstable,
    NODE_METADATA_OPTIONS,
    nodeCreditSpecification,
    nodeLaunchHardening,
} from "../components/eks/launch-template";
import { configErrorOf, RegisteredResource, runStack, StackRun, testStackConfig, TEST_SOURCE_RANGES } from "./helpers";
import { TEST_ENDPOINT_CIDRS, TEST_ZONES } from "./helpers";

/* eslint-disable @typescript-eslint/no-explicit-any */
const inputsOf = (resource: RegisteredResource): any => resource.inputs;
const prodEks: Record<string, any> = JSON.parse(testStackConfig("prod").config["stateful-nginx:eks"]);

const only = (run: StackRun, type: string): RegisteredResource => {
    const found = run.ofType(type);
    assert.strictEqual(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
};

const CI_ROLE = "arn:aws:iam::123456789012:role/ci/deploy";
const AUDITOR = "arn:aws:iam::123456789012:user/auditor";

describe("EKS hardening on the prod stack", function () {
    // Loading @pulumi/aws and @pulumi/eks takes seconds: evaluate each stack once.
    this.timeout(120_000);
    let prod: StackRun;
    let custom: StackRun;

    before(async () => {
        prod = await runStack("prod");
        custom = await runStack("prod", {
            "stateful-nginx:eks": {
                ...prodEks,
                instanceType: "m6i.large",
                accessEntries: {
                    ci: { principalArn: CI_ROLE, access: "cluster-admin" },
                    auditor: { principalArn: AUDITOR, access: "view", namespaces: ["stateful-nginx"] },
                },
            },
        });
    });

    it("launches nodes that answer only IMDSv2, one hop away, so no pod reaches the node role", () => {
        const template = inputsOf(only(prod, "aws:ec2/launchTemplate:LaunchTemplate"));
        assert.deepStrictEqual(template.metadataOptions, {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
        });
        assert.deepStrictEqual(inputsOf(only(custom, "aws:ec2/launchTemplate:LaunchTemplate")).metadataOptions, {
            ...NODE_METADATA_OPTIONS,
        });
    });

    it("runs T3 nodes on standard CPU credits (no surplus bill), and sets no credits on other types", () => {
        assert.deepStrictEqual(inputsOf(only(prod, "aws:ec2/launchTemplate:LaunchTemplate")).creditSpecification, {
            cpuCredits: "standard",
        });
        assert.strictEqual(
            inputsOf(only(custom, "aws:ec2/launchTemplate:LaunchTemplate")).creditSpecification,
            undefined,
        );
    });

    it("sends the audit and authenticator control-plane logs", () => {
        const cluster = inputsOf(only(prod, "eks:index:Cluster"));
        assert.deepStrictEqual(cluster.enabledClusterLogTypes, ["audit", "authenticator"]);
        assert.deepStrictEqual([...CONTROL_PLANE_LOG_TYPES], ["audit", "authenticator"]);
    });

    it("envelope-encrypts Secrets with a rotating KMS key of its own, which the cluster waits for", () => {
        const key = only(prod, "aws:kms/key:Key");
        const cluster = only(prod, "eks:index:Cluster");
        assert.strictEqual(inputsOf(key).enableKeyRotation, true);
        assert.strictEqual(inputsOf(key).deletionWindowInDays, 30);
        assert.strictEqual(inputsOf(key).tags["stateful-nginx:stack"], "prod");
        assert.match(inputsOf(cluster).encryptionConfigKeyArn, /^arn:aws:/);
        assert.ok(prod.dependsOn(cluster, key), "the cluster takes the key's ARN");
    });

    it("creates no access entry beyond the creator's unless eks.accessEntries lists one", () => {
        assert.deepStrictEqual(inputsOf(only(prod, "eks:index:Cluster")).accessEntries, {});
    });

    it("gives each eks.accessEntries principal its access policy, cluster-wide or in its namespaces", () => {
        assert.deepStrictEqual(inputsOf(only(custom, "eks:index:Cluster")).accessEntries, {
            ci: {
                principalArn: CI_ROLE,
                accessPolicies: {
                    "cluster-admin": {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            },
            auditor: {
                principalArn: AUDITOR,
                accessPolicies: {
                    view: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                        accessScope: { type: "namespace", namespaces: ["stateful-nginx"] },
                    },
                },
            },
        });
    });
});

describe("eks hardening plain decisions", () => {
    it("knows the burstable families, the only ones with CPU credits", () => {
        for (const type of ["t3.medium", "t3a.large", "t4g.small", "t2.micro"]) assert.ok(isBurstable(type), type);
        for (const type of ["m6i.large", "c7g.xlarge", "m5.large"]) assert.ok(!isBurstable(type), type);
        assert.deepStrictEqual(nodeCreditSpecification("t3.large"), { cpuCredits: "standard" });
        assert.strictEqual(nodeCreditSpecification("m6i.large"), undefined);
        assert.ok(!("creditSpecification" in nodeLaunchHardening("m6i.large")));
    });

    it("names access policies in the caller's partition", () => {
        assert.strictEqual(
            accessPolicyArn("aws-us-gov", "AmazonEKSEditPolicy"),
            "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
        );
    });
});

describe("eks.accessEntries config", () => {
    const stack = (accessEntries: unknown): RawConfig => ({
        platform: "eks",
        eks: JSON.stringify({
            endpointPublicAccessCidrs: [...TEST_ENDPOINT_CIDRS],
            zones: [...TEST_ZONES],
            accessEntries,
        }),
        services: JSON.stringify({ loadBalancer: { sourceRanges: [...TEST_SOURCE_RANGES] } }),
    });

    it("defaults to none, and takes role and user ARNs (with a path) keyed by a name", () => {
        assert.deepStrictEqual(parseConfig(stack(undefined)).eks?.accessEntries, {});
        const entries = {
            ci: { principalArn: CI_ROLE, access: "cluster-admin" },
            auditor: { principalArn: AUDITOR, access: "view" },
        };
        assert.deepStrictEqual(parseConfig(stack(entries)).eks?.accessEntries, entries);
    });

    const rejected: [string, unknown, string, string][] = [
        [
            "an STS session ARN (what get-caller-identity shows) instead of the role",
            { ci: { principalArn: "arn:aws:sts::123456789012:assumed-role/deploy/gha", access: "cluster-admin" } },
            "stateful-nginx:eks.accessEntries.ci.principalArn",
            "name the IAM role itself",
        ],
        [
            "something that is no IAM ARN",
            { ci: { principalArn: "deploy", access: "cluster-admin" } },
            "stateful-nginx:eks.accessEntries.ci.principalArn",
            "must be an IAM role or user ARN",
        ],
        [
            "an access level EKS has no policy for",
            { ci: { principalArn: CI_ROLE, access: "root" } },
            "stateful-nginx:eks.accessEntries.ci.access",
            "must be one of cluster-admin, admin, edit, view",
        ],
        [
            "an entry without access",
            { ci: { principalArn: CI_ROLE } },
            "stateful-nginx:eks.accessEntries.ci.access",
            "must be one of cluster-admin",
        ],
        [
            "one principal twice (EKS allows one entry per principal)",
            { ci: { principalArn: CI_ROLE, access: "cluster-admin" }, ci2: { principalArn: CI_ROLE, access: "view" } },
            "stateful-nginx:eks.accessEntries.ci2.principalArn",
            "is already the principal of ci",
        ],
        [
            "an empty namespace list",
            { ci: { principalArn: CI_ROLE, access: "edit", namespaces: [] } },
            "stateful-nginx:eks.accessEntries.ci.namespaces",
            "at least one namespace",
        ],
        [
            "a name that cannot name an AWS resource",
            { "CI Role": { principalArn: CI_ROLE, access: "view" } },
            "stateful-nginx:eks.accessEntries",
            "DNS-1123 label",
        ],
    ];
    for (const [what, entries, key, allowed] of rejected) {
        it(`refuses ${what}, in one line naming the key`, () => {
            const message = configErrorOf(stack(entries));
            assert.ok(!message.includes("\n"), message);
            assert.ok(message.startsWith(`${key}`), `should name ${key}: ${message}`);
            assert.ok(message.includes(allowed), `should say ${allowed}: ${message}`);
        });
    }
});
