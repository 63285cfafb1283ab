import * as pulumi from "@pulumi/pulumi";
import type { BgpPeerConfig } from "../../config";
import { LabelSelector, MetalLbCustomResource, MetalLbResourceArgs } from "./custom-resource";

/** `spec` of a MetalLB `BGPPeer` (metallb.io/v1beta2, the stored version; v1beta1 is deprecated). */
export interface BGPPeerSpec {
    myASN: number;
    peerASN: number;
    peerAddress: string;
    /** @default 179 */
    peerPort?: number;
    /** RFC 4271 hold time, e.g. `90s`. */
    holdTime?: string;
    /** Peer only from nodes matching one of these; absent means every node. */
    nodeSelectors?: LabelSelector[];
}

export function bgpPeerSpec(peer: BgpPeerConfig): BGPPeerSpec {
    return {
        myASN: peer.myASN,
        peerASN: peer.peerASN,
        peerAddress: peer.peerAddress,
        ...(peer.peerPort !== undefined ? { peerPort: peer.peerPort } : {}),
        ...(peer.holdTime !== undefined ? { holdTime: peer.holdTime } : {}),
        ...(peer.nodeSelectors.length > 0
            ? { nodeSelectors: peer.nodeSelectors.map((selector) => ({ matchLabels: { ...selector.matchLabels } })) }
            : {}),
    };
}

/** A BGP router the speakers open sessions with. */
export class MetalLbBgpPeer extends MetalLbCustomResource<BGPPeerSpec> {
    constructor(name: string, args: MetalLbResourceArgs<BGPPeerSpec>, opts?: pulumi.CustomResourceOptions) {
        super("metallb.io/v1beta2", "BGPPeer", name, args, opts);
    }
}
