import * as pulumi from "@pulumi/pulumi";
import type { BgpAdvertisementConfig, MetalLbConfig } from "../../config";
import { LabelSelector, MetalLbCustomResource, MetalLbResourceArgs } from "./custom-resource";

/** `spec` of a MetalLB `L2Advertisement` (metallb.io/v1beta1). */
export interface L2AdvertisementSpec {
    /** Pools announced, by name. */
    ipAddressPools?: string[];
    /** Announce only from these interfaces; absent means every interface. */
    interfaces?: string[];
    /** Announce only from nodes matching one of these; absent means every node. */
    nodeSelectors?: LabelSelector[];
}

/** `spec` of a MetalLB `BGPAdvertisement` (metallb.io/v1beta1). */
export interface BGPAdvertisementSpec {
    ipAddressPools?: string[];
    /** @default 32 */
    aggregationLength?: number;
    /** @default 128 */
    aggregationLengthV6?: number;
    localPref?: number;
    communities?: string[];
    /** BGPPeer names; absent means every peer. */
    peers?: string[];
}

/** Name of the one L2Advertisement a bare-metal stack creates, after the stack's prefix. */
export const L2_ADVERTISEMENT_NAME = "l2-advertisement";

/**
 * The L2Advertisement's spec. Pools are always listed by name (every configured pool by default), so a pool
 * someone else adds to metallb-system is not announced by this stack by accident.
 */
export function l2AdvertisementSpec(
    metallb: MetalLbConfig,
    poolObjectName: (name: string) => string = (name) => name,
): L2AdvertisementSpec {
    const { l2 } = metallb;
    return {
        ipAddressPools: (l2.pools ?? metallb.pools.map((pool) => pool.name)).map(poolObjectName),
        ...(l2.interfaces.length > 0 ? { interfaces: [...l2.interfaces] } : {}),
        ...(l2.nodeSelectors.length > 0
            ? { nodeSelectors: l2.nodeSelectors.map((selector) => ({ matchLabels: { ...selector.matchLabels } })) }
            : {}),
    };
}

/**
 * A BGPAdvertisement's spec; fields left out of the config stay out, so MetalLB's defaults apply. Pools and
 * peers are named by their object names (the stack's prefix added).
 */
export function bgpAdvertisementSpec(
    ad: BgpAdvertisementConfig,
    metallb: MetalLbConfig,
    poolObjectName: (name: string) => string = (name) => name,
    peerObjectName: (name: string) => string = (name) => name,
): BGPAdvertisementSpec {
    return {
        ipAddressPools: (ad.pools ?? metallb.pools.map((pool) => pool.name)).map(poolObjectName),
        ...(ad.aggregationLength !== undefined ? { aggregationLength: ad.aggregationLength } : {}),
        ...(ad.aggregationLengthV6 !== undefined ? { aggregationLengthV6: ad.aggregationLengthV6 } : {}),
        ...(ad.localPref !== undefined ? { localPref: ad.localPref } : {}),
        ...(ad.communities.length > 0 ? { communities: [...ad.communities] } : {}),
        ...(ad.peers !== undefined ? { peers: ad.peers.map(peerObjectName) } : {}),
    };
}

/** Announces pools' addresses with ARP (IPv4) and NDP (IPv6) from one node per address. */
export class MetalLbL2Advertisement extends MetalLbCustomResource<L2AdvertisementSpec> {
    constructor(name: string, args: MetalLbResourceArgs<L2AdvertisementSpec>, opts?: pulumi.CustomResourceOptions) {
        super("metallb.io/v1beta1", "L2Advertisement", name, args, opts);
    }
}

/** Announces pools' addresses to BGP peers. */
export class MetalLbBgpAdvertisement extends MetalLbCustomResource<BGPAdvertisementSpec> {
    constructor(name: string, args: MetalLbResourceArgs<BGPAdvertisementSpec>, opts?: pulumi.CustomResourceOptions) {
        super("metallb.io/v1beta1", "BGPAdvertisement", name, args, opts);
    }
}
