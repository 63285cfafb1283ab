import { blocksContain, tryParseAddressBlock } from "./addresses";

/** A MetalLB IPAddressPool as the fixed-address rule reads it: the stack's own, or one read from the cluster. */
export interface PoolAddresses {
    readonly name: string;
    readonly addresses: readonly string[];
    /** Unset is MetalLB's default: the pool hands its addresses out (IPAddressPool `spec.autoAssign`, true). */
    readonly autoAssign?: boolean;
}

/** What is wrong with one fixed LoadBalancer address, or undefined when nothing is. */
export type FixedAddressProblem<P extends PoolAddresses> =
    | { readonly kind: "outside" }
    | { readonly kind: "auto-assigned"; readonly pool: P };

/** The pool of `pools` whose entries hold `address`, or undefined. */
export function poolHolding<P extends PoolAddresses>(pools: readonly P[], address: string): P | undefined {
    return pools.find((pool) =>
        blocksContain(
            pool.addresses.flatMap((text) => tryParseAddressBlock(text) ?? []),
            address,
        ),
    );
}

/**
 * The rule for a fixed LoadBalancer address (`metallb.io/loadBalancerIPs`): it must lie in one of the pools it may
 * come from, and that pool must not hand its addresses out by itself. MetalLB hands out addresses of auto-assigning
 * pools lowest first to any LoadBalancer Service that asks for none (internal/allocator/allocator.go, `Allocate`,
 * v0.16.1), so another Service created first can take the fixed one and `pulumi up` waits in vain; an address asked
 * for by annotation is assigned from whichever pool holds it, auto-assigning or not (controller/service.go,
 * `allocateIPs`). The config applies it to the stack's own pools, the bare-metal platform to a pool it reads.
 */
export function fixedAddressProblem<P extends PoolAddresses>(
    address: string,
    pools: readonly P[],
): FixedAddressProblem<P> | undefined {
    const pool = poolHolding(pools, address);
    if (pool === undefined) return { kind: "outside" };
    return pool.autoAssign === false ? undefined : { kind: "auto-assigned", pool };
}
