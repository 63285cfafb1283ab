import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseConfig, RawConfig, SUPPORTED_EKS_VERSIONS } from "../config";
import { configErrorOf, TEST_ENDPOINT_CIDRS, TEST_SOURCE_RANGES } from "./helpers";
// Plain modules only: importing components/eks itself would load @pulumi/aws.
import { additionalResourceTags, nlbAnnotations, nlbSubnets } from "../components/eks/annotations";
import { nodeTagSpecifications } from "../components/eks/launch-template";
import { nodeZones, surgeNodesPerGroup } from "../components/eks/zones";
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

/** An EKS stack whose `eks` block is `eks`, with the tests' endpoint CIDR unless `eks` names its own. */
const eksStack = (eks: Record<string, unknown>): RawConfig => ({
    platform: "eks",
    eks: JSON.stringify({ endpointPublicAccessCidrs: [...TEST_ENDPOINT_CIDRS], ...eks }),
    services: JSON.stringify({ loadBalancer: { sourceRanges: [...TEST_SOURCE_RANGES] } }),
});
const FIND_ADDRESS = "checkip.amazonaws.com";

describe("eks config", () => {
    it("defaults to t3.medium nodes in 2 zones, 1 <= 1 <= 2 per zone, a supported version, an NLB on the internet", () => {
        const eks = parseConfig(eksStack({})).eks!;
        assert.strictEqual(eks.instanceType, "t3.medium");
        assert.strictEqual(eks.zoneCount, 2);
        assert.deepStrictEqual(eks.nodesPerZone, { min: 1, desired: 1, max: 2 });
        assert.strictEqual(eks.allowEndpointFromAnywhere, false);
        assert.ok((SUPPORTED_EKS_VERSIONS as readonly string[]).includes(eks.version));
        assert.strictEqual(eks.loadBalancerScheme, "internet-facing");
        assert.strictEqual(eks.vpcId, undefined);
    });

    it("opens the endpoint to 0.0.0.0/0 only with allowEndpointFromAnywhere", () => {
        const eks = parseConfig(
            eksStack({ endpointPublicAccessCidrs: ["0.0.0.0/0"], allowEndpointFromAnywhere: true }),
        ).eks!;
        assert.deepStrictEqual(eks.endpointPublicAccessCidrs, ["0.0.0.0/0"]);
    });

    for (const cidr of ["100.24.0.0/13", "52.94.76.10/32", "192.0.0.0/8", "198.0.0.0/8"]) {
        it(`accepts the public endpoint CIDR ${cidr} (larger blocks may hold a documentation range)`, () => {
            const eks = parseConfig(eksStack({ endpointPublicAccessCidrs: [cidr] })).eks!;
            assert.deepStrictEqual(eks.endpointPublicAccessCidrs, [cidr]);
        });
    }

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
                nodesPerZone: { min: 2, desired: 2, max: 2 },
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
        ["a zone with no nodes", { nodesPerZone: { min: 0 } }, "nodesPerZone.min", "0", "at least 1"],
        ["half a node", { nodesPerZone: { desired: 1.5 } }, "nodesPerZone.desired", "1.5", "whole number"],
        [
            "a minimum above the desired size",
            { nodesPerZone: { min: 3, desired: 2, max: 3 } },
            "nodesPerZone.desired",
            "2",
            "min (3)",
        ],
        [
            "a desired size above the maximum",
            { nodesPerZone: { desired: 4, max: 3 } },
            "nodesPerZone.max",
            "3",
            "desired (4)",
        ],
        ["no zone", { zoneCount: 0 }, "zoneCount", "0", "at least 1"],
        ["more zones than a region has", { zoneCount: 7 }, "zoneCount", "7", "at most 6"],
        [
            "more zones than configured subnets",
            { zoneCount: 3, vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] },
            "zoneCount",
            "3",
            "number of subnetIds (2)",
        ],
        ["a zone count as text", { zoneCount: "two" }, "zoneCount", '"two"', "number"],
        [
            "an unknown key of nodesPerZone",
            { nodesPerZone: { maximum: 3 } },
            "nodesPerZone.maximum",
            "an unknown key",
            "allowed keys are min, desired, max",
        ],
        [
            "a world-open opt-in that is not a boolean",
            { allowEndpointFromAnywhere: "yes" },
            "allowEndpointFromAnywhere",
            '"yes"',
            "must be true or false",
        ],
        ["the old total minSize", { minSize: 1 }, "minSize", "1", "nodesPerZone.min"],
        ["the old total desiredSize", { desiredSize: 2 }, "desiredSize", "2", "nodesPerZone.desired"],
        ["the old total maxSize", { maxSize: 3 }, "maxSize", "3", "nodesPerZone.max"],
        ["a fixed node group name", { nodeGroupName: "web" }, "nodeGroupName", '"web"', "generated names"],
        [
            "no endpoint CIDRs at all (the shipped prod file)",
            { endpointPublicAccessCidrs: undefined },
            "endpointPublicAccessCidrs",
            "nothing",
            `is required: the CIDRs that may reach the Kubernetes API; list your own public address, e.g. $(curl -s https://${FIND_ADDRESS})/32`,
        ],
        [
            "an empty endpoint CIDR list",
            { endpointPublicAccessCidrs: [] },
            "endpointPublicAccessCidrs",
            "[]",
            FIND_ADDRESS,
        ],
        [
            "an endpoint open to the whole internet",
            { endpointPublicAccessCidrs: ["0.0.0.0/0"] },
            "endpointPublicAccessCidrs[0]",
            '"0.0.0.0/0"',
            "allowEndpointFromAnywhere: true",
        ],
        [
            "a length-0 block written from another address, which is the whole internet too",
            { endpointPublicAccessCidrs: ["1.2.3.4/0"] },
            "endpointPublicAccessCidrs[0]",
            '"1.2.3.4/0"',
            "opens the Kubernetes API to the whole internet",
        ],
        [
            "an endpoint open to the whole IPv6 internet",
            { endpointPublicAccessCidrs: ["::/0"], allowEndpointFromAnywhere: true },
            "endpointPublicAccessCidrs[0]",
            '"::/0"',
            "IPv4",
        ],
        ...(["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "203.0.113.8/29"] as const).map(
            (cidr): [string, Record<string, unknown>, string, string, string] => [
                `the documentation range ${cidr} (RFC 5737)`,
                { endpointPublicAccessCidrs: ["100.24.0.0/13", cidr] },
                "endpointPublicAccessCidrs[1]",
                `"${cidr}"`,
                FIND_ADDRESS,
            ],
        ),
        [
            "the IPv6 documentation range (RFC 3849)",
            { endpointPublicAccessCidrs: ["2001:db8::/32"] },
            "endpointPublicAccessCidrs[0]",
            '"2001:db8::/32"',
            "RFC 3849",
        ],
        [
            "a private range the public endpoint never sees",
            { endpointPublicAccessCidrs: ["10.0.0.0/8"] },
            "endpointPublicAccessCidrs[0]",
            '"10.0.0.0/8"',
            "private",
        ],
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
            { endpointPublicAccessCidrs: ["100.24.0.0/13", "52.0.0.7/24"] },
            "endpointPublicAccessCidrs[1]",
            '"52.0.0.7/24"',
            "host bits zero",
        ],
        [
            "an IPv6 endpoint CIDR on an IPv4 cluster",
            { endpointPublicAccessCidrs: ["2600:1f18::/32"] },
            "endpointPublicAccessCidrs[0]",
            '"2600:1f18::/32"',
            "IPv4",
        ],
        [
            "a tag value with '=' (the NLB annotation splits on it)",
            { tags: { team: "a=b" } },
            "tags.team",
            '"a=b"',
            "_.:/+-@",
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
        [
            "a single subnet",
            { vpcId: "vpc-0abc", subnetIds: ["subnet-0a"], zoneCount: 1 },
            "subnetIds",
            '["subnet-0a"]',
            "two",
        ],
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
        const tags = { "stateful-nginx:stack": "prod", environment: "prod" };

        it("asks cloud-provider-aws for an NLB, reachable from the internet, tagged with the stack's tags", () => {
            assert.deepStrictEqual(nlbAnnotations("internet-facing", tags), {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-internal": "false",
                "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags":
                    "environment=prod,stateful-nginx:stack=prod",
            });
        });

        it("makes the NLB internal when the scheme is internal", () => {
            const annotations = nlbAnnotations("internal", tags);
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        });

        it("writes tags as the controller parses them: key=value pairs split on ',' then '='", () => {
            const value = additionalResourceTags({ team: "web shop", "cost:center": "42" });
            assert.strictEqual(value, "cost:center=42,team=web shop");
            // The parse of cloud-provider-aws v1.34.0 getKeyValuePropertiesFromAnnotation, step by step.
            const parsed = Object.fromEntries(value.split(",").map((pair) => pair.trim().split("=").slice(0, 2)));
            assert.deepStrictEqual(parsed, { team: "web shop", "cost:center": "42" });
        });

        it("pins the NLB to one subnet per node zone", () => {
            assert.strictEqual(
                nlbSubnets([{ subnetIds: ["subnet-0a1", "subnet-0a2"] }, { subnetIds: ["subnet-0b1"] }]),
                "subnet-0a1,subnet-0b1",
            );
        });
    });

    describe("nodeZones", () => {
        const subnets = [
            { id: "subnet-0c", zone: "us-east-1c" },
            { id: "subnet-0a2", zone: "us-east-1a" },
            { id: "subnet-0b", zone: "us-east-1b" },
            { id: "subnet-0a1", zone: "us-east-1a" },
        ];

        it("takes the first zones by name, whatever order AWS lists the subnets in, with all their subnets", () => {
            assert.deepStrictEqual(nodeZones(subnets, 2), [
                { zone: "us-east-1a", subnetIds: ["subnet-0a1", "subnet-0a2"] },
                { zone: "us-east-1b", subnetIds: ["subnet-0b"] },
            ]);
            assert.deepStrictEqual(nodeZones([...subnets].reverse(), 2), nodeZones(subnets, 2));
        });

        it("refuses, naming eks.zoneCount, more zones than the subnets span", () => {
            assert.throws(
                () => nodeZones(subnets, 4),
                /^Error: stateful-nginx:eks\.zoneCount: got 4; the cluster's subnets span only 3 zone\(s\)/,
            );
        });

        it("costs two surge nodes per group while a group updates (one zone, maxUnavailable 1)", () => {
            assert.strictEqual(surgeNodesPerGroup(1), 2);
            assert.strictEqual(surgeNodesPerGroup(3), 3);
        });
    });

    describe("nodeTagSpecifications", () => {
        it("tags each instance, its volumes and its network interface at launch", () => {
            const tags = { "stateful-nginx:stack": "prod" };
            assert.deepStrictEqual(nodeTagSpecifications(tags), [
                { resourceType: "instance", tags },
                { resourceType: "volume", tags },
                { resourceType: "network-interface", tags },
            ]);
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

describe("EKS docs (docs/eks.md), comments and the prod stack file", () => {
    const root = path.resolve(__dirname, "..");
    const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
    const docs = ["README.md", "CONTRIBUTING.md", ...fs.readdirSync(path.join(root, "docs")).map((f) => `docs/${f}`)];
    const eksSection = read("docs/eks.md");
    const sources = fs
        .readdirSync(path.join(root, "components/eks"))
        .map((file) => [`components/eks/${file}`, read(`components/eks/${file}`)] as const);
    const texts: (readonly [string, string])[] = [
        ...docs.filter((file) => file.endsWith(".md")).map((file) => [file, read(file)] as const),
        ["Pulumi.prod.yaml", read("Pulumi.prod.yaml")],
        ...sources,
    ];

    it("never credit the in-tree cloud provider with what EKS's external cloud-provider-aws does", () => {
        for (const [file, text] of texts) {
            assert.doesNotMatch(text, /\bthe in-tree (AWS )?(cloud )?(provider|controller)\b(?! left)/i, file);
        }
        assert.match(eksSection, /legacy Service controller of the external cloud-provider-aws/);
    });

    it("promise no scaling: nothing scales without an autoscaler", () => {
        for (const [file, text] of texts) assert.doesNotMatch(text, /scales? out/i, file);
        assert.match(eksSection, /no autoscaler is installed/);
    });

    it("say the kubeconfig holds no credentials and that pulumi-eks keeps its own copy in plain state", () => {
        assert.match(eksSection, /holds no credentials/);
        assert.match(eksSection, /pulumi-eks\s+keeps its own copy[^.]*in plain state/);
    });
});
