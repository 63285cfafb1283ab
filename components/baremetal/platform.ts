import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetalLbConfig, MetalLbPoolConfig, ServicesConfig } from "../../config";
import { METALLB_ANNOTATIONS } from "../metallb-annotations";
import type { ClusterTarget } from "../target";
import { addressPoolSpec, MetalLbAddressPool } from "./address-pool";
import { fixedAddressProblem, poolHolding } from "../../config/pools";
import {
    bgpAdvertisementSpec,
    L2_ADVERTISEMENT_NAME,
    l2AdvertisementSpec,
    MetalLbBgpAdvertisement,
    MetalLbL2Advertisement,
} from "./advertisements";
import { bgpPeerSpec, MetalLbBgpPeer } from "./bgp-peer";
import {
    ClusterFacts,
    embeddedKubeProxy,
    METALLB_APIS,
    metallbApiServed,
    missingMetalLbApis,
    readClusterFacts,
    runsK3s,
} from "./cluster-facts";
import { existingMetalLbProblem, readExistingMetalLb } from "./existing-metallb";
import { KUBE_PROXY, KubeProxyStrictArp } from "./kube-proxy";
import { MetalLb } from "./metallb";
import { stackObjectName } from "./names";
import { MetalLbWebhookCheck, WEBHOOK_CHECK_NAME, webhookCheckTrigger } from "./webhook-check";
import {
    ANNOUNCEMENT_CHECK_NAME,
    AnnouncedService,
    announcementCheckScript,
    MetalLbAnnouncementCheck,
} from "./announcement-check";

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
        const holder = pools.find((pool) =>
            loadBalancer.addresses.every((address) => poolHolding([pool], address) !== undefined),
        );
        return holder?.name;
    }
    return pools[0]?.name;
}

/**
 * Annotations for the LoadBalancer Service: its pool, and its fixed addresses when it has any. A pool of the
 * stack's own is named by its object name (`poolObjectName`, the stack's prefix added); a pool the stack does not
 * create (an existing one, with `metallb.install: false`) by its name as it is.
 */
export function loadBalancerAnnotations(
    loadBalancer: Pick<ServicesConfig["loadBalancer"], "pool" | "addresses">,
    pools: readonly Pick<MetalLbPoolConfig, "name" | "addresses">[],
    poolObjectName: (name: string) => string = (name) => name,
): Record<string, string> {
    const pool = loadBalancerPool(loadBalancer, pools);
    const own = pools.some((candidate) => candidate.name === pool);
    return {
        ...(pool !== undefined ? { [METALLB_ANNOTATIONS.pool]: own ? poolObjectName(pool) : pool } : {}),
        ...(loadBalancer.addresses.length > 0
            ? { [METALLB_ANNOTATIONS.addresses]: loadBalancer.addresses.join(",") }
            : {}),
    };
}

/**
 * What stops a stack before it creates anything, from what the cluster says about itself (one line naming the
 * key to change), or undefined when nothing does.
 */
export function preflightProblem(
    metallb: Pick<MetalLbConfig, "install" | "mode" | "namespace" | "strictARP"> &
        Partial<Pick<MetalLbConfig, "k3sServiceLBDisabled">>,
    facts: ClusterFacts,
): string | undefined {
    if (!metallb.install) {
        const needed = missingMetalLbApis(facts).filter((api) => requiredMetalLbApis(metallb.mode).includes(api));
        if (needed.length > 0) {
            return (
                `stateful-nginx:metallb.install: got false; MetalLB must then already run in the cluster, but its API ` +
                `(${needed.join(", ")}) is not served (or the cluster could not be reached): install MetalLB into ${metallb.namespace} first, or set metallb.install: true`
            );
        }
    }
    // ServiceLB and MetalLB both write a LoadBalancer Service's status.loadBalancer, and ServiceLB's are node
    // addresses: the stack's output could end up a node's (MetalLB's docs, https://metallb.io/configuration/k3s/).
    if (runsK3s(facts) && !metallb.k3sServiceLBDisabled) {
        return (
            `stateful-nginx:metallb.k3sServiceLBDisabled: got false; the cluster runs k3s (${facts.kubeVersion}), whose ` +
            "own load balancer ServiceLB would answer LoadBalancer Services beside MetalLB: start every k3s server with " +
            "--disable=servicelb, then set metallb.k3sServiceLBDisabled: true"
        );
    }
    const embedded = embeddedKubeProxy(facts);
    if (metallb.install && metallb.strictARP && embedded) {
        return (
            `stateful-nginx:metallb.strictARP: got true; ${embedded} (${facts.kubeVersion}) runs kube-proxy without the ` +
            `${KUBE_PROXY.namespace}/${KUBE_PROXY.name} ConfigMap, so strictARP cannot be set there: set it false and start ` +
            `${embedded} with --kube-proxy-arg ipvs-strict-arp=true (needed only in IPVS mode)`
        );
    }
    return undefined;
}

/** The fields of an existing IPAddressPool the platform looks at. */
export interface ExistingPoolSpec {
    addresses?: string[];
    autoAssign?: boolean;
}

/**
 * Fixed addresses from a pool the stack does not create: the rule the config applies to its own pools
 * (fixedAddressProblem, config/pools.ts), checked on the pool as the cluster has it.
 */
export function existingPoolProblem(
    spec: ExistingPoolSpec | undefined,
    addresses: readonly string[],
    pool: string,
): string | undefined {
    const key = `stateful-nginx:services.loadBalancer.addresses: got ${JSON.stringify(addresses)}`;
    const live = { name: pool, addresses: spec?.addresses ?? [], autoAssign: spec?.autoAssign };
    const problems = addresses.map((address) => ({ address, problem: fixedAddressProblem(address, [live]) }));
    // MetalLB would never assign an address outside the pool, and `pulumi up` would wait for one that cannot come.
    const outside = problems.filter(({ problem }) => problem?.kind === "outside").map(({ address }) => address);
    if (outside.length > 0) {
        const entries = live.addresses.length > 0 ? live.addresses.join(", ") : "no addresses";
        return `${key}; ${outside.join(", ")} is outside pool ${pool} (${entries})`;
    }
    if (problems.some(({ problem }) => problem?.kind === "auto-assigned")) {
        return (
            `${key}; pool ${pool} hands out addresses to any LoadBalancer Service (autoAssign is not false), so ` +
            "another Service can take a fixed one first: use a pool with autoAssign: false"
        );
    }
    return undefined;
}

/** The MetalLB APIs a stack that does not install MetalLB needs, by the mode it announces in. */
export function requiredMetalLbApis(mode: MetalLbConfig["mode"]): string[] {
    return METALLB_APIS.filter((api) =>
        mode === "l2" ? !/\/(BGPAdvertisement|BGPPeer)$/.test(api) : !api.endsWith("/L2Advertisement"),
    );
}

/** The CRDs a stack that does not install MetalLB reads, by the mode it announces in. */
export function requiredCrds(mode: MetalLbConfig["mode"]): string[] {
    return [
        "ipaddresspools.metallb.io",
        ...(mode === "l2" ? ["l2advertisements.metallb.io"] : ["bgpadvertisements.metallb.io", "bgppeers.metallb.io"]),
    ];
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
    /**
     * Prefix of the name of every object the platform creates in MetalLB's namespace (pools, advertisements,
     * peers, the webhook check), so stacks that share a cluster never write the same object.
     * @default the stack's name
     */
    stackName?: string;
}

/** An existing cluster reached by kubeconfig, with MetalLB giving LoadBalancer Services their addresses. */
export class BareMetalPlatform extends pulumi.ComponentResource {
    public readonly target: ClusterTarget;
    public readonly provider: k8s.Provider;
    /** MetalLB's chart and namespace; undefined with `metallb.install: false`. */
    public readonly metallb?: MetalLb;
    /** With `metallb.install: false`: MetalLB's CRDs, read from the cluster. */
    public readonly crds: k8s.apiextensions.v1.CustomResourceDefinition[];
    /** With `metallb.install: false` and `services.loadBalancer.pool` naming no pool of the stack's: that pool. */
    public readonly existingPool?: k8s.apiextensions.CustomResource;
    public readonly pools: MetalLbAddressPool[];
    public readonly l2Advertisements: MetalLbL2Advertisement[];
    public readonly bgpPeers: MetalLbBgpPeer[];
    public readonly bgpAdvertisements: MetalLbBgpAdvertisement[];
    public readonly kubeProxy?: KubeProxyStrictArp;
    /**
     * Settles once what the cluster says about itself has been checked (MetalLB there when not installed, no
     * embedded kube-proxy when strictARP is asked for); rejects with a one-line RunError otherwise. The program
     * awaits it before it registers the workload.
     */
    public readonly preflight: Promise<void>;
    /** Names of the MetalLB pools, as Services name them in `metallb.io/address-pool`. */
    public readonly poolNames: pulumi.Output<string[]>;
    public readonly mode: pulumi.Output<MetalLbConfig["mode"]>;
    private readonly metallbConfig: MetalLbConfig;
    private readonly stack: string;
    private readonly componentName: string;

    constructor(name: string, args: BareMetalPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:platform:BareMetalPlatform", name, {}, opts);
        const { metallb } = args;
        const stack = args.stackName ?? pulumi.getStack();
        const objectName = (base: string) => stackObjectName(stack, base);
        const namespace = metallb.namespace;
        this.metallbConfig = metallb;
        this.stack = stack;
        this.componentName = name;

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

        // Every stack asks the cluster first (k3s's ServiceLB, MetalLB already there, kube-proxy), and nothing of
        // MetalLB is registered before the answer is judged: a refused cluster is never half-installed.
        const fail = (problem: string | undefined) => {
            if (problem !== undefined) throw new pulumi.RunError(problem);
        };
        this.preflight = readClusterFacts(this.provider, this).then(async (facts) => {
            fail(preflightProblem(metallb, facts));
            // A MetalLB that is already there (or its CRDs): read whose it is before installing or using it.
            if (metallbApiServed(facts)) {
                fail(
                    existingMetalLbProblem(
                        metallb,
                        await readExistingMetalLb(`${name}-metallb-webhook`, this.provider, this),
                    ),
                );
            }
        });
        // An id that is sent only once the preflight passed: a failed check stops the read with its own line.
        const afterPreflight = (id: string) => pulumi.output(this.preflight.then(() => id));

        let after: pulumi.Resource[];
        if (metallb.install) {
            this.metallb = new MetalLb(
                `${name}-metallb`,
                {
                    chartVersion: metallb.chartVersion,
                    frrk8s: metallb.frrk8s,
                    ignoreExcludeLB: metallb.ignoreExcludeLB,
                    namespace,
                    chartRepository: metallb.chartRepository,
                    chartPath: metallb.chartPath,
                    images: metallb.images,
                    judged: this.preflight,
                },
                // Protected, the namespace and the chart (MetalLB's CRDs among its objects) inherit it: deleting
                // either deletes every stack's pools. Children take their parent's protect in @pulumi/pulumi 3.248
                // (resource.ts) and in the Go SDK v3.248.0 that renders the chart in the provider (context.go).
                { ...children, protect: metallb.protect },
            );
            // The custom resources wait for the chart (every object ready) and for MetalLB's webhook to answer:
            // see MetalLbWebhookCheck for the race (metallb/metallb#1540, #1597, #1612) this avoids.
            const webhook = new MetalLbWebhookCheck(
                `${name}-webhook-check`,
                {
                    trigger: webhookCheckTrigger(metallb.chartVersion, this.metallb.values),
                    after: [this.metallb.chart],
                    objectName: objectName(WEBHOOK_CHECK_NAME),
                    namespace,
                    image: metallb.webhookCheckImage,
                },
                // Registered only once MetalLB's component is, so only after the preflight passed.
                { ...children, dependsOn: [this.metallb] },
            );
            this.crds = [];
            after = [this.metallb.chart, webhook.job];
        } else {
            this.crds = requiredCrds(metallb.mode).map((crd) =>
                k8s.apiextensions.v1.CustomResourceDefinition.get(
                    `${name}-crd-${crd.split(".")[0]}`,
                    afterPreflight(crd),
                    children,
                ),
            );
            after = [...this.crds];
        }
        const afterMetalLb = { ...children, dependsOn: after };

        const lb = args.loadBalancer;
        const ownPool = (pool: string) => metallb.pools.some((candidate) => candidate.name === pool);
        if (!metallb.install && lb.pool !== undefined && !ownPool(lb.pool)) {
            // The constructor with an id reads; unlike CustomResource.get it also brings back `spec`.
            this.existingPool = new k8s.apiextensions.CustomResource(
                `${name}-existing-pool`,
                { apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: undefined, spec: undefined },
                { ...afterMetalLb, id: afterPreflight(`${namespace}/${lb.pool}`) },
            );
        }

        // Renaming a pool keeps its addresses, and MetalLB's webhook refuses two pools that overlap: the old
        // object must go before the new one is created, and a pool new to the stack waits for the ones before
        // it, which may be giving up its addresses in the same update (a range split into two pools).
        this.pools = [];
        for (const pool of metallb.pools) {
            this.pools.push(
                new MetalLbAddressPool(
                    `${name}-pool-${pool.name}`,
                    { name: objectName(pool.name), namespace, spec: addressPoolSpec(pool) },
                    {
                        ...afterMetalLb,
                        dependsOn: [...afterMetalLb.dependsOn, ...this.pools],
                        deleteBeforeReplace: true,
                    },
                ),
            );
        }
        const poolObjectName = (pool: string) => (ownPool(pool) ? objectName(pool) : pool);
        const peerObjectName = (peer: string) => objectName(peer);
        // Advertisements name their pools, so they also wait for them: MetalLB never sees an advertisement
        // for a pool that does not exist yet.
        const afterPools = { ...afterMetalLb, dependsOn: [...afterMetalLb.dependsOn, ...this.pools] };
        this.l2Advertisements =
            metallb.mode === "l2" && metallb.pools.length > 0
                ? [
                      new MetalLbL2Advertisement(
                          `${name}-l2`,
                          {
                              name: objectName(L2_ADVERTISEMENT_NAME),
                              namespace,
                              spec: l2AdvertisementSpec(metallb, poolObjectName),
                          },
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
                              { name: peerObjectName(peer.name), namespace, spec: bgpPeerSpec(peer) },
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
                              {
                                  name: objectName(ad.name),
                                  namespace,
                                  spec: bgpAdvertisementSpec(ad, metallb, poolObjectName, peerObjectName),
                              },
                              { ...afterPools, dependsOn: [...afterPools.dependsOn, ...this.bgpPeers] },
                          ),
                  )
                : [];
        this.kubeProxy =
            metallb.install && metallb.strictARP
                ? new KubeProxyStrictArp(
                      `${name}-kube-proxy`,
                      { strictARP: true, liveId: afterPreflight(`${KUBE_PROXY.namespace}/${KUBE_PROXY.name}`) },
                      children,
                  )
                : undefined;

        const annotations: Record<string, pulumi.Input<string>> = loadBalancerAnnotations(
            lb,
            metallb.pools,
            poolObjectName,
        );
        if (this.existingPool && lb.addresses.length > 0) {
            const spec = (this.existingPool as unknown as { spec: pulumi.Output<ExistingPoolSpec | undefined> }).spec;
            annotations[METALLB_ANNOTATIONS.addresses] = spec.apply((live) => {
                const problem = existingPoolProblem(live, lb.addresses, `${namespace}/${lb.pool}`);
                if (problem !== undefined) throw new pulumi.RunError(problem);
                return lb.addresses.join(",");
            });
        }

        this.target = {
            kind: "baremetal",
            provider: this.provider,
            storageClassName: args.storageClassName ?? "standard",
            // Without an install, the workload waits until MetalLB is known to be there.
            ready: [...this.crds],
            loadBalancer: {
                annotations,
                // A LoadBalancer Service created before its pool is announced waits 10 minutes for an address
                // and fails `pulumi up`; with IPVS it also needs kube-proxy restarted with strictARP.
                ready: [
                    ...(this.metallb ? [this.metallb.chart] : this.crds),
                    ...(this.existingPool ? [this.existingPool] : []),
                    ...this.pools,
                    ...this.l2Advertisements,
                    ...this.bgpPeers,
                    ...this.bgpAdvertisements,
                    ...(this.kubeProxy ? [this.kubeProxy.restart] : []),
                ],
            },
        };
        this.poolNames = pulumi.output(
            metallb.pools.length > 0 ? metallb.pools.map((pool) => objectName(pool.name)) : lb.pool ? [lb.pool] : [],
        );
        this.mode = pulumi.output(metallb.mode);
        this.registerOutputs({ poolNames: this.poolNames, mode: this.mode });
    }

    /**
     * With `metallb.announcementCheck` (the default), a Job that fails `pulumi up` unless a MetalLB speaker
     * announces the Service's address (see MetalLbAnnouncementCheck); undefined when turned off.
     */
    checkAnnouncement(loadBalancer: AnnouncedService): MetalLbAnnouncementCheck | undefined {
        const metallb = this.metallbConfig;
        if (!metallb.announcementCheck) return undefined;
        return new MetalLbAnnouncementCheck(
            `${this.componentName}-announcement-check`,
            {
                mode: metallb.mode,
                loadBalancer,
                // A changed MetalLB configuration (advertisements, node selectors, chart) or script reruns it.
                trigger: webhookCheckTrigger(metallb.chartVersion, {
                    metallb,
                    script: announcementCheckScript(),
                }),
                image: metallb.announcementImages?.kubectl ?? metallb.webhookCheckImage,
                shellImage: metallb.announcementImages?.shell,
                objectName: stackObjectName(this.stack, ANNOUNCEMENT_CHECK_NAME),
                namespace: metallb.namespace,
            },
            { parent: this, provider: this.provider },
        );
    }
}
