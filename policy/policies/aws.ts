/**
 * The AWS side of an EKS stack: what the control plane records and encrypts, what a node's instance metadata
 * gives a pod, what storage keeps, and what the load balancer in front of the workload is.
 *
 * Like policy/policies/eks.ts, these judge the AWS resources that carry the settings: the
 * `aws:eks/cluster:Cluster` that pulumi-eks 4.3.0 creates under `eks:index:Cluster` (which the engine shows
 * with `{}`), the program's own `aws:ec2/launchTemplate:LaunchTemplate`, the `aws:eks/nodeGroup:NodeGroup`
 * under each `eks:index:ManagedNodeGroup`, the StorageClass and the LoadBalancer Service. All are resource
 * policies: a mandatory violation stops the resource before it is created or changed.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { annotationsOf, describe, K8S } from "../lib/kubernetes";
import {
    AWS_LB_ANNOTATIONS,
    awsLoadBalancerController,
    hasAwsLoadBalancerAnnotations,
    isInternalAwsLoadBalancer,
} from "../lib/load-balancers";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { int, isRecord, Props, record, stringMap, strings, text } from "../lib/values";
import { EKS } from "./eks";

export const AWS = {
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
} as const;

const LOGGING_DEFAULTS = { requiredLogTypes: ["audit", "authenticator"] };

/**
 * Without control-plane logs nothing records who did what through the Kubernetes API (`audit`) or which IAM
 * identity each request came as (`authenticator`): an incident cannot be traced. EKS sends none by default.
 * https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
 */
export const eksControlPlaneLogging: ResourceValidationPolicy = {
    name: "eks-control-plane-logging",
    description: "The EKS cluster sends the required control-plane logs (audit and authenticator) to CloudWatch.",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",
    remediationSteps:
        "Set enabledClusterLogTypes on the eks.Cluster (its aws.eks.Cluster's enabledClusterLogTypes) to include " +
        "audit and authenticator.",
    configSchema: schemaWithDefaults(LOGGING_DEFAULTS, {
        requiredLogTypes: {
            type: "array",
            items: { type: "string", enum: ["api", "audit", "authenticator", "controllerManager", "scheduler"] },
            description: "Log types the cluster must send.",
        },
    }),
    validateResource: validateResourceOfTypes(EKS.cluster, (props, args, report) => {
        const required = strings(configOf(args, LOGGING_DEFAULTS).requiredLogTypes);
        const enabled = strings(props.enabledClusterLogTypes);
        const missing = required.filter((type) => !enabled.includes(type));
        if (missing.length > 0) {
            report(
                `EKS cluster ${args.name} does not send the ${missing.join(", ")} control-plane log` +
                    `${missing.length === 1 ? "" : "s"} (enabled: ${enabled.join(", ") || "none"}): add ` +
                    `${missing.join(", ")} to enabledClusterLogTypes.`,
            );
        }
    }),
};

/**
 * Kubernetes Secrets are envelope-encrypted in etcd with a KMS key of the account's own: its key policy and
 * CloudTrail then say who may decrypt them, and disabling the key cuts every copy off. pulumi-eks 4.3.0 sets
 * `encryptionConfig: {provider: {keyArn}, resources: ["secrets"]}` from `encryptionConfigKeyArn`
 * (nodejs/eks/cluster/cluster.ts `createCore`).
 * https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html
 */
export const eksSecretsEncryption: ResourceValidationPolicy = {
    name: "eks-secrets-encryption",
    description: "The EKS cluster envelope-encrypts Kubernetes Secrets with a KMS key of the account's own.",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html",
    remediationSteps:
        "Create an aws.kms.Key (with key rotation) and pass its ARN as encryptionConfigKeyArn to the eks.Cluster.",
    validateResource: validateResourceOfTypes(EKS.cluster, (props, args, report) => {
        const config = record(props.encryptionConfig);
        const what = `EKS cluster ${args.name}`;
        if (!isRecord(props.encryptionConfig) || !isRecord(config.provider)) {
            report(
                `${what} has no encryptionConfig: its Secrets are encrypted only with a key AWS owns, which no key ` +
                    "policy of yours controls. Pass a KMS key's ARN as encryptionConfigKeyArn.",
            );
            return;
        }
        if (!strings(config.resources).includes("secrets")) {
            report(`${what}'s encryptionConfig does not cover secrets: set resources: ["secrets"].`);
        }
    }),
};

const IMDS_DEFAULTS = { maxHopLimit: 1 };

/** Why a launch template's metadata options let a pod or a forged request reach the node's credentials. */
export function imdsProblems(metadataOptions: unknown, maxHopLimit: number): string[] {
    const options = record(metadataOptions);
    if (text(options.httpEndpoint) === "disabled") return [];
    const problems: string[] = [];
    const tokens = text(options.httpTokens);
    if (tokens !== "required") {
        problems.push(
            tokens === undefined
                ? "httpTokens is unset (the AMI decides; IMDSv1 stays open on most)"
                : `httpTokens is ${tokens}, so IMDSv1 answers a plain GET`,
        );
    }
    const hops = int(options.httpPutResponseHopLimit);
    if (hops === undefined) {
        problems.push("httpPutResponseHopLimit is unset (the AMI decides; an AMI registered for IMDSv2 gives 2)");
    } else if (hops > maxHopLimit) {
        problems.push(`httpPutResponseHopLimit is ${hops}, so pods behind the node's network can fetch a token`);
    }
    return problems;
}

/**
 * IMDSv2 with one hop on the nodes: a session token is required (a forged GET gets nothing) and the token's
 * reply dies after one hop, before any pod outside the host network: no pod can borrow the node role. A managed
 * node group without a launch template of the program's runs on EKS's own, whose settings no policy sees.
 * (pulumi-eks 4.3.0's ManagedNodeGroup `enableIMDSv2` makes a template with a hop limit of 2, nodegroup.ts
 * `createManagedNodeGroup`: this policy refuses it.)
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html
 */
export const eksNodeImdsv2: ResourceValidationPolicy = {
    name: "eks-node-imdsv2",
    description: "EKS nodes launch from a template that requires IMDSv2 with a response hop limit of 1.",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
    remediationSteps:
        "Give the launch template metadataOptions {httpEndpoint: enabled, httpTokens: required, " +
        "httpPutResponseHopLimit: 1}, and give every managed node group that launch template.",
    configSchema: schemaWithDefaults(IMDS_DEFAULTS, {
        maxHopLimit: { type: "integer", minimum: 1, maximum: 64, description: "Highest response hop limit allowed." },
    }),
    validateResource: validateResourceOfTypes([AWS.launchTemplate, EKS.nodeGroup], (props, args, report) => {
        if (args.type === EKS.nodeGroup) {
            if (!isRecord(props.launchTemplate)) {
                report(
                    `Managed node group ${args.name} names no launch template, so its nodes run on EKS's own ` +
                        "template, whose instance metadata settings this stack cannot set: give it one that " +
                        "requires IMDSv2 with a hop limit of 1.",
                );
            }
            return;
        }
        const problems = imdsProblems(props.metadataOptions, configOf(args, IMDS_DEFAULTS).maxHopLimit);
        if (problems.length > 0) {
            report(
                `Launch template ${args.name}: ${problems.join("; ")}. Set metadataOptions.httpTokens: required and ` +
                    "httpPutResponseHopLimit: 1, so no pod can take the node role's credentials.",
            );
        }
    }),
};

/** The provisioners that make EBS volumes (the in-tree name is migrated to the CSI driver). */
export const EBS_PROVISIONERS: readonly string[] = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

/**
 * An EBS StorageClass for the workload's claims encrypts its volumes (`encrypted: "true"`: EBS's default key,
 * or `kmsKeyId`) and keeps them when a claim goes (`reclaimPolicy: Retain`; unset means Delete): deleting a
 * claim, the namespace or the stack never deletes the data. Which classes the claims may name is
 * statefulset-storage-class's `allowedStorageClasses`; this judges the classes the stack creates.
 * https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export const awsEbsStorageClass: ResourceValidationPolicy = {
    name: "aws-ebs-storage-class",
    description: "EBS StorageClasses encrypt their volumes and keep them (reclaimPolicy Retain).",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://kubernetes.io/docs/concepts/storage/storage-classes/#reclaim-policy",
    remediationSteps: 'Set parameters.encrypted: "true" and reclaimPolicy: Retain on the StorageClass.',
    validateResource: validateResourceOfTypes(AWS.storageClass, (props, args, report) => {
        const provisioner = text(props.provisioner);
        if (provisioner === undefined || !EBS_PROVISIONERS.includes(provisioner)) {
            args.notApplicable("the StorageClass does not provision EBS volumes");
        }
        const what = `StorageClass ${describe(props, args.name)}`;
        const encrypted = stringMap(props.parameters).encrypted;
        if (encrypted !== "true") {
            report(
                `${what} makes ${encrypted === undefined ? "unencrypted" : `encrypted: "${encrypted}"`} EBS volumes ` +
                    '(unless the account encrypts by default): set parameters.encrypted: "true".',
            );
        }
        const reclaim = text(props.reclaimPolicy);
        if (reclaim !== "Retain") {
            report(
                `${what} has reclaimPolicy ${reclaim ?? "unset (Delete)"}: deleting a claim would delete its volume ` +
                    "and the data on it. Set reclaimPolicy: Retain.",
            );
        }
    }),
};

const AWS_SERVICE_DEFAULTS = { awsCluster: false };

const awsClusterSchema = schemaWithDefaults(AWS_SERVICE_DEFAULTS, {
    awsCluster: {
        type: "boolean",
        description:
            "The stack's cluster is EKS: judge every LoadBalancer Service, not only those with AWS annotations.",
    },
});

/**
 * The LoadBalancer Service the policy judges on AWS, or why not: a Service of type LoadBalancer that carries an
 * AWS annotation, or any one when `awsCluster` says the cluster is EKS.
 */
function awsLoadBalancerService(props: Props, args: ResourceValidationArgs) {
    const spec = record(props.spec);
    if (text(spec.type) !== "LoadBalancer") args.notApplicable("the Service is not of type LoadBalancer");
    const annotations = annotationsOf(props);
    if (!configOf(args, AWS_SERVICE_DEFAULTS).awsCluster && !hasAwsLoadBalancerAnnotations(annotations)) {
        args.notApplicable("the Service carries no AWS load balancer annotation and awsCluster is false");
    }
    return { spec, annotations, what: `LoadBalancer Service ${describe(props, args.name)}` };
}

/**
 * On EKS, cloud-provider-aws builds a Service's load balancer: an NLB only for `aws-load-balancer-type: nlb`
 * (else a Classic ELB, AWS's previous generation), internal only by `aws-load-balancer-internal` set to
 * anything but "false". It never reads `aws-load-balancer-scheme` (the AWS Load Balancer Controller's), so a
 * Service that relies on that one is on the internet while it says "internal" (cloud-provider-aws
 * pkg/providers/v1/aws.go `Cloud.EnsureLoadBalancer`, aws_loadbalancer.go `isNLB`, v1.34.3).
 */
export const awsLoadBalancerNlb: ResourceValidationPolicy = {
    name: "aws-load-balancer-nlb",
    description:
        "AWS LoadBalancer Services get an NLB, and their scheme is set by the annotation the cloud controller reads.",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://github.com/kubernetes/cloud-provider-aws/blob/master/docs/service_controller.md",
    remediationSteps:
        "Annotate the Service with service.beta.kubernetes.io/aws-load-balancer-type: nlb, and make it internal " +
        'with service.beta.kubernetes.io/aws-load-balancer-internal: "true" (eks.loadBalancerScheme: internal), ' +
        "not aws-load-balancer-scheme.",
    configSchema: awsClusterSchema,
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const { spec, annotations, what } = awsLoadBalancerService(props, args);
        if (awsLoadBalancerController(spec, annotations) !== "cloud-provider-aws") return;
        const type = annotations[AWS_LB_ANNOTATIONS.type];
        if (type !== "nlb") {
            report(
                `${what} gets a Classic ELB from cloud-provider-aws (aws-load-balancer-type is ` +
                    `${type === undefined ? "unset" : `"${type}"`}): annotate it with ${AWS_LB_ANNOTATIONS.type}: nlb.`,
            );
        }
        const scheme = annotations[AWS_LB_ANNOTATIONS.scheme];
        if (scheme === undefined) return;
        const internal = isInternalAwsLoadBalancer(spec, annotations);
        if ((scheme === "internal") !== internal) {
            const internalValue = annotations[AWS_LB_ANNOTATIONS.internal];
            report(
                `${what} says ${AWS_LB_ANNOTATIONS.scheme}: ${scheme}, which cloud-provider-aws does not read: it ` +
                    `makes the load balancer ${internal ? "internal" : "internet-facing"} because ` +
                    `${AWS_LB_ANNOTATIONS.internal} is ${internalValue === undefined ? "unset" : `"${internalValue}"`}. ` +
                    `Set ${AWS_LB_ANNOTATIONS.internal}: "${scheme === "internal"}" and drop the scheme annotation.`,
            );
        }
    }),
};

/** The AWS load balancer the Service gets is internet-facing (judged as its controller reads the annotations). */
function isPublicAwsLoadBalancer(spec: Props, annotations: Record<string, string>): boolean {
    return awsLoadBalancerController(spec, annotations) !== "other" && !isInternalAwsLoadBalancer(spec, annotations);
}

/**
 * A public load balancer terminates TLS (`aws-load-balancer-ssl-cert`, an ACM certificate: a TLS listener on
 * an NLB), so what crosses the internet is encrypted whatever the backend speaks. Advisory: the shipped stack
 * serves plain HTTP until a certificate exists.
 */
export const awsLoadBalancerTls: ResourceValidationPolicy = {
    name: "aws-load-balancer-tls",
    description: "Internet-facing AWS load balancers terminate TLS with a certificate (aws-load-balancer-ssl-cert).",
    enforcementLevel: "advisory",
    severity: "medium",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-tls-listener.html",
    remediationSteps:
        "Annotate the Service with service.beta.kubernetes.io/aws-load-balancer-ssl-cert: <ACM certificate ARN> " +
        "(and aws-load-balancer-ssl-ports for the ports that speak TLS).",
    configSchema: awsClusterSchema,
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const { spec, annotations, what } = awsLoadBalancerService(props, args);
        if (!isPublicAwsLoadBalancer(spec, annotations)) return;
        if (!annotations[AWS_LB_ANNOTATIONS.sslCert]) {
            report(
                `${what} is internet-facing with no ${AWS_LB_ANNOTATIONS.sslCert}, so its clients' traffic crosses ` +
                    "the internet in clear text: give it an ACM certificate's ARN.",
            );
        }
    }),
};

/**
 * A public load balancer writes access logs to S3 (`aws-load-balancer-access-log-enabled: "true"` and a
 * bucket), so who connected can be found after the fact. An NLB logs only its TLS listeners: without
 * aws-load-balancer-tls the logs stay empty. Advisory, like TLS.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
 */
export const awsLoadBalancerAccessLogs: ResourceValidationPolicy = {
    name: "aws-load-balancer-access-logs",
    description: "Internet-facing AWS load balancers write access logs to an S3 bucket.",
    enforcementLevel: "advisory",
    severity: "low",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html",
    remediationSteps:
        'Annotate the Service with service.beta.kubernetes.io/aws-load-balancer-access-log-enabled: "true" and ' +
        "service.beta.kubernetes.io/aws-load-balancer-access-log-s3-bucket-name: <bucket>.",
    configSchema: awsClusterSchema,
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const { spec, annotations, what } = awsLoadBalancerService(props, args);
        if (!isPublicAwsLoadBalancer(spec, annotations)) return;
        const enabled = annotations[AWS_LB_ANNOTATIONS.accessLogEnabled] === "true";
        const bucket = annotations[AWS_LB_ANNOTATIONS.accessLogBucket];
        if (!enabled || !bucket) {
            report(
                `${what} is internet-facing and writes no access logs (${AWS_LB_ANNOTATIONS.accessLogEnabled}: ` +
                    `"true" and a bucket in ${AWS_LB_ANNOTATIONS.accessLogBucket}); an NLB logs only its TLS listeners.`,
            );
        }
    }),
};

export const awsPolicies = [
    eksControlPlaneLogging,
    eksSecretsEncryption,
    eksNodeImdsv2,
    awsEbsStorageClass,
    awsLoadBalancerNlb,
    awsLoadBalancerTls,
    awsLoadBalancerAccessLogs,
];
