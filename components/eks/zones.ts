/** A subnet and the Availability Zone it lives in. */
export interface SubnetZone {
    id: string;
    zone: string;
}

/** One zone that gets a managed node group, with the subnets of the cluster in it. */
export interface NodeZone {
    zone: string;
    subnetIds: string[];
}

/**
 * The zones that get nodes: the first `count` zones by name among the cluster's subnets, each with its
 * subnets. Sorting by name keeps the choice the same on every `up` (AWS lists subnets in no set order).
 *
 * @throws Error naming `eks.zoneCount` when the subnets span fewer zones than asked for.
 */
export function nodeZones(subnets: readonly SubnetZone[], count: number): NodeZone[] {
    const byZone = new Map<string, string[]>();
    for (const subnet of subnets) byZone.set(subnet.zone, [...(byZone.get(subnet.zone) ?? []), subnet.id]);
    const zones = [...byZone.keys()].sort();
    if (zones.length < count) {
        throw new Error(
            `stateful-nginx:eks.zoneCount: got ${count}; the cluster's subnets span only ${zones.length} zone(s) (${zones.join(", ")})`,
        );
    }
    return zones.slice(0, count).map((zone) => ({ zone, subnetIds: [...byZone.get(zone)!].sort() }));
}

/**
 * Extra instances a rolling update of one node group launches at once. EKS raises the group's size by the
 * larger of twice its zone count and `maxUnavailable`, and a group here spans one zone.
 * https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html
 */
export function surgeNodesPerGroup(maxUnavailable: number): number {
    return Math.max(2 * 1, maxUnavailable);
}
