/**
 * Availability Zones (by zone id, which is the same in every account) where EKS cannot place its control
 * plane; the default VPC has a subnet in each of them, so they are left out of the default subnets.
 * https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 */
export const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"] as const;

export interface EndpointAccess {
    endpointPublicAccess: boolean;
    endpointPrivateAccess: boolean;
    publicAccessCidrs: string[];
}

/**
 * The API endpoint: public, limited to `cidrs`, and private too. With the private endpoint off, nodes reach
 * the API through the public one from their own public addresses, which a restricted CIDR list shuts out:
 * they would never join. With it on, node traffic stays inside the VPC.
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 */
export function endpointAccess(cidrs: readonly string[]): EndpointAccess {
    return { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: [...cidrs] };
}

/** EC2 `DescribeSubnets` filters for the default subnets of `vpcId` in the given Availability Zones. */
export function defaultSubnetFilters(vpcId: string, zoneNames: readonly string[]) {
    return [
        { name: "vpc-id", values: [vpcId] },
        { name: "default-for-az", values: ["true"] },
        { name: "availability-zone", values: [...zoneNames] },
    ];
}

// The NLB rule count lives with the config that refuses too many client ranges.
export {
    INBOUND_RULES_PER_SECURITY_GROUP,
    maxSourceRanges,
    NODE_SECURITY_GROUP_OWN_RULES,
    type NlbRuleCount,
    nodeSecurityGroupRules,
} from "../../config/nlb-rules";
