import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { mockCallResult, mockResourceState } from "../tools/mock-state";
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
        zoneCount: 2,
        nodesPerZone: { min: 2, desired: 3, max: 5 },
        endpointPublicAccessCidrs: ["100.24.0.0/13", "52.0.0.0/11"],
        vpcId: "vpc-0abc123",
        subnetIds: ["subnet-0aaa111", "subnet-0bbb222"],
        loadBalancerScheme: "internal",
    };

    before(async () => {
        prod = await runStack("prod");
        custom = await runStack("prod", { "stateful-nginx:eks": customEks });
    });

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
                only(prod, ADDON),
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

        it("are one group per zone, in zoneCount zones of the cluster's subnets, each in a single zone", () => {
            const groups = nodeGroupsOf(prod);
            assert.strictEqual(groups.length, prodEks.zoneCount);
            const zones = zonesOf(prod);
            for (const groupZones of zones) assert.strictEqual(new Set(groupZones).size, 1, "one zone per group");
            const distinct = new Set(zones.map((groupZones) => groupZones[0]));
            assert.strictEqual(distinct.size, prodEks.zoneCount, "a different zone for each group");
            const clusterSubnets = inputsOf(only(prod, CLUSTER)).subnetIds as string[];
            for (const group of groups) {
                for (const id of inputsOf(group).subnetIds)
                    assert.ok(clusterSubnets.includes(id), `${id} is a cluster subnet`);
            }
            // The default VPC here spans five supported zones: the nodes take the first two by name.
            assert.deepStrictEqual(
                zones.map((groupZones) => groupZones[0]),
                ["us-east-1a", "us-east-1b"],
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

        it("takes the zones of the configured subnets, one subnet's zone per group", () => {
            const zones = zonesOf(custom);
            assert.deepStrictEqual(zones, [["us-east-1b"], ["us-east-1d"]]);
            assert.deepStrictEqual(
                nodeGroupsOf(custom).map((group) => inputsOf(group).subnetIds),
                [["subnet-0bbb222"], ["subnet-0aaa111"]],
            );
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
            const addon = only(prod, ADDON);
            const cluster = only(prod, CLUSTER);
            const clusterState = mockResourceState(CLUSTER, cluster.name, inputsOf(cluster));
            assert.strictEqual(inputsOf(addon).addonName, "aws-ebs-csi-driver");
            assert.strictEqual(inputsOf(addon).clusterName, clusterState.eksCluster.name);
            for (const group of nodeGroupsOf(prod)) assert.ok(prod.dependsOn(addon, group), group.name);
        });

        it("gives the driver an IRSA role only its controller's service account can assume", () => {
            const addon = only(prod, ADDON);
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
            const addon = only(prod, ADDON);
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
            assert.ok(prod.dependsOn(storageClass, only(prod, ADDON)));
        });

        it("is the class the StatefulSet's claims use", () => {
            const className = inputsOf(only(prod, STORAGE_CLASS)).metadata.name;
            const templates = specOf(only(prod, STATEFUL_SET)).volumeClaimTemplates as any[];
            assert.ok(templates.length > 0, "the StatefulSet claims storage");
            for (const template of templates) assert.strictEqual(template.spec.storageClassName, className);
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

        it("holds the StatefulSet until every zone's nodes, the storage driver and the gp3 class exist", () => {
            const statefulSet = only(prod, STATEFUL_SET);
            assert.strictEqual(nodeGroupsOf(prod).length, 2);
            for (const ready of [...nodeGroupsOf(prod), only(prod, ADDON), only(prod, STORAGE_CLASS)]) {
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
            assert.strictEqual(subnetsOf(prod), "subnet-0mocka,subnet-0mockb");
            assert.strictEqual(subnetsOf(custom), "subnet-0bbb222,subnet-0aaa111");
        });

        it("makes the NLB internal when the scheme is internal", () => {
            const annotations = (lbService(custom).inputs.metadata as any).annotations;
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        });
    });
});
/* eslint-enable @typescript-eslint/no-explicit-any */
