/**
 * What cloud-provider-aws v1.34.0 writes into the nodes' security group for each NLB Service
 * (pkg/providers/v1/aws.go `EnsureLoadBalancer`, aws_loadbalancer.go `updateInstanceSecurityGroupsForNLB`,
 * `updateInstanceSecurityGroupForNLBTraffic`, `updateInstanceSecurityGroupForNLBMTU`):
 * - one client rule per Service port and client range (`loadBalancerSourceRanges`, or `0.0.0.0/0` when the
 *   Service lists none, whatever the scheme), written as an IPv4 `CidrIp`;
 * - one health-check rule per port and NLB subnet CIDR (one subnet per node zone here);
 * - one ICMP path-MTU rule per client range.
 * Managed nodes without a security group of their own sit in the cluster security group EKS creates, whose own
 * inbound rule (all traffic from itself) is the one rule there before any Service.
 * https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html
 */
export const NODE_SECURITY_GROUP_OWN_RULES = 1;

/** AWS's default quota of inbound rules per security group (IPv4 and IPv6 rules are counted apart). https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html */
export const INBOUND_RULES_PER_SECURITY_GROUP = 60;

export interface NlbRuleCount {
    /** LoadBalancer Services of the stack (each gets its own NLB and its own rules). */
    loadBalancers: number;
    /** Ports of each Service (the nginx port: 1). */
    ports: number;
    /** Client ranges each Service lists. */
    sourceRanges: number;
    /** NLB subnets: one per node zone. */
    zones: number;
}

/** Inbound rules in the nodes' security group once every LoadBalancer Service of the stack has its NLB. */
export function nodeSecurityGroupRules(count: NlbRuleCount): number {
    return (
        NODE_SECURITY_GROUP_OWN_RULES +
        count.loadBalancers * count.ports * (count.sourceRanges + count.zones) +
        count.sourceRanges
    );
}

/** The most client ranges that fit the nodes' security group quota. */
export function maxSourceRanges(count: Omit<NlbRuleCount, "sourceRanges">): number {
    const free =
        INBOUND_RULES_PER_SECURITY_GROUP -
        NODE_SECURITY_GROUP_OWN_RULES -
        count.loadBalancers * count.ports * count.zones;
    return Math.max(0, Math.floor(free / (count.loadBalancers * count.ports + 1)));
}
