/**
 * MetalLB hands out addresses only from its IPAddressPools, and announces an address only if an
 * L2Advertisement or BGPAdvertisement selects its pool: a pool nobody advertises gives Services an
 * address that no client can reach.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { AddressRange, parseAddressRange, rangesOverlap } from "../lib/addresses";
import { describe, K8S, labelSelectorSelects, labelsOf, nameOf, sameNamespace } from "../lib/kubernetes";
import {
    JUDGED_AFTER_APPLY,
    matching,
    resourcesOfTypes,
    validateResourceOfTypes,
    validateStack,
} from "../lib/validation";
import { isRecord, list, Props, record, strings } from "../lib/values";

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

/** The pool's entries, each parsed (undefined for one that does not parse). */
function poolRanges(pool: Props): { entry: string; range: AddressRange | undefined }[] {
    return strings(record(pool.spec).addresses).map((entry) => ({ entry, range: parseAddressRange(entry) }));
}

/**
 * Every address entry of a pool parses and no two entries of one pool overlap: MetalLB's webhook rejects
 * either when the pool is applied. Judged on the pool alone, so a resource policy: a mandatory violation
 * stops the pool before it is applied.
 */
export const metallbPoolAddresses: ResourceValidationPolicy = {
    name: "metallb-pool-addresses",
    description:
        "Every MetalLB IPAddressPool entry is a CIDR or an address range, and a pool's entries do not overlap.",
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://metallb.universe.tf/configuration/#defining-the-ips-to-assign-to-the-load-balancer-services",
    remediationSteps:
        "Write each entry of spec.addresses as a CIDR (192.168.10.0/24) or a range (192.168.9.1-192.168.9.5), " +
        "each address once.",
    validateResource: validateResourceOfTypes(K8S.ipAddressPool, (props, args, report) => {
        const what = `IPAddressPool ${describe(props, args.name)}`;
        const seen: AddressRange[] = [];
        for (const { entry, range } of poolRanges(props)) {
            if (range === undefined) {
                report(
                    `${what} has the address entry ${entry}, which is neither a CIDR (192.168.10.0/24) nor a ` +
                        "range (192.168.9.1-192.168.9.5).",
                );
                continue;
            }
            for (const other of seen.filter((earlier) => rangesOverlap(earlier, range))) {
                report(`${what}: ${entry} overlaps ${other.text}, another of its entries: list each address once.`);
            }
            seen.push(range);
        }
    }),
};

/**
 * Every pool is advertised, and no two pools share an address (MetalLB's webhook rejects overlapping pools,
 * after the chart is already installed). Both need every pool and advertisement of the stack: a stack policy.
 */
export const metallbPoolsAdvertised: StackValidationPolicy = {
    name: "metallb-pools-advertised",
    description: `Every MetalLB IPAddressPool is selected by an L2 or BGP advertisement, and pools do not overlap. ${JUDGED_AFTER_APPLY}`,
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
                // Entries that do not parse, and overlaps inside one pool, are metallb-pool-addresses' to report.
                const own = poolRanges(pool.props).flatMap(({ range }) => (range ? [range] : []));
                for (const range of own) {
                    for (const other of ranges.filter((seen) => rangesOverlap(seen.range, range))) {
                        report(
                            `${what}: ${range.text} overlaps ${other.range.text} of IPAddressPool ` +
                                `${describe(other.pool.props, other.pool.name)}: every address may belong to one pool only.`,
                            pool.urn,
                        );
                    }
                }
                ranges.push(...own.map((range) => ({ pool, range })));
            });
        }
    }),
};

export const metallbPolicies = [metallbPoolAddresses, metallbPoolsAdvertised];
