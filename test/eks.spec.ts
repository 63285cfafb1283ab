import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { MIN_EKS_VERSION, parseConfig, RawConfig } from "../config";
import { configErrorOf, TEST_ENDPOINT_CIDRS, TEST_SOURCE_RANGES, TEST_ZONES } from "./helpers";
// Plain modules only: importing components/eks itself would load @pulumi/aws.
import { additionalResourceTags, nlbAnnotations, nlbSubnets } from "../components/eks/annotations";
import { nodeTagSpecifications } from "../components/eks/launch-template";
import { nodeZones, strandedVolumesProblem, zoneNodeGroupName, zonesOutsideRegion } from "../components/eks/zones";
import {
    defaultSubnetFilters,
    EKS_UNSUPPORTED_ZONE_IDS,
    endpointAccess,
    INBOUND_RULES_PER_SECURITY_GROUP,
    maxSourceRanges,
    nodeSecurityGroupRules,
} from "../components/eks/network";
import { CLUSTER_ADDONS } from "../components/eks/addon-names";
import { nodeVersionProblem } from "../components/eks/version";
import {
    EBS_CSI_SERVICE_ACCOUNT,
    managedPolicyArn,
    NODE_MANAGED_POLICIES,
    serviceAccountTrustPolicy,
    serviceTrustPolicy,
} from "../components/eks/policies";
import { EBS_CSI_PROVISIONER, ebsCsiConfiguration, gp3Parameters } from "../components/eks/storage-class";
import { awsTags } from "../components/eks/tags";

/** An EKS stack whose `eks` block is `eks`, with the tests' endpoint CIDR and zones unless `eks` names its own. */
const eksStack = (eks: Record<string, unknown>, services?: Record<string, unknown>): RawConfig => ({
    platform: "eks",
    eks: JSON.stringify({ endpointPublicAccessCidrs: [...TEST_ENDPOINT_CIDRS], zones: [...TEST_ZONES], ...eks }),
    services: JSON.stringify(services ?? { loadBalancer: { sourceRanges: [...TEST_SOURCE_RANGES] } }),
});
/** `n` distinct public /32 client ranges. */
const ranges = (n: number) => Array.from({ length: n }, (_, index) => `34.192.0.${index}/32`);
const FIND_ADDRESS = "checkip.amazonaws.com";

describe("eks config", () => {
    it("defaults to t3.medium nodes, 1 <= 1 <= 2 per pinned zone, the oldest supported version, an NLB on the internet", () => {
        const eks = parseConfig(eksStack({})).eks!;
        assert.strictEqual(eks.instanceType, "t3.medium");
        assert.deepStrictEqual(eks.zones, [...TEST_ZONES]);
        assert.deepStrictEqual(eks.nodesPerZone, { min: 1, desired: 1, max: 2 });
        assert.strictEqual(eks.allowEndpointFromAnywhere, false);
        assert.strictEqual(eks.version, MIN_EKS_VERSION);
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

    for (const version of ["1.34", "1.35", "1.36", "1.40", "1.100"]) {
        it(`accepts ${version}: versions are not a closed list a STANDARD auto-upgrade could outgrow`, () => {
            assert.strictEqual(parseConfig(eksStack({ version })).eks!.version, version);
        });
    }

    it("accepts private node subnets beside the public ones", () => {
        const eks = parseConfig(
            eksStack({
                vpcId: "vpc-0abc123",
                subnetIds: ["subnet-0a1", "subnet-0b2"],
                privateSubnetIds: ["subnet-0c3", "subnet-0d4"],
            }),
        ).eks!;
        assert.deepStrictEqual(eks.privateSubnetIds, ["subnet-0c3", "subnet-0d4"]);
    });

    it("accepts an internal NLB with its clients' private ranges", () => {
        const config = parseConfig(
            eksStack({ loadBalancerScheme: "internal" }, { loadBalancer: { sourceRanges: ["10.0.0.0/16"] } }),
        );
        assert.deepStrictEqual(config.services.loadBalancer.sourceRanges, ["10.0.0.0/16"]);
    });

    it("accepts as many client ranges as the nodes' security group holds, and no more", () => {
        const max = maxSourceRanges({ loadBalancers: 1, ports: 1, zones: TEST_ZONES.length });
        assert.strictEqual(max, 28);
        const config = parseConfig(eksStack({}, { loadBalancer: { sourceRanges: ranges(max) } }));
        assert.strictEqual(config.services.loadBalancer.sourceRanges.length, max);
        assert.match(
            configErrorOf(eksStack({}, { loadBalancer: { sourceRanges: ranges(max + 1) } })),
            /^stateful-nginx:services\.loadBalancer\.sourceRanges: got .*; lists 29 ranges; at most 28 fit: with 1 load balancer\(s\) in 2 zone\(s\), each range adds 2 inbound rules to the nodes' security group, whose default quota is 60; merge ranges into larger CIDRs$/,
        );
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
        ["a version out of standard support", { version: "1.29" }, "version", '"1.29"', "at least 1.34"],
        [
            "a version as a number that is not supported",
            { version: 1.4 },
            "version",
            '"1.4"',
            "quoted (a bare 1.40 reads as 1.4)",
        ],
        ["a version that is not 1.x", { version: "2.0" }, "version", '"2.0"', "such as 1.35"],
        ["a version with a patch number", { version: "1.35.2" }, "version", '"1.35.2"', "such as 1.35"],
        [
            "no zones (they are pinned, not chosen)",
            { zones: undefined },
            "zones",
            "nothing",
            "is required: the Availability Zone IDs",
        ],
        [
            "a zone name instead of its ID",
            { zones: ["us-east-1a", "use1-az1"] },
            "zones[0]",
            '"us-east-1a"',
            "IDs, not names",
        ],
        ["a zone listed twice", { zones: ["use1-az1", "use1-az1"] }, "zones", '["use1-az1","use1-az1"]', "twice"],
        ["a Local Zone", { zones: ["usw2-lax1-az1"] }, "zones[0]", '"usw2-lax1-az1"', "Availability Zone ID"],
        ["the old zoneCount", { zoneCount: 2 }, "zoneCount", "2", "is replaced by zones"],
        [
            "private subnets without public ones",
            { privateSubnetIds: ["subnet-0c", "subnet-0d"] },
            "subnetIds",
            "nothing",
            "required when privateSubnetIds",
        ],
        [
            "a subnet that is both public and private",
            { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"], privateSubnetIds: ["subnet-0c", "subnet-0a"] },
            "privateSubnetIds[1]",
            '"subnet-0a"',
            "in subnetIds too",
        ],
        [
            "more zones than private node subnets",
            {
                vpcId: "vpc-0abc",
                subnetIds: ["subnet-0a", "subnet-0b"],
                privateSubnetIds: ["subnet-0c"],
            },
            "zones",
            '["use1-az6","use1-az1"]',
            "privateSubnetIds (1)",
        ],
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
        ["no zone", { zones: [] }, "zones", "[]", "at least one"],
        [
            "more zones than a region has",
            { zones: ["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6", "use1-az7"] },
            "zones",
            '["use1-az1","use1-az2","use1-az3","use1-az4","use1-az5","...',
            "at most 6",
        ],
        [
            "more zones than configured subnets",
            { zones: ["use1-az1", "use1-az2", "use1-az4"], vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] },
            "zones",
            '["use1-az1","use1-az2","use1-az4"]',
            "subnetIds (2)",
        ],
        ["zones as text", { zones: "use1-az1" }, "zones", '"use1-az1"', "list of Availability Zone IDs"],
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
            { vpcId: "vpc-0abc", subnetIds: ["subnet-0a"], zones: ["use1-az1"] },
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

    const rejectedClients: [
        what: string,
        eks: Record<string, unknown>,
        services: Record<string, unknown>,
        key: string,
        value: string,
        allowed: string,
    ][] = [
        [
            "an internal NLB with no client ranges (the node port would be open to 0.0.0.0/0)",
            { loadBalancerScheme: "internal" },
            { loadBalancer: { sourceRanges: [] } },
            "services.loadBalancer.sourceRanges",
            "[]",
            "is required on EKS for an internal load balancer too: with none, cloud-provider-aws opens the node port to 0.0.0.0/0",
        ],
        [
            "an internet-facing NLB with no client ranges",
            {},
            { loadBalancer: { sourceRanges: [] } },
            "services.loadBalancer.sourceRanges",
            "[]",
            "is required for an internet-facing load balancer on EKS",
        ],
        [
            "an IPv6 client range, which the controller writes into an IPv4 rule",
            {},
            { loadBalancer: { sourceRanges: ["34.192.0.0/12", "2600:1f18::/32"] } },
            "services.loadBalancer.sourceRanges[1]",
            '"2600:1f18::/32"',
            "must be an IPv4 CIDR on EKS",
        ],
        [
            "more client ranges than fit once a LoadBalancer exposure doubles the rules",
            {},
            {
                loadBalancer: { sourceRanges: ranges(19) },
                exposures: [{ name: "web-lb", from: "clusterip", type: "LoadBalancer" }],
            },
            "services.loadBalancer.sourceRanges",
            '["34.192.0.0/32"',
            "at most 18 fit: with 2 load balancer(s) in 2 zone(s), each range adds 3 inbound rules",
        ],
        [
            "more client ranges than fit with more zones",
            { zones: ["use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"] },
            { loadBalancer: { sourceRanges: ranges(28) } },
            "services.loadBalancer.sourceRanges",
            '["34.192.0.0/32"',
            "at most 27 fit",
        ],
    ];

    describe("rejects load balancer clients the cloud controller cannot apply, in one line,", () => {
        for (const [what, eks, services, key, value, allowed] of rejectedClients) {
            it(what, () => {
                const message = configErrorOf(eksStack(eks, services));
                assert.ok(!message.includes("\n"), `not one line: ${message}`);
                assert.ok(message.startsWith(`stateful-nginx:${key}: `), `should name ${key}: ${message}`);
                assert.ok(message.includes(`got ${value}`), `should show ${value}: ${message}`);
                assert.ok(message.includes(allowed), `should say what is allowed (${allowed}): ${message}`);
            });
        }
    });

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
            { id: "subnet-0c", zoneId: "use1-az2" },
            { id: "subnet-0a2", zoneId: "use1-az6" },
            { id: "subnet-0b", zoneId: "use1-az1" },
            { id: "subnet-0a1", zoneId: "use1-az6" },
        ];

        it("takes exactly the pinned zones, in their order, whatever order AWS lists the subnets in", () => {
            assert.deepStrictEqual(nodeZones(subnets, ["use1-az6", "use1-az1"], "eks.subnetIds"), [
                { zoneId: "use1-az6", subnetIds: ["subnet-0a1", "subnet-0a2"] },
                { zoneId: "use1-az1", subnetIds: ["subnet-0b"] },
            ]);
            assert.deepStrictEqual(
                nodeZones([...subnets].reverse(), ["use1-az6", "use1-az1"], "eks.subnetIds"),
                nodeZones(subnets, ["use1-az6", "use1-az1"], "eks.subnetIds"),
            );
        });

        it("never moves a zone when a subnet in a zone earlier by name appears", () => {
            const added = [...subnets, { id: "subnet-0new", zoneId: "use1-az4" }];
            assert.deepStrictEqual(
                nodeZones(added, ["use1-az6", "use1-az1"], "eks.subnetIds"),
                nodeZones(subnets, ["use1-az6", "use1-az1"], "eks.subnetIds"),
            );
        });

        it("refuses, naming the zone's index in eks.zones, a zone none of the subnets lies in", () => {
            assert.throws(
                () => nodeZones(subnets, ["use1-az6", "use1-az5"], "eks.privateSubnetIds"),
                /^Error: stateful-nginx:eks\.zones\[1\]: got use1-az5; eks\.privateSubnetIds has no subnet there \(its zones: use1-az1, use1-az2, use1-az6\)/,
            );
        });

        it("names each node group by its zone", () => {
            assert.strictEqual(zoneNodeGroupName("eks-nodes", "use1-az6"), "eks-nodes-use1-az6");
        });

        it("refuses zone IDs of another region", () => {
            const region = [
                { name: "us-east-1a", zoneId: "use1-az6" },
                { name: "us-east-1b", zoneId: "use1-az1" },
            ];
            assert.strictEqual(zonesOutsideRegion(["use1-az1"], region), undefined);
            assert.strictEqual(
                zonesOutsideRegion(["use1-az1", "euw1-az1"], region),
                "stateful-nginx:eks.zones[1]: got euw1-az1; the region's zones where EKS runs are use1-az6 (us-east-1a), use1-az1 (us-east-1b)",
            );
        });

        it("refuses to leave the stack's volumes in a zone without nodes, naming zone and volumes", () => {
            const zone = { name: "us-east-1c", zoneId: "use1-az2" };
            assert.strictEqual(strandedVolumesProblem(["use1-az1"], [{ zone, volumeIds: [] }]), undefined);
            const problem = strandedVolumesProblem(["use1-az1"], [{ zone, volumeIds: ["vol-2", "vol-1"] }]);
            assert.match(
                problem!,
                /^stateful-nginx:eks\.zones: got \[use1-az1\]; use1-az2 \(us-east-1c\) holds vol-1, vol-2, volumes of this stack that would have no node: keep the zone in eks\.zones/,
            );
        });
    });

    describe("the nodes' security group", () => {
        it("holds the NLB rules cloud-provider-aws writes: client and MTU rules per range, health rules per zone", () => {
            // 1 of EKS's own, 2 health-check rules (one per zone's subnet), 2 per range (client + ICMP).
            assert.strictEqual(nodeSecurityGroupRules({ loadBalancers: 1, ports: 1, sourceRanges: 3, zones: 2 }), 9);
        });

        it("caps the ranges at what fits AWS's default quota of inbound rules", () => {
            for (const count of [
                { loadBalancers: 1, ports: 1, zones: 2 },
                { loadBalancers: 2, ports: 1, zones: 3 },
                { loadBalancers: 1, ports: 2, zones: 6 },
            ]) {
                const max = maxSourceRanges(count);
                assert.ok(nodeSecurityGroupRules({ ...count, sourceRanges: max }) <= INBOUND_RULES_PER_SECURITY_GROUP);
                assert.ok(
                    nodeSecurityGroupRules({ ...count, sourceRanges: max + 1 }) > INBOUND_RULES_PER_SECURITY_GROUP,
                );
            }
        });
    });

    describe("nodeVersionProblem", () => {
        it("lets nodes run at or below the control plane's version", () => {
            assert.strictEqual(nodeVersionProblem("1.34", "1.34", "c"), undefined);
            assert.strictEqual(nodeVersionProblem("1.34", "1.35", "c"), undefined);
            assert.strictEqual(nodeVersionProblem("1.9", "1.10", "c"), undefined, "compares numbers, not text");
        });

        it("stops nodes newer than the control plane with the command that steps it, one minor version at a time", () => {
            assert.strictEqual(
                nodeVersionProblem("1.35", "1.34", "prod-x"),
                "stateful-nginx:eks.version: got 1.35; the control plane of prod-x runs 1.34 and nodes may not be newer: run aws eks update-cluster-version --name prod-x --kubernetes-version 1.35 and aws eks wait cluster-active --name prod-x, then pulumi up --refresh",
            );
            assert.match(nodeVersionProblem("1.36", "1.34", "prod-x")!, /--kubernetes-version 1\.35 .*up to 1\.36\)/);
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

    describe("gp3Parameters and the driver's configuration", () => {
        it("asks the EBS CSI driver for encrypted gp3 volumes, with no tags in the class's immutable parameters", () => {
            assert.strictEqual(EBS_CSI_PROVISIONER, "ebs.csi.aws.com");
            assert.deepStrictEqual(gp3Parameters(), { type: "gp3", encrypted: "true" });
        });

        it("tags every volume through the driver's extra tags, in a stable order", () => {
            const values = ebsCsiConfiguration({ team: "web", environment: "prod" });
            assert.strictEqual(values, '{"controller":{"extraVolumeTags":{"environment":"prod","team":"web"}}}');
            assert.strictEqual(values, ebsCsiConfiguration({ environment: "prod", team: "web" }));
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

    it("name every addon in the upgrade steps", () => {
        const operations = read("docs/operations.md");
        const steps = operations.slice(operations.indexOf("## EKS: a new Kubernetes version"));
        for (const addon of CLUSTER_ADDONS) assert.match(steps, new RegExp(`\\b${addon}\\b`), addon);
        for (const addon of CLUSTER_ADDONS) assert.match(eksSection, new RegExp(`\\b${addon}\\b`), addon);
    });

    it("say the kubeconfig holds no credentials and that pulumi-eks keeps its own copy in plain state", () => {
        assert.match(eksSection, /holds no credentials/);
        assert.match(eksSection, /pulumi-eks\s+keeps its own copy[^.]*in plain state/);
    });
});
