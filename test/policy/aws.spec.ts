import { strict as assert } from "assert";
import {
    awsEbsStorageClass,
    awsPolicies,
    awsLoadBalancerAccessLogs,
    awsLoadBalancerNlb,
    awsLoadBalancerTls,
    eksControlPlaneLogging,
    eksNodeImdsv2,
    eksSecretsEncryption,
} from "../../policy/policies/aws";
import { policies } from "../../policy/pack";
import { applies, change, eksResources, goodStack, resource, service, UNKNOWN, violations } from "./fixtures";
import type { ResourceRecord } from "../../tools/policy-runner";

const messages = (found: { message: string }[]) => found.map((violation) => violation.message).join("\n");

const SELECTOR = { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "nginx" };
const NLB = "service.beta.kubernetes.io/aws-load-balancer-";

/**
 * The EKS fixture with what the prod stack gives its AWS resources: the cluster's logs and Secrets key (as
 * pulumi-eks 4.3.0 `createCore` sets them), the nodes' launch template, the gp3 class and the NLB Service.
 */
function awsStack(): ResourceRecord[] {
    const withCluster = change(eksResources(), "eks-cluster-eksCluster", (inputs) => {
        inputs.enabledClusterLogTypes = ["audit", "authenticator"];
        inputs.encryptionConfig = {
            provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d" },
            resources: ["secrets"],
        };
    });
    const withNodes = change(withCluster, "eks-nodes", (inputs) => {
        inputs.launchTemplate = { id: "lt-0a1b2c3d", version: "1" };
    });
    return [
        ...withNodes,
        resource("aws:ec2/launchTemplate:LaunchTemplate", "eks-nodes-lt", {
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            creditSpecification: { cpuCredits: "standard" },
        }),
        resource("kubernetes:storage.k8s.io/v1:StorageClass", "eks-storage-gp3", {
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: "gp3" },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true" },
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
        }),
        service(
            "nginx-lb",
            {
                type: "LoadBalancer",
                selector: SELECTOR,
                ports: [{ name: "https", port: 443, targetPort: "http" }],
                loadBalancerSourceRanges: ["198.18.0.0/15"],
            },
            {
                annotations: {
                    [`${NLB}type`]: "nlb",
                    [`${NLB}internal`]: "false",
                    [`${NLB}ssl-cert`]: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d",
                    [`${NLB}access-log-enabled`]: "true",
                    [`${NLB}access-log-s3-bucket-name`]: "nlb-logs",
                },
            },
        ),
    ];
}

const CLUSTER = "eks-cluster-eksCluster";
/** The URN of the resource the policies judge by that name (not the eks component of the same name). */
const urnOf = (stack: ResourceRecord[], name: string) =>
    stack.find((item) => item.name === name && !item.type.startsWith("eks:"))?.urn;

describe("AWS policies: every one is a resource policy, registered in the pack", () => {
    it("stops a bad resource before it is applied, and the pack serves each", () => {
        assert.strictEqual(awsPolicies.length, 7);
        for (const policy of awsPolicies) {
            assert.ok("validateResource" in policy, policy.name);
            assert.ok(policies.includes(policy), policy.name);
        }
    });
});

describe("policy eks-control-plane-logging", () => {
    it("passes a cluster that sends audit and authenticator logs", async () => {
        assert.ok(await applies(eksControlPlaneLogging, awsStack()));
        assert.deepEqual(await violations(eksControlPlaneLogging, awsStack()), []);
    });

    it("catches a cluster with no logs, or without authenticator, on the aws:eks/cluster:Cluster", async () => {
        const none = change(awsStack(), CLUSTER, (inputs) => delete inputs.enabledClusterLogTypes);
        const found = await violations(eksControlPlaneLogging, none);
        assert.deepEqual(
            found.map((violation) => violation.urn),
            [urnOf(none, CLUSTER)],
        );
        assert.match(found[0].message, /does not send the audit, authenticator control-plane logs \(enabled: none\)/);
        const auditOnly = change(awsStack(), CLUSTER, (inputs) => (inputs.enabledClusterLogTypes = ["audit", "api"]));
        assert.match(
            messages(await violations(eksControlPlaneLogging, auditOnly)),
            /the authenticator control-plane log /,
        );
        const moreRequired = await violations(eksControlPlaneLogging, awsStack(), { requiredLogTypes: ["api"] });
        assert.match(messages(moreRequired), /does not send the api control-plane log/);
    });
});

describe("policy eks-secrets-encryption", () => {
    it("passes a cluster whose Secrets a KMS key of the account encrypts, even with its ARN unknown", async () => {
        assert.deepEqual(await violations(eksSecretsEncryption, awsStack()), []);
        const later = change(awsStack(), CLUSTER, (inputs) => (inputs.encryptionConfig.provider.keyArn = UNKNOWN));
        assert.deepEqual(await violations(eksSecretsEncryption, later, undefined, "preview"), []);
    });

    it("catches a cluster without encryptionConfig, and one that does not cover secrets", async () => {
        const none = change(awsStack(), CLUSTER, (inputs) => delete inputs.encryptionConfig);
        const found = await violations(eksSecretsEncryption, none);
        assert.equal(found[0].urn, urnOf(none, CLUSTER));
        assert.match(found[0].message, /has no encryptionConfig/);
        const other = change(awsStack(), CLUSTER, (inputs) => (inputs.encryptionConfig.resources = []));
        assert.match(messages(await violations(eksSecretsEncryption, other)), /does not cover secrets/);
    });
});

describe("policy eks-node-imdsv2", () => {
    const template = "eks-nodes-lt";

    it("passes a template with IMDSv2 and one hop, one with IMDS off, and a node group that uses a template", async () => {
        assert.ok(await applies(eksNodeImdsv2, awsStack()));
        assert.deepEqual(await violations(eksNodeImdsv2, awsStack()), []);
        const off = change(awsStack(), template, (inputs) => (inputs.metadataOptions = { httpEndpoint: "disabled" }));
        assert.deepEqual(await violations(eksNodeImdsv2, off), []);
    });

    it("catches IMDSv1 left open, a hop limit of 2 (pulumi-eks enableIMDSv2's), and unset options", async () => {
        const optional = change(awsStack(), template, (inputs) => (inputs.metadataOptions.httpTokens = "optional"));
        const found = await violations(eksNodeImdsv2, optional);
        assert.equal(found[0].urn, urnOf(optional, template));
        assert.match(found[0].message, /httpTokens is optional, so IMDSv1 answers a plain GET/);
        const twoHops = change(awsStack(), template, (inputs) => (inputs.metadataOptions.httpPutResponseHopLimit = 2));
        assert.match(messages(await violations(eksNodeImdsv2, twoHops)), /httpPutResponseHopLimit is 2/);
        assert.deepEqual(await violations(eksNodeImdsv2, twoHops, { maxHopLimit: 2 }), []);
        const unset = change(awsStack(), template, (inputs) => delete inputs.metadataOptions);
        const text = messages(await violations(eksNodeImdsv2, unset));
        assert.match(text, /httpTokens is unset/);
        assert.match(text, /httpPutResponseHopLimit is unset/);
    });

    it("catches a managed node group that names no launch template", async () => {
        const bare = change(awsStack(), "eks-nodes", (inputs) => delete inputs.launchTemplate);
        const found = await violations(eksNodeImdsv2, bare);
        assert.deepEqual(
            found.map((violation) => violation.urn),
            [urnOf(bare, "eks-nodes")],
        );
        assert.match(found[0].message, /names no launch template, so its nodes run on EKS's own template/);
    });
});

describe("policy aws-ebs-storage-class", () => {
    const gp3 = "eks-storage-gp3";

    it("passes an encrypted, retained EBS class, and leaves other provisioners alone", async () => {
        assert.ok(await applies(awsEbsStorageClass, awsStack()));
        assert.deepEqual(await violations(awsEbsStorageClass, awsStack()), []);
        const local = change(awsStack(), gp3, (inputs) => {
            inputs.provisioner = "rancher.io/local-path";
            delete inputs.parameters;
            delete inputs.reclaimPolicy;
        });
        assert.deepEqual(await violations(awsEbsStorageClass, local), []);
    });

    it("catches an unencrypted class, and one that deletes volumes (Delete, or unset)", async () => {
        const plain = change(awsStack(), gp3, (inputs) => delete inputs.parameters.encrypted);
        const found = await violations(awsEbsStorageClass, plain);
        assert.equal(found[0].urn, urnOf(plain, gp3));
        assert.match(found[0].message, /StorageClass gp3 makes unencrypted EBS volumes/);
        const deleting = change(awsStack(), gp3, (inputs) => (inputs.reclaimPolicy = "Delete"));
        assert.match(
            messages(await violations(awsEbsStorageClass, deleting)),
            /reclaimPolicy Delete: deleting a claim/,
        );
        const unset = change(awsStack(), gp3, (inputs) => delete inputs.reclaimPolicy);
        assert.match(messages(await violations(awsEbsStorageClass, unset)), /reclaimPolicy unset \(Delete\)/);
        const inTree = change(awsStack(), gp3, (inputs) => {
            inputs.provisioner = "kubernetes.io/aws-ebs";
            inputs.parameters.encrypted = "false";
        });
        assert.match(messages(await violations(awsEbsStorageClass, inTree)), /encrypted: "false"/);
    });
});

describe("policy aws-load-balancer-nlb", () => {
    const annotate = (edit: (annotations: Record<string, string>) => void) =>
        change(awsStack(), "nginx-lb", (inputs) => edit(inputs.metadata.annotations));

    it("passes an NLB whose scheme comes from aws-load-balancer-internal", async () => {
        assert.ok(await applies(awsLoadBalancerNlb, awsStack()));
        assert.deepEqual(await violations(awsLoadBalancerNlb, awsStack()), []);
        const internal = annotate((a) => (a[`${NLB}internal`] = "true"));
        assert.deepEqual(await violations(awsLoadBalancerNlb, internal), []);
    });

    it("catches a Service that would get a Classic ELB", async () => {
        const classic = annotate((a) => delete a[`${NLB}type`]);
        const found = await violations(awsLoadBalancerNlb, classic);
        assert.equal(found[0].urn, urnOf(classic, "nginx-lb"));
        assert.match(
            found[0].message,
            /gets a Classic ELB from cloud-provider-aws \(aws-load-balancer-type is unset\)/,
        );
    });

    it("catches aws-load-balancer-scheme: internal on an NLB cloud-provider-aws makes internet-facing", async () => {
        const scheme = annotate((a) => {
            delete a[`${NLB}internal`];
            a[`${NLB}scheme`] = "internal";
        });
        assert.match(
            messages(await violations(awsLoadBalancerNlb, scheme)),
            /scheme: internal, which cloud-provider-aws does not read: it makes the load balancer internet-facing because service.beta.kubernetes.io\/aws-load-balancer-internal is unset/,
        );
        // Where the two agree, the extra annotation is harmless.
        const agreeing = annotate((a) => {
            a[`${NLB}internal`] = "true";
            a[`${NLB}scheme`] = "internal";
        });
        assert.deepEqual(await violations(awsLoadBalancerNlb, agreeing), []);
    });

    it("judges a Service without AWS annotations only when the policy config says the cluster is EKS", async () => {
        const bare = goodStack();
        assert.deepEqual(await violations(awsLoadBalancerNlb, bare), []);
        assert.equal(await applies(awsLoadBalancerNlb, bare), false);
        const onEks = await violations(awsLoadBalancerNlb, bare, { awsCluster: true });
        assert.match(messages(onEks), /LoadBalancer Service stateful-nginx\/nginx-lb gets a Classic ELB/);
    });

    it("leaves Services of another load balancer class or of the AWS Load Balancer Controller alone", async () => {
        const lbc = annotate((a) => (a[`${NLB}type`] = "external"));
        assert.deepEqual(await violations(awsLoadBalancerNlb, lbc), []);
        const other = change(
            annotate((a) => delete a[`${NLB}type`]),
            "nginx-lb",
            (inputs) => {
                inputs.spec.loadBalancerClass = "example.com/lb";
            },
        );
        assert.deepEqual(await violations(awsLoadBalancerNlb, other), []);
    });
});

describe("policy aws-load-balancer-tls", () => {
    it("passes a public NLB with a certificate, and an internal one without", async () => {
        assert.ok(await applies(awsLoadBalancerTls, awsStack()));
        assert.deepEqual(await violations(awsLoadBalancerTls, awsStack()), []);
        const internal = change(awsStack(), "nginx-lb", (inputs) => {
            delete inputs.metadata.annotations[`${NLB}ssl-cert`];
            inputs.metadata.annotations[`${NLB}internal`] = "true";
        });
        assert.deepEqual(await violations(awsLoadBalancerTls, internal), []);
    });

    it("catches a public NLB without a certificate", async () => {
        const plain = change(awsStack(), "nginx-lb", (inputs) => delete inputs.metadata.annotations[`${NLB}ssl-cert`]);
        const found = await violations(awsLoadBalancerTls, plain);
        assert.equal(found[0].urn, urnOf(plain, "nginx-lb"));
        assert.match(
            found[0].message,
            /is internet-facing with no service.beta.kubernetes.io\/aws-load-balancer-ssl-cert/,
        );
    });
});

describe("policy aws-load-balancer-access-logs", () => {
    it("passes a public NLB that logs to a bucket", async () => {
        assert.ok(await applies(awsLoadBalancerAccessLogs, awsStack()));
        assert.deepEqual(await violations(awsLoadBalancerAccessLogs, awsStack()), []);
    });

    it("catches a public NLB with logs off, or on without a bucket", async () => {
        const off = change(awsStack(), "nginx-lb", (inputs) => {
            inputs.metadata.annotations[`${NLB}access-log-enabled`] = "false";
        });
        const found = await violations(awsLoadBalancerAccessLogs, off);
        assert.equal(found[0].urn, urnOf(off, "nginx-lb"));
        assert.match(found[0].message, /writes no access logs/);
        const noBucket = change(awsStack(), "nginx-lb", (inputs) => {
            delete inputs.metadata.annotations[`${NLB}access-log-s3-bucket-name`];
        });
        assert.equal((await violations(awsLoadBalancerAccessLogs, noBucket)).length, 1);
    });
});
