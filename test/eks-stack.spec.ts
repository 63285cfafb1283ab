import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { mockCallResult, mockResourceState, resetMockAws, setMockAws } from "../tools/mock-state";
import { runProgram } from "../tools/mock-runtime";
import { parseConfig } from "../config";
import { CLUSTER_ADDONS } from "../components/eks/addon-names";
import { GP3_CLASS_NAME } from "../components/eks/storage-class";
import { leaveControlPlaneVersionToEks, clusterTransforms } from "../components/eks/version";
import { isSecret, promiseOf, RegisteredResource, runStack, specOf, StackRun, testStackConfig } from "./helpers";

const CLUSTER = "eks:index:Cluster";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_GROUP = "eks:index:ManagedNodeGroup";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ADDON = "aws:eks/addon:Addon";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const SERVICE = "kubernetes:core/v1:Service";

/* eslint-disable @typescript-eslint/no-explicit-any */
const inputsOf = (resource: RegisteredResource): any => resource.inputs;
/** The prod stack's `eks` block as tests see it, so overrides change one thing at a time. */
const prodEks: Record<string, any> = JSON.parse(testStackConfig("prod").config["stateful-nginx:eks"]);

/** The resource a resource-typed input refers to (e.g. a node group's `cluster`). */
async function referenced(run: StackRun, value: unknown): Promise<RegisteredResource> {
    assert.ok(pulumi.Resource.isInstance(value), `expected a resource reference, got ${String(value)}`);
    return run.byUrn(await promiseOf(value.urn));
}

const nodeGroupsOf = (run: StackRun) => run.ofType(NODE_GROUP);
const only = (run: StackRun, type: string): RegisteredResource => {
    const found = run.ofType(type);
    assert.strictEqual(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
};
const roleOf = (run: StackRun, resource: RegisteredResource): RegisteredResource => {
    const roles = run.ofType(ROLE).filter((role) => role.parent === resource.parent);
    assert.strictEqual(roles.length, 1, `one role beside ${resource.name}`);
    return roles[0];
};
const attachmentsOf = (run: StackRun, role: RegisteredResource) =>
    run.ofType(ATTACHMENT).filter((attachment) => attachment.dependencies.includes(role.urn));
const trustOf = (role: RegisteredResource) => JSON.parse(inputsOf(role).assumeRolePolicy);
/** The EKS addon of that name (`coredns`, `aws-ebs-csi-driver`). */
const addonOf = (run: StackRun, addonName: string): RegisteredResource => {
    const found = run.ofType(ADDON).filter((addon) => inputsOf(addon).addonName === addonName);
    assert.strictEqual(found.length, 1, `expected one ${addonName} addon, found ${found.length}`);
    return found[0];
};
const ebsAddon = (run: StackRun) => addonOf(run, "aws-ebs-csi-driver");
const nlbAnnotationsOf = (run: StackRun): Record<string, string> => (lbService(run).inputs.metadata as any).annotations;
/** The stack's control plane as EKS reports it, running `version` (Pulumi auto-named it from `eks-cluster-eksCluster`). */
const runningCluster = (version: string) => ({
    name: "eks-cluster-eksCluster-0a1b2c3",
    version,
    tags: { "stateful-nginx:stack": "prod" },
});
/** The message a program run stops with (a refusal), or fails if it runs through. */
async function refusalOf(run: Promise<StackRun>): Promise<string> {
    try {
        await run;
    } catch (error) {
        return (error as Error).message;
    }
    return assert.fail("the run went through");
}
const lbService = (run: StackRun) =>
    run.ofType(SERVICE).find((service) => specOf(service).type === "LoadBalancer") ??
    assert.fail("no LoadBalancer Service");

describe("EKS platform on the prod stack", function () {
    // Loading @pulumi/aws and @pulumi/eks takes seconds: evaluate each stack once.
    this.timeout(120_000);
    let prod: StackRun;
    let custom: StackRun;
    const customEks = {
        ...prodEks,
        version: "1.35",
        instanceType: "m6i.large",
        // The configured subnets lie in use1-az4 (subnet-0aaa111) and use1-az1 (subnet-0bbb222) of the mock region.
        zones: ["use1-az4", "use1-az1"],
        nodesPerZone: { min: 2, desired: 3, max: 5 },
        endpointPublicAccessCidrs: ["100.24.0.0/13", "52.0.0.0/11"],
        vpcId: "vpc-0abc123",
        subnetIds: ["subnet-0aaa111", "subnet-0bbb222"],
        loadBalancerScheme: "internal",
    };

    /** Nodes in private subnets: subnet-0ccc100 in use1-az4, subnet-0ddd433 in use1-az1. */
    const privateEks = { ...customEks, privateSubnetIds: ["subnet-0ccc100", "subnet-0ddd433"] };
    let privateNodes: StackRun;
    let privateInternal: StackRun;

    before(async () => {
        prod = await runStack("prod");
        custom = await runStack("prod", { "stateful-nginx:eks": customEks });
        privateNodes = await runStack("prod", {
            "stateful-nginx:eks": { ...privateEks, loadBalancerScheme: "internet-facing" },
        });
        privateInternal = await runStack("prod", { "stateful-nginx:eks": privateEks });
    });
    afterEach(resetMockAws);

    describe("the cluster", () => {
        it("runs the configured Kubernetes version", () => {
            assert.strictEqual(inputsOf(only(prod, CLUSTER)).version, prodEks.version);
            assert.strictEqual(inputsOf(only(custom, CLUSTER)).version, "1.35");
        });

        it("has no default (self-managed) node group, access entries and an OIDC provider", () => {
            const inputs = inputsOf(only(prod, CLUSTER));
            assert.strictEqual(inputs.skipDefaultNodeGroup, true);
            assert.strictEqual(inputs.authenticationMode, "API");
            assert.strictEqual(inputs.createOidcProvider, true);
        });

        it("opens the public endpoint only to the configured CIDRs, and keeps node traffic private", () => {
            const inputs = inputsOf(only(prod, CLUSTER));
            assert.deepStrictEqual(inputs.publicAccessCidrs, prodEks.endpointPublicAccessCidrs);
            assert.strictEqual(inputs.endpointPublicAccess, true);
            assert.strictEqual(inputs.endpointPrivateAccess, true);
            assert.deepStrictEqual(
                inputsOf(only(custom, CLUSTER)).publicAccessCidrs,
                customEks.endpointPublicAccessCidrs,
            );
        });

        it("uses the default VPC's default subnets, without the zones EKS does not support", () => {
            const inputs = inputsOf(only(prod, CLUSTER));
            const vpc = mockCallResult("aws:ec2/getVpc:getVpc", { default: true });
            assert.strictEqual(inputs.vpcId, vpc.id);
            const allZones = mockCallResult("aws:index/getAvailabilityZones:getAvailabilityZones", {});
            const unsupported = allZones.names[allZones.zoneIds.indexOf("use1-az3")];
            const everySubnet = mockCallResult("aws:ec2/getSubnets:getSubnets", {
                filters: [{ name: "availability-zone", values: allZones.names }],
            }).ids as string[];
            const unsupportedSubnet = mockCallResult("aws:ec2/getSubnets:getSubnets", {
                filters: [{ name: "availability-zone", values: [unsupported] }],
            }).ids[0];
            assert.ok(inputs.subnetIds.length >= 2, "EKS needs two zones");
            assert.ok(!inputs.subnetIds.includes(unsupportedSubnet), `${unsupported} has no EKS control plane`);
            assert.deepStrictEqual(
                inputs.subnetIds,
                everySubnet.filter((id) => id !== unsupportedSubnet),
            );
        });

        it("uses the given VPC and subnets when configured", () => {
            const inputs = inputsOf(only(custom, CLUSTER));
            assert.strictEqual(inputs.vpcId, "vpc-0abc123");
            assert.deepStrictEqual(inputs.subnetIds, ["subnet-0aaa111", "subnet-0bbb222"]);
        });

        it("stays on standard support rather than paying for extended support", () => {
            assert.deepStrictEqual(inputsOf(only(prod, CLUSTER)).upgradePolicy, { supportType: "STANDARD" });
        });

        describe("after EKS upgraded the control plane itself (upgrade policy STANDARD)", () => {
            const controlPlane = (version: string) => ({
                custom: true,
                type: "aws:eks/cluster:Cluster",
                name: "eks-cluster-eksCluster",
                props: { version },
                // What pulumi-eks 4.3.0 (cluster/cluster.ts) already ignores on the control plane.
                opts: {
                    ignoreChanges: [
                        "accessConfig.bootstrapClusterCreatorAdminPermissions",
                        "bootstrapSelfManagedAddons",
                    ],
                },
            });

            it("leaves the version of the existing control plane to EKS, so the next up asks for no downgrade", async () => {
                const result = await leaveControlPlaneVersionToEks(controlPlane("1.34"));
                assert.ok(result, "the control plane is transformed");
                assert.deepStrictEqual(result.props, { version: "1.34" }, "a new cluster still starts at eks.version");
                assert.deepStrictEqual([...(result.opts.ignoreChanges ?? [])].sort(), [
                    "accessConfig.bootstrapClusterCreatorAdminPermissions",
                    "bootstrapSelfManagedAddons",
                    "version",
                ]);
            });

            it("leaves the node groups and everything else as they are", async () => {
                const nodeGroup = { ...controlPlane("1.34"), type: "aws:eks/nodeGroup:NodeGroup" };
                assert.strictEqual(await leaveControlPlaneVersionToEks(nodeGroup), undefined);
            });

            it("is handed to the cluster wherever an engine runs transforms (the mock runtime runs none)", () => {
                assert.deepStrictEqual(clusterTransforms(true), [leaveControlPlaneVersionToEks]);
                assert.deepStrictEqual(clusterTransforms(false), []);
            });
        });

        it("tags every AWS resource with the configured tags and the stack", () => {
            const expected = { ...(prodEks.tags as Record<string, string>), "stateful-nginx:stack": "prod" };
            for (const resource of [
                only(prod, CLUSTER),
                ...nodeGroupsOf(prod),
                only(prod, LAUNCH_TEMPLATE),
                ...prod.ofType(ADDON),
                ...prod.ofType(ROLE),
            ]) {
                assert.deepStrictEqual(inputsOf(resource).tags, expected, resource.name);
            }
        });
    });

    describe("the managed node groups", () => {
        /** Each node group's subnets, resolved the way the mock lookups resolve them. */
        const zonesOf = (run: StackRun) =>
            nodeGroupsOf(run).map((group) =>
                (inputsOf(group).subnetIds as string[]).map(
                    (id) => mockCallResult("aws:ec2/getSubnet:getSubnet", { id }).availabilityZone as string,
                ),
            );

        it("are one group per pinned zone of the cluster's subnets, each in a single zone", () => {
            const groups = nodeGroupsOf(prod);
            assert.strictEqual(groups.length, prodEks.zones.length);
            const zones = zonesOf(prod);
            for (const groupZones of zones) assert.strictEqual(new Set(groupZones).size, 1, "one zone per group");
            const distinct = new Set(zones.map((groupZones) => groupZones[0]));
            assert.strictEqual(distinct.size, prodEks.zones.length, "a different zone for each group");
            const clusterSubnets = inputsOf(only(prod, CLUSTER)).subnetIds as string[];
            for (const group of groups) {
                for (const id of inputsOf(group).subnetIds)
                    assert.ok(clusterSubnets.includes(id), `${id} is a cluster subnet`);
            }
            // The default VPC here spans five supported zones: the nodes take the pinned ones, by ID
            // (use1-az1 is us-east-1b and use1-az2 is us-east-1c in the mock account), not the first by name.
            assert.deepStrictEqual(prodEks.zones, ["use1-az1", "use1-az2"]);
            assert.deepStrictEqual(
                zones.map((groupZones) => groupZones[0]),
                ["us-east-1b", "us-east-1c"],
            );
        });

        it("keeps at least one node in every zone, with the configured sizes per zone", () => {
            for (const group of nodeGroupsOf(prod)) {
                assert.deepStrictEqual(inputsOf(group).scalingConfig, {
                    minSize: prodEks.nodesPerZone.min,
                    desiredSize: prodEks.nodesPerZone.desired,
                    maxSize: prodEks.nodesPerZone.max,
                });
                assert.ok(inputsOf(group).scalingConfig.minSize >= 1);
            }
            for (const group of nodeGroupsOf(custom)) {
                assert.deepStrictEqual(inputsOf(group).scalingConfig, { minSize: 2, desiredSize: 3, maxSize: 5 });
            }
        });

        it("takes the configured subnets of each pinned zone, in the order of eks.zones", () => {
            const zones = zonesOf(custom);
            assert.deepStrictEqual(zones, [["us-east-1d"], ["us-east-1b"]]);
            assert.deepStrictEqual(
                nodeGroupsOf(custom).map((group) => inputsOf(group).subnetIds),
                [["subnet-0aaa111"], ["subnet-0bbb222"]],
            );
        });

        it("are named by their zone ID, so no group changes zone when the list or the VPC changes", async () => {
            assert.deepStrictEqual(
                nodeGroupsOf(prod).map((group) => group.name),
                ["eks-nodes-use1-az1", "eks-nodes-use1-az2"],
            );
            // A zone added to the list: the groups already there keep their names and subnets.
            const wider = await runStack("prod", {
                "stateful-nginx:eks": { ...prodEks, zones: [...prodEks.zones, "use1-az4"] },
            });
            const before = nodeGroupsOf(prod).map((group) => [group.name, inputsOf(group).subnetIds]);
            const after = nodeGroupsOf(wider).map((group) => [group.name, inputsOf(group).subnetIds]);
            assert.deepStrictEqual(after.slice(0, before.length), before);
            assert.deepStrictEqual(after[before.length], ["eks-nodes-use1-az4", ["subnet-0mockd"]]);
        });

        it("refuse, in one line, to drop a zone that holds the stack's volumes", async () => {
            setMockAws({
                volumes: [
                    { id: "vol-0kept2", zone: "us-east-1c", tags: { "stateful-nginx:stack": "prod" } },
                    { id: "vol-0other", zone: "us-east-1d", tags: { "stateful-nginx:stack": "staging" } },
                ],
            });
            const message = await refusalOf(
                runStack("prod", { "stateful-nginx:eks": { ...prodEks, zones: ["use1-az1"] } }),
            );
            assert.strictEqual(
                message,
                'stateful-nginx:eks.zones: got [use1-az1]; use1-az2 (us-east-1c) holds vol-0kept2, volumes of this stack that would have no node: keep the zone in eks.zones, or move or delete that data first (docs/operations.md, "EKS: retiring a zone")',
            );
            // Another stack's volume in a zone without nodes is none of this stack's business.
            const run = await runStack("prod", {
                "stateful-nginx:eks": { ...prodEks, zones: ["use1-az1", "use1-az2"] },
            });
            assert.strictEqual(nodeGroupsOf(run).length, 2);
        });

        it("refuse, in one line, a zone ID of another region", async () => {
            const message = await refusalOf(
                runStack("prod", { "stateful-nginx:eks": { ...prodEks, zones: ["use1-az1", "euw1-az2"] } }),
            );
            assert.match(
                message,
                /^stateful-nginx:eks\.zones\[1\]: got euw1-az2; the region's zones where EKS runs are use1-az6 \(us-east-1a\), /,
            );
            assert.ok(!message.includes("\n"), message);
        });

        it("refuse, in one line, a zone none of the node subnets lies in", async () => {
            const message = await refusalOf(
                runStack("prod", { "stateful-nginx:eks": { ...customEks, zones: ["use1-az4", "use1-az6"] } }),
            );
            assert.strictEqual(
                message,
                "stateful-nginx:eks.zones[1]: got use1-az6; eks.subnetIds has no subnet there (its zones: use1-az1, use1-az4): list zones of those subnets",
            );
        });

        it("run in the private subnets when given: no node needs a public address", () => {
            assert.deepStrictEqual(
                nodeGroupsOf(privateNodes).map((group) => inputsOf(group).subnetIds),
                [["subnet-0ccc100"], ["subnet-0ddd433"]],
            );
            // The control plane gets both, so it can reach the nodes and EKS can place its interfaces.
            assert.deepStrictEqual(inputsOf(only(privateNodes, CLUSTER)).subnetIds, [
                ...customEks.subnetIds,
                ...privateEks.privateSubnetIds,
            ]);
        });

        it("rolls one zone at a time: each group waits for the one before it", () => {
            const [first, second] = nodeGroupsOf(prod);
            assert.ok(prod.dependsOn(second, first), `${second.name} waits for ${first.name}`);
            assert.ok(!prod.dependsOn(first, second));
        });

        it("set no node group name, so a replacement is created before the old group is deleted", () => {
            for (const group of [...nodeGroupsOf(prod), ...nodeGroupsOf(custom)]) {
                assert.strictEqual(inputsOf(group).nodeGroupName, undefined, group.name);
                assert.strictEqual(inputsOf(group).nodeGroupNamePrefix, undefined, group.name);
            }
        });

        it("join the cluster", async () => {
            for (const group of nodeGroupsOf(prod)) {
                const cluster = await referenced(prod, inputsOf(group).cluster);
                assert.strictEqual(cluster.urn, only(prod, CLUSTER).urn);
            }
        });

        it("run the configured instance type and Kubernetes version", () => {
            for (const group of nodeGroupsOf(prod)) {
                assert.deepStrictEqual(inputsOf(group).instanceTypes, [prodEks.instanceType]);
                assert.strictEqual(inputsOf(group).version, prodEks.version);
            }
            for (const group of nodeGroupsOf(custom)) {
                assert.deepStrictEqual(inputsOf(group).instanceTypes, ["m6i.large"]);
                assert.strictEqual(inputsOf(group).version, "1.35");
            }
        });

        it("tag every instance, volume and network interface they launch, through their launch template", () => {
            const template = only(prod, LAUNCH_TEMPLATE);
            const expected = { ...(prodEks.tags as Record<string, string>), "stateful-nginx:stack": "prod" };
            const specifications = inputsOf(template).tagSpecifications as { resourceType: string; tags: unknown }[];
            assert.deepStrictEqual(specifications.map((spec) => spec.resourceType).sort(), [
                "instance",
                "network-interface",
                "volume",
            ]);
            for (const spec of specifications) assert.deepStrictEqual(spec.tags, expected, spec.resourceType);
            // Tags only: EKS keeps choosing the AMI and bootstrapping the nodes.
            assert.strictEqual(inputsOf(template).imageId, undefined);
            assert.strictEqual(inputsOf(template).userData, undefined);
            for (const group of nodeGroupsOf(prod)) {
                assert.strictEqual(inputsOf(group).launchTemplate.id, `${template.name}-id`);
                assert.ok(prod.dependsOn(group, template), `${group.name} uses the template`);
            }
        });

        it("run as an EC2 role with the worker, CNI and ECR read-only policies, attached before nodes boot", async () => {
            for (const nodeGroup of nodeGroupsOf(prod)) {
                const role = await referenced(prod, inputsOf(nodeGroup).nodeRole);
                assert.deepStrictEqual(trustOf(role).Statement[0].Principal, { Service: "ec2.amazonaws.com" });
                const attachments = attachmentsOf(prod, role);
                assert.deepStrictEqual(attachments.map((attachment) => inputsOf(attachment).policyArn).sort(), [
                    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
                ]);
                for (const attachment of attachments) {
                    assert.ok(prod.dependsOn(nodeGroup, attachment), `${nodeGroup.name} waits for ${attachment.name}`);
                }
            }
        });
    });

    describe("EBS CSI storage", () => {
        it("installs the aws-ebs-csi-driver addon on this cluster, once nodes can run it", () => {
            const addon = ebsAddon(prod);
            const cluster = only(prod, CLUSTER);
            const clusterState = mockResourceState(CLUSTER, cluster.name, inputsOf(cluster));
            assert.strictEqual(inputsOf(addon).addonName, "aws-ebs-csi-driver");
            assert.strictEqual(inputsOf(addon).clusterName, clusterState.eksCluster.name);
            for (const group of nodeGroupsOf(prod)) assert.ok(prod.dependsOn(addon, group), group.name);
        });

        it("gives the driver an IRSA role only its controller's service account can assume", () => {
            const addon = ebsAddon(prod);
            const role = roleOf(prod, addon);
            const roleState = mockResourceState(ROLE, role.name, inputsOf(role));
            assert.strictEqual(inputsOf(addon).serviceAccountRoleArn, roleState.arn);
            const cluster = only(prod, CLUSTER);
            const clusterState = mockResourceState(CLUSTER, cluster.name, inputsOf(cluster));
            const [statement] = trustOf(role).Statement;
            assert.deepStrictEqual(statement.Principal, { Federated: clusterState.oidcProviderArn });
            assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
            assert.deepStrictEqual(statement.Condition.StringEquals, {
                [`${clusterState.oidcIssuer}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                [`${clusterState.oidcIssuer}:aud`]: "sts.amazonaws.com",
            });
        });

        it("attaches AmazonEBSCSIDriverPolicy to that role before the addon starts", () => {
            const addon = ebsAddon(prod);
            const attachments = attachmentsOf(prod, roleOf(prod, addon));
            assert.deepStrictEqual(
                attachments.map((attachment) => inputsOf(attachment).policyArn),
                ["arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicy"],
            );
            assert.ok(prod.dependsOn(addon, attachments[0]));
        });

        it("creates an encrypted gp3 class bound where the pod lands, expandable, keeping volumes", () => {
            const storageClass = only(prod, STORAGE_CLASS);
            const inputs = inputsOf(storageClass);
            assert.strictEqual(inputs.provisioner, "ebs.csi.aws.com");
            assert.strictEqual(inputs.parameters.type, "gp3");
            assert.strictEqual(inputs.parameters.encrypted, "true");
            assert.strictEqual(inputs.volumeBindingMode, "WaitForFirstConsumer");
            assert.strictEqual(inputs.allowVolumeExpansion, true);
            assert.strictEqual(inputs.reclaimPolicy, "Retain");
            assert.ok(prod.dependsOn(storageClass, ebsAddon(prod)));
        });

        it("tags volumes through the driver's extra tags, not through the class's parameters", () => {
            const expected = { ...(prodEks.tags as Record<string, string>), "stateful-nginx:stack": "prod" };
            const values = JSON.parse(inputsOf(ebsAddon(prod)).configurationValues);
            assert.deepStrictEqual(values, { controller: { extraVolumeTags: expected } });
            assert.deepStrictEqual(inputsOf(only(prod, STORAGE_CLASS)).parameters, { type: "gp3", encrypted: "true" });
        });

        it("hands the workload the class name as a plain value, not the class's output", async () => {
            const { config, secretKeys } = testStackConfig("prod");
            const raw = Object.fromEntries(
                Object.entries(config)
                    .filter(([key]) => key.startsWith("stateful-nginx:"))
                    .map(([key, value]) => [key.slice("stateful-nginx:".length), value]),
            );
            let className: unknown;
            await runProgram(
                async () => {
                    const { createEksPlatform } = await import("../components/eks");
                    className = (await createEksPlatform("eks", { eks: parseConfig(raw).eks! })).target
                        .storageClassName;
                },
                { stack: "prod", config, secretKeys },
            );
            assert.strictEqual(className, GP3_CLASS_NAME);
        });

        it("is the class the StatefulSet's claims use", () => {
            const className = inputsOf(only(prod, STORAGE_CLASS)).metadata.name;
            const templates = specOf(only(prod, STATEFUL_SET)).volumeClaimTemplates as any[];
            assert.ok(templates.length > 0, "the StatefulSet claims storage");
            for (const template of templates) assert.strictEqual(template.spec.storageClassName, className);
        });
    });

    describe("addons that follow the cluster", () => {
        const versionFor = (addonName: string, kubernetesVersion: string) =>
            mockCallResult("aws:eks/getAddonVersion:getAddonVersion", { addonName, kubernetesVersion }).version;

        it("manages CoreDNS as an EKS addon, created once every zone's nodes exist", () => {
            const coreDns = addonOf(prod, "coredns");
            const cluster = only(prod, CLUSTER);
            const clusterState = mockResourceState(CLUSTER, cluster.name, inputsOf(cluster));
            assert.strictEqual(inputsOf(coreDns).clusterName, clusterState.eksCluster.name);
            assert.strictEqual(inputsOf(coreDns).resolveConflictsOnCreate, "OVERWRITE");
            for (const group of nodeGroupsOf(prod)) assert.ok(prod.dependsOn(coreDns, group), group.name);
            // pulumi-eks's own CoreDNS addon (made before any node) stays off.
            assert.strictEqual(inputsOf(cluster).corednsAddonOptions.enabled, false);
        });

        it("resolves the CoreDNS and EBS CSI versions for the running control plane's Kubernetes version", () => {
            for (const addonName of ["coredns", "aws-ebs-csi-driver"]) {
                assert.strictEqual(inputsOf(addonOf(prod, addonName)).addonVersion, versionFor(addonName, "1.34"));
                assert.strictEqual(inputsOf(addonOf(custom, addonName)).addonVersion, versionFor(addonName, "1.35"));
            }
        });

        it("follows a control plane EKS upgraded on its own, with nodes left one version behind", async () => {
            setMockAws({ clusters: [runningCluster("1.35")] });
            const run = await runStack("prod");
            assert.strictEqual(inputsOf(addonOf(run, "coredns")).addonVersion, versionFor("coredns", "1.35"));
            for (const group of nodeGroupsOf(run)) assert.strictEqual(inputsOf(group).version, "1.34");
        });

        it("are the four addons the upgrade steps name", () => {
            assert.deepStrictEqual([...CLUSTER_ADDONS].sort(), [
                "aws-ebs-csi-driver",
                "coredns",
                "kube-proxy",
                "vpc-cni",
            ]);
        });
    });

    describe("a version bump", () => {
        it("stops in one line, saying what to run, when nodes would be newer than the running control plane", async () => {
            // The state (and pulumi-eks's output) may say 1.35 after a failed attempt; EKS itself says 1.34.
            setMockAws({
                clusters: [
                    runningCluster("1.34"),
                    { ...runningCluster("1.33"), tags: { "stateful-nginx:stack": "dev" } },
                ],
            });
            const message = await refusalOf(
                runStack("prod", { "stateful-nginx:eks": { ...prodEks, version: "1.35" } }),
            );
            assert.ok(!message.includes("\n"), message);
            assert.match(
                message,
                /^stateful-nginx:eks\.version: got 1\.35; the control plane of eks-cluster-eksCluster-0a1b2c3 runs 1\.34 and nodes may not be newer: run aws eks update-cluster-version --name eks-cluster-eksCluster-0a1b2c3 --kubernetes-version 1\.35 /,
            );
        });

        it("goes through once the control plane runs that version", async () => {
            setMockAws({ clusters: [runningCluster("1.36")] });
            const run = await runStack("prod", { "stateful-nginx:eks": { ...prodEks, version: "1.36" } });
            for (const group of nodeGroupsOf(run)) assert.strictEqual(inputsOf(group).version, "1.36");
        });
    });

    describe("the ClusterTarget", () => {
        it("reaches the cluster with its own kubeconfig, kept secret", () => {
            const providers = prod.ofType(K8S_PROVIDER);
            assert.strictEqual(providers.length, 1, "one Kubernetes provider");
            const [provider] = providers;
            assert.ok(prod.dependsOn(provider, only(prod, CLUSTER)));
            const kubeconfig = inputsOf(provider).kubeconfig;
            assert.ok(isSecret(kubeconfig), "the provider's kubeconfig is a secret");
            const cluster = only(prod, CLUSTER);
            assert.strictEqual(
                kubeconfig.value,
                mockResourceState(CLUSTER, cluster.name, inputsOf(cluster)).kubeconfigJson,
            );
        });

        it("creates every Kubernetes object through that provider", () => {
            const provider = only(prod, K8S_PROVIDER);
            const objects = prod.resources.filter(
                (resource) => resource.type.startsWith("kubernetes:") && resource.custom,
            );
            assert.ok(objects.length > 0);
            for (const object of objects) assert.strictEqual(object.provider, provider.urn, object.name);
        });

        it("exports no kubeconfig in the clear", () => {
            const text = JSON.stringify(prod.outputs, (_key, value) => (isSecret(value) ? "[secret]" : value));
            assert.ok(!text.includes("certificate-authority-data"), "no kubeconfig in plain outputs");
        });

        it("holds the StatefulSet until every zone's nodes, CoreDNS, the storage driver and the gp3 class exist", () => {
            const statefulSet = only(prod, STATEFUL_SET);
            assert.strictEqual(nodeGroupsOf(prod).length, 2);
            for (const ready of [
                ...nodeGroupsOf(prod),
                addonOf(prod, "coredns"),
                ebsAddon(prod),
                only(prod, STORAGE_CLASS),
            ]) {
                assert.ok(prod.dependsOn(statefulSet, ready), `the StatefulSet waits for ${ready.name}`);
            }
        });

        it("makes the LoadBalancer Service an internet-facing NLB that waits for every zone's nodes", () => {
            const service = lbService(prod);
            const annotations = (service.inputs.metadata as any).annotations;
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "false");
            for (const group of nodeGroupsOf(prod)) assert.ok(prod.dependsOn(service, group), group.name);
        });

        it("tags the NLB with the stack's tags, for cost reports", () => {
            const annotations = (lbService(prod).inputs.metadata as any).annotations;
            assert.strictEqual(
                annotations["service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags"],
                "environment=prod,project=stateful-nginx,stateful-nginx:stack=prod",
            );
        });

        it("keeps the NLB in the node zones' subnets of the cluster, one per zone", () => {
            const subnetsOf = (run: StackRun) =>
                (lbService(run).inputs.metadata as any).annotations[
                    "service.beta.kubernetes.io/aws-load-balancer-subnets"
                ];
            const firstSubnets = (run: StackRun) =>
                nodeGroupsOf(run)
                    .map((group) => inputsOf(group).subnetIds[0])
                    .join(",");
            assert.strictEqual(subnetsOf(prod), firstSubnets(prod));
            assert.strictEqual(subnetsOf(prod), "subnet-0mockb,subnet-0mockc");
            assert.strictEqual(subnetsOf(custom), "subnet-0aaa111,subnet-0bbb222");
        });

        it("puts an internet-facing NLB in the public subnets while the nodes sit in private ones", () => {
            const annotations = nlbAnnotationsOf(privateNodes);
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "false");
            assert.strictEqual(
                annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"],
                "subnet-0aaa111,subnet-0bbb222",
            );
        });

        it("puts an internal NLB beside the nodes, in the private subnets", () => {
            const annotations = nlbAnnotationsOf(privateInternal);
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
            assert.strictEqual(
                annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"],
                "subnet-0ccc100,subnet-0ddd433",
            );
            // Its clients are said, as for an internet-facing one: none would open the node port to 0.0.0.0/0.
            assert.ok(specOf(lbService(privateInternal)).loadBalancerSourceRanges.length > 0);
        });

        it("makes the NLB internal when the scheme is internal", () => {
            const annotations = (lbService(custom).inputs.metadata as any).annotations;
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        });
    });
});
/* eslint-enable @typescript-eslint/no-explicit-any */
