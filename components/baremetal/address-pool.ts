import * as pulumi from "@pulumi/pulumi";
import type { MetalLbPoolConfig } from "../../config";
import { MetalLbCustomResource, MetalLbResourceArgs } from "./custom-resource";

/** `spec` of a MetalLB `IPAddressPool` (metallb.io/v1beta1). */
export interface IPAddressPoolSpec {
    /** CIDRs or `first-last` ranges, IPv4 or IPv6. */
    addresses: string[];
    /** @default true */
    autoAssign?: boolean;
    /** @default false */
    avoidBuggyIPs?: boolean;
}

/** The pool's spec from the stack's config; every field is written out so the object shows what it does. */
export function addressPoolSpec(pool: MetalLbPoolConfig): IPAddressPoolSpec {
    return { addresses: [...pool.addresses], autoAssign: pool.autoAssign, avoidBuggyIPs: pool.avoidBuggyIPs };
}

/** A range of addresses MetalLB hands out to LoadBalancer Services. */
export class MetalLbAddressPool extends MetalLbCustomResource<IPAddressPoolSpec> {
    constructor(name: string, args: MetalLbResourceArgs<IPAddressPoolSpec>, opts?: pulumi.CustomResourceOptions) {
        super("metallb.io/v1beta1", "IPAddressPool", name, args, opts);
    }
}
