/** Where an NLB is reachable from: `internet-facing` (public subnets) or `internal` (private addresses only). */
export type LoadBalancerScheme = "internet-facing" | "internal";

/**
 * Annotations that make a `type: LoadBalancer` Service an NLB instead of the Classic ELB the in-tree AWS
 * cloud provider creates by default, with its scheme. The in-tree provider reads the scheme from
 * `aws-load-balancer-internal` (any value but "false" means internal), so it is always set explicitly.
 * https://kubernetes.io/docs/reference/labels-annotations-taints/#service-beta-kubernetes-io-aws-load-balancer-type
 */
export function nlbAnnotations(scheme: LoadBalancerScheme): Record<string, string> {
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-internal": scheme === "internal" ? "true" : "false",
    };
}
