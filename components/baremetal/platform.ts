import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetalLbConfig, MetalLbPoolConfig, ServicesConfig } from "../../config";
import type { ClusterTarget } from "../target";
import { addressPoolSpec, MetalLbAddressPool } from "./address-pool";
import { blocksContain, tryParseAddressBlock } from "./addresses";
import {
    bgpAdvertisementSpec,
    L2_ADVERTISEMENT_NAME,
    l2AdvertisementSpec,
    MetalLbBgpAdvertisement,
    MetalLbL2Advertisement,
} from "./advertisements";
import { bgpPeerSpec, MetalLbBgpPeer } from "./bgp-peer";
import { KubeProxyStrictArp } from "./kube-proxy";
import { MetalLb } from "./metallb";
import { MetalLbWebhookCheck, webhookCheckTrigger } from "./webhook-check";

/** Service annotations MetalLB reads (the `metallb.universe.tf/` prefix is deprecated). */
export const METALLB_ANNOTATIONS = {
    pool: "metallb.io/address-pool",
    addresses: "metallb.io/loadBalancerIPs",
} as const;

/**
 * The pool a LoadBalancer Service takes its address from: the configured one; with fixed addresses and no
 * pool, the pool that holds all of them (none when they are in different pools: MetalLB then finds each
 * address's pool itself); otherwise the first pool.
 */
export function loadBalancerPool(
    loadBalancer: Pick<ServicesConfig["loadBalancer"], "pool" | "addresses">,
    pools: readonly Pick<MetalLbPoolConfig, "name" | "addresses">[],
): string | undefined {
    if (loadBalancer.pool !== undefined) return loadBalancer.pool;
    if (loadBalancer.addresses.length > 0) {
        const holder = pools.find((pool) => {
            const blocks = pool.addresses.flatMap((text) => tryParseAddressBlock(text) ?? []);
            return loadBalancer.addresses.every((address) => blocksContain(blocks, address));
        });
        return holder?.name;
    }
    return pools[0]?.name;
}

/** Annotations for the LoadBalancer Service: its pool, and its fixed addresses when it has any. */
export function loadBalancerAnnotations(
    loadBalancer: Pick<ServicesConfig["loadBalancer"], "pool" | "addresses">,
    pools: readonly Pick<MetalLbPoolConfig, "name" | "addresses">[],
): Record<string, string> {
    const pool = loadBalancerPool(loadBalancer, pools);
    return {
        ...(pool !== undefined ? { [METALLB_ANNOTATIONS.pool]: pool } : {}),
        ...(loadBalancer.addresses.length > 0
            ? { [METALLB_ANNOTATIONS.addresses]: loadBalancer.addresses.join(",") }
            : {}),
    };
}

export interface BareMetalPlatformArgs {
    /** The cluster's kubeconfig; kept a secret. @default the ambient kubeconfig (`KUBECONFIG` or ~/.kube/config) */
    kubeconfig?: pulumi.Input<string>;
    /** A context of that kubeconfig. @default its current context */
    kubeContext?: string;
    metallb: MetalLbConfig;
    /** The LoadBalancer Service's settings (pool, fixed addresses). */
    loadBalancer: Pick<ServicesConfig["loadBalancer"], "pool" | "addresses">;
    /** @default "standard" (kind's and many distributions' default class) */
    storageClassName?: pulumi.Input<string>;
}

/** An existing cluster reached by kubeconfig, with MetalLB giving LoadBalancer Services their addresses. */
export class BareMetalPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;
    public readonly provider: k8s.Provider;
    public readonly metallb: MetalLb;
    public readonly pools: MetalLbAddressPool[];
    public readonly l2Advertisements: MetalLbL2Advertisement[];
    public readonly bgpPeers: MetalLbBgpPeer[];
    public readonly bgpAdvertisements: MetalLbBgpAdvertisement[];
    public readonly kubeProxy?: KubeProxyStrictArp;
    /** Names of the MetalLB pools, as Services name them in `metallb.io/address-pool`. */
    public readonly poolNames: pulumi.Output<string[]>;
    public readonly mode: pulumi.Output<MetalLbConfig["mode"]>;

    constructor(name: string, args: BareMetalPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:platform:BareMetalPlatform", name, {}, opts);
        const { metallb } = args;

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                // Secret even when a caller passes a plain string: it holds the cluster's credentials.
                kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
                context: args.kubeContext,
            },
            { parent: this },
        );
        const children = { parent: this, provider: this.provider };

        this.metallb = new MetalLb(
            `${name}-metallb`,
            { chartVersion: metallb.chartVersion, frrk8s: metallb.frrk8s, ignoreExcludeLB: metallb.ignoreExcludeLB },
            children,
        );
        // The custom resources wait for the chart (every object ready) and for MetalLB's webhook to answer:
        // see MetalLbWebhookCheck for the race (metallb/metallb#1540, #1597, #1612) this avoids.
        const webhook = new MetalLbWebhookCheck(
            `${name}-webhook-check`,
            { trigger: webhookCheckTrigger(metallb.chartVersion, this.metallb.values), after: [this.metallb.chart] },
            children,
        );
        const afterMetalLb = { ...children, dependsOn: [this.metallb.chart, webhook.job] };

        this.pools = metallb.pools.map(
            (pool) =>
                new MetalLbAddressPool(
                    `${name}-pool-${pool.name}`,
                    { name: pool.name, spec: addressPoolSpec(pool) },
                    afterMetalLb,
                ),
        );
        // Advertisements name their pools, so they also wait for them: MetalLB never sees an advertisement
        // for a pool that does not exist yet.
        const afterPools = { ...afterMetalLb, dependsOn: [...afterMetalLb.dependsOn, ...this.pools] };
        this.l2Advertisements =
            metallb.mode === "l2"
                ? [
                      new MetalLbL2Advertisement(
                          `${name}-l2`,
                          { name: L2_ADVERTISEMENT_NAME, spec: l2AdvertisementSpec(metallb) },
                          afterPools,
                      ),
                  ]
                : [];
        this.bgpPeers =
            metallb.mode === "bgp"
                ? metallb.bgp.peers.map(
                      (peer) =>
                          new MetalLbBgpPeer(
                              `${name}-peer-${peer.name}`,
                              { name: peer.name, spec: bgpPeerSpec(peer) },
                              afterMetalLb,
                          ),
                  )
                : [];
        this.bgpAdvertisements =
            metallb.mode === "bgp"
                ? metallb.bgp.advertisements.map(
                      (ad) =>
                          new MetalLbBgpAdvertisement(
                              `${name}-bgp-${ad.name}`,
                              { name: ad.name, spec: bgpAdvertisementSpec(ad, metallb) },
                              { ...afterPools, dependsOn: [...afterPools.dependsOn, ...this.bgpPeers] },
                          ),
                  )
                : [];
        this.kubeProxy = metallb.strictARP
            ? new KubeProxyStrictArp(`${name}-kube-proxy`, { strictARP: true }, children)
            : undefined;

        this.target = {
            kind: "baremetal",
            provider: this.provider,
            storageClassName: args.storageClassName ?? "standard",
            ready: [],
            loadBalancer: {
                annotations: loadBalancerAnnotations(args.loadBalancer, metallb.pools),
                // A LoadBalancer Service created before its pool is announced waits 10 minutes for an address
                // and fails `pulumi up`; with IPVS it also needs kube-proxy restarted with strictARP.
                ready: [
                    this.metallb.chart,
                    ...this.pools,
                    ...this.l2Advertisements,
                    ...this.bgpPeers,
                    ...this.bgpAdvertisements,
                    ...(this.kubeProxy ? [this.kubeProxy.restart] : []),
                ],
            },
        };
        this.poolNames = pulumi.output(metallb.pools.map((pool) => pool.name));
        this.mode = pulumi.output(metallb.mode);
        this.registerOutputs({ poolNames: this.poolNames, mode: this.mode });
    }
}
