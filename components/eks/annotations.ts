/** Where an NLB is reachable from: `internet-facing` (public subnets) or `internal` (private addresses only). */
export type LoadBalancerScheme = "internet-facing" | "internal";

const PREFIX = "service.beta.kubernetes.io/aws-load-balancer";

/**
 * Annotations that make a `type: LoadBalancer` Service an NLB instead of the Classic ELB EKS creates by
 * default. On EKS the Service controller is the legacy one of the external cloud-provider-aws (the in-tree
 * AWS provider left Kubernetes in 1.27; the annotations stayed the same). It reads the scheme from
 * `aws-load-balancer-internal` (any value but "false" means internal), so that is always set explicitly.
 *
 * - `aws-load-balancer-additional-resource-tags`: the stack's tags on the NLB, for cost reports. The
 *   controller splits the value on `,` and `=` (config refuses both in tags).
 * - `aws-load-balancer-subnets`: one subnet per zone with nodes. Without it the controller takes a subnet in
 *   every zone of the VPC that no other cluster has tagged, which in a default VPC is every zone.
 *
 * cloud-provider-aws v1.34.0 pkg/providers/v1/aws.go (ServiceAnnotationLoadBalancerAdditionalTags,
 * ServiceAnnotationLoadBalancerSubnets, getLoadBalancerSubnets, findSubnets) and aws_loadbalancer.go
 * (getKeyValuePropertiesFromAnnotation).
 */
export function nlbAnnotations(
    scheme: LoadBalancerScheme,
    tags: Readonly<Record<string, string>>,
): Record<string, string> {
    return {
        [`${PREFIX}-type`]: "nlb",
        [`${PREFIX}-internal`]: scheme === "internal" ? "true" : "false",
        [`${PREFIX}-additional-resource-tags`]: additionalResourceTags(tags),
    };
}

/** The annotation that pins the NLB's subnets. */
export const NLB_SUBNETS_ANNOTATION = `${PREFIX}-subnets`;

/** `key=value` pairs joined by `,`, in a stable order. */
export function additionalResourceTags(tags: Readonly<Record<string, string>>): string {
    return Object.entries(tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
}

/** The value of `aws-load-balancer-subnets`: the first subnet of each zone (an NLB takes one per zone). */
export function nlbSubnets(zones: readonly { subnetIds: readonly string[] }[]): string {
    return zones.map((zone) => zone.subnetIds[0]).join(",");
}
