/**
 * MetalLB hands out addresses only from its IPAddressPools, and announces an address only if an
 * L2Advertisement or BGPAdvertisement selects its pool: a pool nobody advertises gives Services an
 * address that no client can reach.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AddressRange, parseAddressRange, rangesOverlap } from "../lib/addresses";
import { describe, K8S, labelSelectorSelects, labelsOf, nameOf, sameNamespace } from "../lib/kubernetes";
import { matching, resourcesOfTypes, validateStack } from "../lib/validation";
import { isRecord, list, record, strings } from "../lib/values";

const ADVERTISEMENT_TYPES: readonly string[] = [K8S.l2Advertisement, K8S.bgpAdvertisement];

/**
 * True when `advertisement` announces `pool`: it names the pool in `ipAddressPools`, or one of its
 * `ipAddressPoolSelectors` matches the pool's labels; with neither, it announces every pool.
 * https://metallb.universe.tf/configuration/_advanced_l2_configuration/
 */
export function advertises(advertisement: PolicyResource, pool: PolicyResource): boolean {
    if (!sameNamespace(advertisement.props, pool.props)) return false;
    const spec = record(advertisement.props.spec);
    const names = strings(spec.ipAddressPools);
    const selectors = list(spec.ipAddressPoolSelectors).filter(isRecord);
    if (names.length === 0 && selectors.length === 0) return true;
    const poolName = nameOf(pool.props);
    return (
        (poolName !== undefined && names.includes(poolName)) ||
        selectors.some((selector) => labelSelectorSelects(selector, labelsOf(pool.props)))
    );
}

/**
 * Every pool is advertised, every address entry parses, and no two pools share an address (MetalLB's
 * webhook rejects overlapping pools, after the chart is already installed).
 */
export const metallbPoolsAdvertised: StackValidationPolicy = {
    name: "metallb-pools-advertised",
    description: "Every MetalLB IPAddressPool is selected by an L2 or BGP advertisement, and pools do not overlap.",
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://metallb.universe.tf/configuration/#announce-the-service-ips",
    remediationSteps:
        "Add the pool's name to an L2Advertisement's (or BGPAdvertisement's) spec.ipAddressPools in the same " +
        "namespace, and give every pool its own addresses.",
    validateStack: validateStack((args, report, judge) => {
        const pools = resourcesOfTypes(args, [K8S.ipAddressPool]);
        const advertisements = args.resources.filter((resource) => ADVERTISEMENT_TYPES.includes(resource.type));
        const ranges: { pool: PolicyResource; range: AddressRange }[] = [];
        for (const pool of pools) {
            judge(pool, () => {
                const what = `IPAddressPool ${describe(pool.props, pool.name)}`;
                if (matching(advertisements, (advertisement) => advertises(advertisement, pool)).length === 0) {
                    report(
                        `${what} is selected by no L2Advertisement or BGPAdvertisement, so MetalLB assigns its ` +
                            "addresses but never announces them: add an advertisement that names the pool in " +
                            "spec.ipAddressPools.",
                        pool.urn,
                    );
                }
                for (const entry of strings(record(pool.props.spec).addresses)) {
                    const range = parseAddressRange(entry);
                    if (range === undefined) {
                        report(
                            `${what} has the address entry ${entry}, which is neither a CIDR (192.168.10.0/24) nor a ` +
                                "range (192.168.9.1-192.168.9.5).",
                            pool.urn,
                        );
                        continue;
                    }
                    for (const other of ranges.filter((seen) => rangesOverlap(seen.range, range))) {
                        const where =
                            other.pool === pool
                                ? "another of its entries"
                                : `IPAddressPool ${describe(other.pool.props, other.pool.name)}`;
                        report(
                            `${what}: ${entry} overlaps ${other.range.text} of ${where}: every address may belong to ` +
                                "one pool only.",
                            pool.urn,
                        );
                    }
                    ranges.push({ pool, range });
                }
            });
        }
    }),
};

export const metallbPolicies = [metallbPoolsAdvertised];
