/**
 * Which controller builds a LoadBalancer Service's load balancer on AWS, and what it makes of the Service's
 * annotations. Read from the controllers themselves, because a policy that trusts an annotation its
 * controller ignores passes a load balancer that is open to the internet.
 */
import { Props, text } from "./values";

const PREFIX = "service.beta.kubernetes.io/aws-load-balancer-";

/** The AWS annotations the policies read (cloud-provider-aws pkg/providers/v1/aws.go, v1.34.3). */
export const AWS_LB_ANNOTATIONS = {
    type: `${PREFIX}type`,
    internal: `${PREFIX}internal`,
    /** Read by the AWS Load Balancer Controller only; cloud-provider-aws has no such annotation. */
    scheme: `${PREFIX}scheme`,
    sslCert: `${PREFIX}ssl-cert`,
    sslPorts: `${PREFIX}ssl-ports`,
    accessLogEnabled: `${PREFIX}access-log-enabled`,
    accessLogBucket: `${PREFIX}access-log-s3-bucket-name`,
} as const;

/** The `spec.loadBalancerClass` of the AWS Load Balancer Controller. */
const AWS_LBC_CLASS = "service.k8s.aws/nlb";

export type AwsLoadBalancerController =
    /** EKS's cloud controller: cloud-provider-aws's legacy Service controller. */
    | "cloud-provider-aws"
    /** The AWS Load Balancer Controller, an add-on this project does not install. */
    | "aws-load-balancer-controller"
    /** Another load balancer class: neither AWS controller acts on the Service. */
    | "other";

/**
 * Who acts on a LoadBalancer Service on EKS:
 * - a Service with any `spec.loadBalancerClass` is skipped by the cloud controller (k8s.io/cloud-provider
 *   v0.34.4 controllers/service/controller.go `wantsLoadBalancer`); `service.k8s.aws/nlb` is the AWS Load
 *   Balancer Controller's class;
 * - `aws-load-balancer-type: external` or `nlb-ip` makes cloud-provider-aws answer `ImplementedElsewhere`
 *   (pkg/providers/v1/aws.go `Cloud.EnsureLoadBalancer` and aws_loadbalancer.go `isLBExternal`, v1.34.3):
 *   the AWS Load Balancer Controller's;
 * - anything else is cloud-provider-aws's: an NLB when `aws-load-balancer-type` is exactly `nlb`
 *   (aws_loadbalancer.go `isNLB`), a Classic ELB otherwise.
 */
export function awsLoadBalancerController(spec: Props, annotations: Record<string, string>): AwsLoadBalancerController {
    const loadBalancerClass = text(spec.loadBalancerClass);
    if (loadBalancerClass !== undefined) {
        return loadBalancerClass === AWS_LBC_CLASS ? "aws-load-balancer-controller" : "other";
    }
    const type = annotations[AWS_LB_ANNOTATIONS.type];
    return type === "external" || type === "nlb-ip" ? "aws-load-balancer-controller" : "cloud-provider-aws";
}

/** True when cloud-provider-aws would build an NLB for the Service (not a Classic ELB). */
export function isCloudProviderNlb(spec: Props, annotations: Record<string, string>): boolean {
    return (
        awsLoadBalancerController(spec, annotations) === "cloud-provider-aws" &&
        annotations[AWS_LB_ANNOTATIONS.type] === "nlb"
    );
}

/**
 * True when the AWS load balancer of the Service is internal, as its controller reads the annotations:
 * - cloud-provider-aws (`Cloud.EnsureLoadBalancer`, v1.34.3): internal when `aws-load-balancer-internal` is
 *   set to anything but `false` (`"0.0.0.0/0"` and `"no"` included); `aws-load-balancer-scheme` is not read;
 * - the AWS Load Balancer Controller: `aws-load-balancer-scheme` (`internal` or `internet-facing`), else the
 *   deprecated `aws-load-balancer-internal: "true"`, else internal, its default
 *   (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-scheme).
 * False for a Service neither controller acts on.
 */
export function isInternalAwsLoadBalancer(spec: Props, annotations: Record<string, string>): boolean {
    const internal = annotations[AWS_LB_ANNOTATIONS.internal];
    switch (awsLoadBalancerController(spec, annotations)) {
        case "cloud-provider-aws":
            return internal !== undefined && internal !== "" && internal !== "false";
        case "aws-load-balancer-controller": {
            const scheme = annotations[AWS_LB_ANNOTATIONS.scheme];
            if (scheme !== undefined) return scheme === "internal";
            return internal === undefined || internal === "true";
        }
        default:
            return false;
    }
}

/** True when the Service carries any AWS load balancer annotation: it was written for an AWS cluster. */
export function hasAwsLoadBalancerAnnotations(annotations: Record<string, string>): boolean {
    return Object.keys(annotations).some((key) => key.startsWith(PREFIX));
}
