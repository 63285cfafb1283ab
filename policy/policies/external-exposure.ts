/** Who may reach the workload from outside the cluster. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isOpenToAll } from "../lib/addresses";
import { annotationsOf, describe, K8S } from "../lib/kubernetes";
import { isInternalAwsLoadBalancer } from "../lib/load-balancers";
import { validateResourceOfTypes } from "../lib/validation";
import { Props, record, strings, text } from "../lib/values";

/**
 * CVE-2020-8554: whoever may create a Service with `spec.externalIPs` can intercept traffic to those
 * addresses from every pod and node. MetalLB or the cloud's load balancer hand out external addresses.
 * https://github.com/kubernetes/kubernetes/issues/97076
 */
export const serviceNoExternalIps: ResourceValidationPolicy = {
    name: "service-no-external-ips",
    description: "Services set no spec.externalIPs (CVE-2020-8554).",
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://github.com/kubernetes/kubernetes/issues/97076",
    remediationSteps:
        "Remove spec.externalIPs; use a LoadBalancer Service (MetalLB on bare metal) for an external address.",
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const externalIPs = strings(record(props.spec).externalIPs);
        if (externalIPs.length > 0) {
            report(
                `Service ${describe(props, args.name)} sets spec.externalIPs (${externalIPs.join(", ")}), which lets ` +
                    "it capture traffic meant for those addresses cluster-wide (CVE-2020-8554): remove them and " +
                    "use a LoadBalancer Service.",
            );
        }
    }),
};

/** Annotations that make another cloud's load balancer internal (reachable only inside the network). */
export const INTERNAL_LOAD_BALANCER_ANNOTATIONS: Record<string, (value: string) => boolean> = {
    "service.beta.kubernetes.io/azure-load-balancer-internal": (value) => value === "true",
    "networking.gke.io/load-balancer-type": (value) => value.toLowerCase() === "internal",
};

/**
 * True when the Service's load balancer is internal. AWS's is judged as the controller that builds it reads
 * the annotations (policy/lib/load-balancers.ts): on EKS that is cloud-provider-aws, which reads
 * `aws-load-balancer-internal` and ignores `aws-load-balancer-scheme`.
 */
export function isInternalLoadBalancer(spec: Props, annotations: Record<string, string>): boolean {
    return (
        isInternalAwsLoadBalancer(spec, annotations) ||
        Object.entries(INTERNAL_LOAD_BALANCER_ANNOTATIONS).some(
            ([key, isInternal]) => annotations[key] !== undefined && isInternal(annotations[key]),
        )
    );
}

/**
 * A public load balancer without `loadBalancerSourceRanges` accepts every client on the internet. The
 * ranges are enforced by the cloud (security groups) or by kube-proxy on bare metal.
 * https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/
 */
export const loadBalancerSourceRanges: ResourceValidationPolicy = {
    name: "loadbalancer-source-ranges",
    description: "Public LoadBalancer Services restrict their clients with loadBalancerSourceRanges (not 0.0.0.0/0).",
    enforcementLevel: "advisory",
    severity: "high",
    url: "https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/",
    remediationSteps:
        "Set spec.loadBalancerSourceRanges to the clients' CIDRs (services.loadBalancer.sourceRanges in the stack " +
        "file), or make the load balancer internal (eks.loadBalancerScheme: internal, which sets " +
        'service.beta.kubernetes.io/aws-load-balancer-internal: "true").',
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const spec = record(props.spec);
        if (text(spec.type) !== "LoadBalancer") args.notApplicable("the Service is not of type LoadBalancer");
        const annotations = annotationsOf(props);
        if (isInternalLoadBalancer(spec, annotations)) return;
        const what = `LoadBalancer Service ${describe(props, args.name)}`;
        // The annotation is the older spelling of the same field; the field wins when both are set.
        const fromField = strings(spec.loadBalancerSourceRanges);
        const ranges =
            fromField.length > 0
                ? fromField
                : (annotations["service.beta.kubernetes.io/load-balancer-source-ranges"] ?? "")
                      .split(",")
                      .map((range) => range.trim())
                      .filter((range) => range.length > 0);
        if (ranges.length === 0) {
            report(
                `${what} is public and sets no loadBalancerSourceRanges, so anyone can reach it: list the clients' ` +
                    "CIDRs in spec.loadBalancerSourceRanges, or make it internal.",
            );
            return;
        }
        const open = ranges.filter(isOpenToAll);
        if (open.length > 0) {
            report(
                `${what} allows ${open.join(", ")} in loadBalancerSourceRanges, which is everyone: list only the ` +
                    "clients' CIDRs.",
            );
        }
    }),
};

export const externalExposurePolicies = [serviceNoExternalIps, loadBalancerSourceRanges];
