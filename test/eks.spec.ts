import * as assert from "assert";
import { parseConfig, RawConfig, SUPPORTED_EKS_VERSIONS } from "../config";
import { configErrorOf } from "./helpers";
// Plain modules only: importing components/eks itself would load @pulumi/aws.
import { nlbAnnotations } from "../components/eks/annotations";
import { defaultSubnetFilters, EKS_UNSUPPORTED_ZONE_IDS, endpointAccess } from "../components/eks/network";
import {
    EBS_CSI_SERVICE_ACCOUNT,
    managedPolicyArn,
    NODE_MANAGED_POLICIES,
    serviceAccountTrustPolicy,
    serviceTrustPolicy,
} from "../components/eks/policies";
import { EBS_CSI_PROVISIONER, gp3Parameters } from "../components/eks/storage-class";
import { awsTags } from "../components/eks/tags";

/** An EKS stack whose `eks` block is `eks`. */
const eksStack = (eks: Record<string, unknown>): RawConfig => ({ platform: "eks", eks: JSON.stringify(eks) });

describe("eks config", () => {
    it("defaults to eksctl's managed group: t3.medium, 1 <= 2 <= 3, a supported version, an NLB on the internet", () => {
        const eks = parseConfig(eksStack({})).eks!;
        assert.strictEqual(eks.instanceType, "t3.medium");
        assert.deepStrictEqual([eks.minSize, eks.desiredSize, eks.maxSize], [1, 2, 3]);
        assert.ok((SUPPORTED_EKS_VERSIONS as readonly string[]).includes(eks.version));
        assert.strictEqual(eks.loadBalancerScheme, "internet-facing");
        assert.strictEqual(eks.vpcId, undefined);
    });

    it("reads a version YAML parsed as a number as the version it names", () => {
        assert.strictEqual(parseConfig(eksStack({ version: 1.35 })).eks!.version, "1.35");
    });

    for (const instanceType of ["t3.medium", "m7g.large", "c6in.2xlarge", "u-6tb1.metal", "mac2-m2.metal"]) {
        it(`accepts the instance type ${instanceType}`, () => {
            assert.strictEqual(parseConfig(eksStack({ instanceType })).eks!.instanceType, instanceType);
        });
    }

    it("accepts equal sizes, an existing VPC with its subnets and an internal NLB", () => {
        const eks = parseConfig(
            eksStack({
                minSize: 2,
                desiredSize: 2,
                maxSize: 2,
                vpcId: "vpc-0abc123",
                subnetIds: ["subnet-0a1", "subnet-0b2"],
                loadBalancerScheme: "internal",
            }),
        ).eks!;
        assert.deepStrictEqual(eks.subnetIds, ["subnet-0a1", "subnet-0b2"]);
        assert.strictEqual(eks.loadBalancerScheme, "internal");
    });

    const rejected: [what: string, eks: Record<string, unknown>, key: string, value: string, allowed: string][] = [
        ["a version out of standard support", { version: "1.29" }, "version", '"1.29"', "1.34, 1.35"],
        ["a version as a number that is not supported", { version: 1.2 }, "version", '"1.2"', "1.34, 1.35"],
        ["an empty instance type", { instanceType: "" }, "instanceType", '""', "EC2 instance type"],
        ["an instance type without a size", { instanceType: "t3medium" }, "instanceType", '"t3medium"', "t3.medium"],
        ["an instance type in capitals", { instanceType: "T3.MEDIUM" }, "instanceType", '"T3.MEDIUM"', "lower case"],
        ["a node group of no nodes", { minSize: 0 }, "minSize", "0", "at least 1"],
        ["half a node", { desiredSize: 1.5 }, "desiredSize", "1.5", "whole number"],
        ["a minimum above the desired size", { minSize: 3, desiredSize: 2 }, "desiredSize", "2", "minSize (3)"],
        ["a desired size above the maximum", { desiredSize: 4, maxSize: 3 }, "maxSize", "3", "desiredSize (4)"],
        [
            "no endpoint CIDR at all",
            { endpointPublicAccessCidrs: [] },
            "endpointPublicAccessCidrs",
            "[]",
            "at least one",
        ],
        [
            "an endpoint CIDR that does not parse",
            { endpointPublicAccessCidrs: ["office"] },
            "endpointPublicAccessCidrs[0]",
            '"office"',
            "CIDR",
        ],
        [
            "an endpoint CIDR with host bits set",
            { endpointPublicAccessCidrs: ["203.0.113.0/24", "198.51.100.7/24"] },
            "endpointPublicAccessCidrs[1]",
            '"198.51.100.7/24"',
            "host bits zero",
        ],
        [
            "an IPv6 endpoint CIDR on an IPv4 cluster",
            { endpointPublicAccessCidrs: ["2001:db8::/32"] },
            "endpointPublicAccessCidrs[0]",
            '"2001:db8::/32"',
            "IPv4",
        ],
        [
            "a malformed VPC id",
            { vpcId: "default", subnetIds: ["subnet-0a", "subnet-0b"] },
            "vpcId",
            '"default"',
            "vpc-",
        ],
        ["subnets without their VPC", { subnetIds: ["subnet-0a", "subnet-0b"] }, "vpcId", "nothing", "subnetIds"],
        ["a VPC without subnets", { vpcId: "vpc-0abc" }, "subnetIds", "nothing", "required when vpcId"],
        ["a single subnet", { vpcId: "vpc-0abc", subnetIds: ["subnet-0a"] }, "subnetIds", '["subnet-0a"]', "two"],
        [
            "a subnet listed twice",
            { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0a"] },
            "subnetIds",
            '["subnet-0a","subnet-0a"]',
            "twice",
        ],
        ["a tag in the reserved aws: space", { tags: { "aws:owner": "me" } }, "tags.aws:owner", '"aws:owner"', "aws:"],
        ["a tag key with '='", { tags: { "a=b": "c" } }, "tags.a=b", '"a=b"', "letters"],
        ["an unknown NLB scheme", { loadBalancerScheme: "public" }, "loadBalancerScheme", '"public"', "internal"],
        ["an unknown key", { nodes: 2 }, "nodes", "an unknown key", "allowed keys are version, instanceType"],
    ];

    describe("rejects before any resource exists, in one line,", () => {
        for (const [what, eks, key, value, allowed] of rejected) {
            it(what, () => {
                const message = configErrorOf(eksStack(eks));
                assert.ok(!message.includes("\n"), `not one line: ${message}`);
                const fullKey = key === "eks" ? "stateful-nginx:eks" : `stateful-nginx:eks.${key}`;
                assert.ok(message.startsWith(`${fullKey}: `), `should name ${fullKey}: ${message}`);
                assert.ok(message.includes(`got ${value}`), `should show ${value}: ${message}`);
                assert.ok(message.includes(allowed), `should say what is allowed (${allowed}): ${message}`);
            });
        }
    });
});

describe("eks plain decisions", () => {
    describe("nlbAnnotations", () => {
        it("asks the AWS cloud provider for an NLB, reachable from the internet", () => {
            assert.deepStrictEqual(nlbAnnotations("internet-facing"), {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-internal": "false",
            });
        });

        it("makes the NLB internal when the scheme is internal", () => {
            const annotations = nlbAnnotations("internal");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        });
    });

    describe("endpointAccess", () => {
        it("limits the public endpoint to the CIDRs and keeps a private one for the nodes", () => {
            const cidrs = ["203.0.113.0/24", "198.51.100.0/24"];
            const access = endpointAccess(cidrs);
            assert.deepStrictEqual(access.publicAccessCidrs, cidrs);
            assert.notStrictEqual(access.publicAccessCidrs, cidrs, "a copy, not the config's own array");
            assert.strictEqual(access.endpointPublicAccess, true);
            assert.strictEqual(access.endpointPrivateAccess, true);
        });
    });

    describe("default network", () => {
        it("leaves out the Availability Zones where EKS cannot run a control plane", () => {
            assert.ok(EKS_UNSUPPORTED_ZONE_IDS.includes("use1-az3"));
        });

        it("selects the VPC's default subnets in the given zones", () => {
            const filters = defaultSubnetFilters("vpc-0abc", ["us-east-1a", "us-east-1b"]);
            const byName = Object.fromEntries(filters.map((filter) => [filter.name, filter.values]));
            assert.deepStrictEqual(byName, {
                "vpc-id": ["vpc-0abc"],
                "default-for-az": ["true"],
                "availability-zone": ["us-east-1a", "us-east-1b"],
            });
        });
    });

    describe("IAM policies", () => {
        it("names managed policies in the caller's partition", () => {
            assert.strictEqual(
                managedPolicyArn("aws", "AmazonEKS_CNI_Policy"),
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            );
            assert.strictEqual(
                managedPolicyArn("aws-us-gov", "AmazonEBSCSIDriverPolicy"),
                "arn:aws-us-gov:iam::aws:policy/AmazonEBSCSIDriverPolicy",
            );
        });

        it("gives nodes exactly what they need to join, network and pull images", () => {
            assert.deepStrictEqual([...NODE_MANAGED_POLICIES].sort(), [
                "AmazonEC2ContainerRegistryReadOnly",
                "AmazonEKSWorkerNodePolicy",
                "AmazonEKS_CNI_Policy",
            ]);
        });

        it("lets only the named service principal assume a service role", () => {
            const [statement] = serviceTrustPolicy("ec2.amazonaws.com").Statement;
            assert.deepStrictEqual(statement.Principal, { Service: "ec2.amazonaws.com" });
            assert.strictEqual(statement.Action, "sts:AssumeRole");
        });

        it("trusts one service account of one cluster, for STS only", () => {
            const policy = serviceAccountTrustPolicy({
                oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                namespace: EBS_CSI_SERVICE_ACCOUNT.namespace,
                serviceAccount: EBS_CSI_SERVICE_ACCOUNT.name,
            });
            assert.strictEqual(policy.Statement.length, 1);
            const [statement] = policy.Statement;
            assert.deepStrictEqual(statement.Principal, {
                Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            });
            assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
            // The condition keys are the issuer without its scheme, as IAM expects.
            assert.deepStrictEqual(statement.Condition, {
                StringEquals: {
                    "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":
                        "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                    "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                },
            });
        });
    });

    describe("gp3Parameters", () => {
        it("asks the EBS CSI driver for encrypted gp3 volumes", () => {
            assert.strictEqual(EBS_CSI_PROVISIONER, "ebs.csi.aws.com");
            assert.deepStrictEqual(gp3Parameters({}), { type: "gp3", encrypted: "true" });
        });

        it("tags every volume, numbering the tags in a stable order", () => {
            const parameters = gp3Parameters({ team: "web", environment: "prod" });
            assert.strictEqual(parameters.tagSpecification_1, "environment=prod");
            assert.strictEqual(parameters.tagSpecification_2, "team=web");
            assert.strictEqual(parameters.tagSpecification_3, undefined);
        });
    });

    describe("awsTags", () => {
        it("tags every resource with its stack, and the user's tags win", () => {
            assert.deepStrictEqual(awsTags({ team: "web" }, "prod"), { "stateful-nginx:stack": "prod", team: "web" });
            assert.strictEqual(awsTags({ "stateful-nginx:stack": "shared" }, "prod")["stateful-nginx:stack"], "shared");
        });
    });
});
