/** A subnet and the Availability Zone it lives in, by zone ID (`use1-az6`: the same place in every account). */
export interface SubnetZone {
    id: string;
    zoneId: string;
}

/** One zone that gets a managed node group, with the subnets its nodes launch in. */
export interface NodeZone {
    zoneId: string;
    subnetIds: string[];
}

/** A zone of the region: its name (`us-east-1a`, which maps to another place in each account) and its ID. */
export interface RegionZone {
    name: string;
    zoneId: string;
}

/**
 * The node zones, exactly those of `eks.zones` in their order, each with the given subnets that lie in it.
 * Nothing is chosen here: a subnet added to the VPC, or a zone added to the list, never moves a node group
 * to another zone.
 *
 * @throws Error naming `eks.zones[i]` when no subnet lies in that zone.
 */
export function nodeZones(subnets: readonly SubnetZone[], zoneIds: readonly string[], subnetsKey: string): NodeZone[] {
    return zoneIds.map((zoneId, index) => {
        const subnetIds = subnets
            .filter((subnet) => subnet.zoneId === zoneId)
            .map((subnet) => subnet.id)
            .sort();
        if (subnetIds.length === 0) {
            const have = [...new Set(subnets.map((subnet) => subnet.zoneId))].sort().join(", ");
            throw new Error(
                `stateful-nginx:eks.zones[${index}]: got ${zoneId}; ${subnetsKey} has no subnet there (its zones: ${have || "none"}): list zones of those subnets`,
            );
        }
        return { zoneId, subnetIds };
    });
}

/** The Pulumi name of a zone's node group: named by zone, so a group never changes zone. */
export function zoneNodeGroupName(base: string, zoneId: string): string {
    return `${base}-${zoneId}`;
}

/**
 * The configured zones that the region does not have (`eks.zones` written for another region).
 *
 * @returns the one-line refusal, or undefined.
 */
export function zonesOutsideRegion(zoneIds: readonly string[], region: readonly RegionZone[]): string | undefined {
    const index = zoneIds.findIndex((zoneId) => !region.some((zone) => zone.zoneId === zoneId));
    if (index < 0) return undefined;
    const have = region.map((zone) => `${zone.zoneId} (${zone.name})`).join(", ");
    return `stateful-nginx:eks.zones[${index}]: got ${zoneIds[index]}; the region's zones where EKS runs are ${have}`;
}

/** EBS volumes of the stack found in one zone. */
export interface ZoneVolumes {
    zone: RegionZone;
    volumeIds: string[];
}

/**
 * A zone left without nodes while volumes of the stack's claims live there: an EBS volume never leaves its
 * zone, so their pods would stay Pending ("volume node affinity conflict") once the zone's node group goes.
 *
 * @param found the stack's volumes in each zone that is not in `eks.zones`.
 * @returns the one-line refusal, or undefined.
 */
export function strandedVolumesProblem(zoneIds: readonly string[], found: readonly ZoneVolumes[]): string | undefined {
    const stranded = found.filter((zone) => zone.volumeIds.length > 0);
    if (stranded.length === 0) return undefined;
    const where = stranded
        .map(({ zone, volumeIds }) => `${zone.zoneId} (${zone.name}) holds ${volumeIds.sort().join(", ")}`)
        .join("; ");
    return (
        `stateful-nginx:eks.zones: got [${zoneIds.join(", ")}]; ${where}, volumes of this stack that would have no node: ` +
        `keep the zone in eks.zones, or move or delete that data first (docs/operations.md, "EKS: retiring a zone")`
    );
}
