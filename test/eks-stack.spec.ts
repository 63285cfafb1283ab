import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { mockCallResult, mockResourceState } from "../tools/mock-state";
import { readStackFile, stackFilePath } from "../tools/stack-config";
import { isSecret, promiseOf, RegisteredResource, runStack, specOf, StackRun } from "./helpers";

const CLUSTER = "eks:index:Cluster";
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
/** The prod stack file's own `eks` block, so overrides change one thing at a time. */
const prodEks: Record<string, unknown> = JSON.parse(
    readStackFile(stackFilePath("prod")).config["stateful-nginx:eks"] ?? "{}",
);

/** The resource a resource-typed input refers to (e.g. a node group's `cluster`). */
async function referenced(run: StackRun, value: unknown): Promise<RegisteredResource> {
    assert.ok(pulumi.Resource.isInstance(value), `expected a resource reference, got ${String(value)}`);
    return run.byUrn(await promiseOf(value.urn));
}

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
        minSize: 2,
        desiredSize: 3,
        maxSize: 5,
        nodeGroupName: "web-nodes",
        endpointPublicAccessCidrs: ["198.51.100.0/24", "192.0.2.0/28"],
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

        it("tags every AWS resource with the configured tags and the stack", () => {
            const expected = { ...(prodEks.tags as Record<string, string>), "stateful-nginx:stack": "prod" };
            for (const resource of [
                only(prod, CLUSTER),
                only(prod, NODE_GROUP),
                only(prod, ADDON),
                ...prod.ofType(ROLE),
            ]) {
                assert.deepStrictEqual(inputsOf(resource).tags, expected, resource.name);
            }
        });
    });

    describe("the managed node group", () => {
        it("joins the cluster", async () => {
            const cluster = await referenced(prod, inputsOf(only(prod, NODE_GROUP)).cluster);
            assert.strictEqual(cluster.urn, only(prod, CLUSTER).urn);
        });

        it("is eksctl's t3.medium group of 1 <= 2 <= 3 nodes, named from config", () => {
            const inputs = inputsOf(only(prod, NODE_GROUP));
            assert.deepStrictEqual(inputs.instanceTypes, [prodEks.instanceType]);
            assert.deepStrictEqual(inputs.scalingConfig, {
                minSize: prodEks.minSize,
                desiredSize: prodEks.desiredSize,
                maxSize: prodEks.maxSize,
            });
            assert.strictEqual(inputs.nodeGroupName, prodEks.nodeGroupName);
        });

        it("follows the configured instance type, sizes and name", () => {
            const inputs = inputsOf(only(custom, NODE_GROUP));
            assert.deepStrictEqual(inputs.instanceTypes, ["m6i.large"]);
            assert.deepStrictEqual(inputs.scalingConfig, { minSize: 2, desiredSize: 3, maxSize: 5 });
            assert.strictEqual(inputs.nodeGroupName, "web-nodes");
        });

        it("runs as an EC2 role with the worker, CNI and ECR read-only policies, attached before nodes boot", async () => {
            const nodeGroup = only(prod, NODE_GROUP);
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
        });
    });

    describe("EBS CSI storage", () => {
        it("installs the aws-ebs-csi-driver addon on this cluster, once nodes can run it", () => {
            const addon = only(prod, ADDON);
            const cluster = only(prod, CLUSTER);
            const clusterState = mockResourceState(CLUSTER, cluster.name, inputsOf(cluster));
            assert.strictEqual(inputsOf(addon).addonName, "aws-ebs-csi-driver");
            assert.strictEqual(inputsOf(addon).clusterName, clusterState.eksCluster.name);
            assert.ok(prod.dependsOn(addon, only(prod, NODE_GROUP)));
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

        it("holds the StatefulSet until nodes, the storage driver and the gp3 class exist", () => {
            const statefulSet = only(prod, STATEFUL_SET);
            for (const ready of [only(prod, NODE_GROUP), only(prod, ADDON), only(prod, STORAGE_CLASS)]) {
                assert.ok(prod.dependsOn(statefulSet, ready), `the StatefulSet waits for ${ready.name}`);
            }
        });

        it("makes the LoadBalancer Service an internet-facing NLB that waits for nodes", () => {
            const service = lbService(prod);
            const annotations = service.inputs.metadata as any;
            assert.strictEqual(annotations.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(
                annotations.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"],
                "false",
            );
            assert.ok(prod.dependsOn(service, only(prod, NODE_GROUP)));
        });

        it("makes the NLB internal when the scheme is internal", () => {
            const annotations = (lbService(custom).inputs.metadata as any).annotations;
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        });
    });
});
/* eslint-enable @typescript-eslint/no-explicit-any */
