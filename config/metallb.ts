import { z } from "zod";
import { blocksOverlap, isIpAddress, parseAddressBlock, tryParseAddressBlock } from "./addresses";
import { fixedAddressProblem } from "./pools";
import { dnsLabel, labelMap } from "./fields";
import type { ServicesConfig } from "./services";
import { pinnedImage, releaseTag } from "./images";

const asn = z
    .number()
    .int("must be a whole number")
    .min(1, "must be an ASN in 1..4294967295")
    .max(4294967295, "must be an ASN in 1..4294967295");

/** A standard BGP community `AS:value`, both halves 16-bit. */
const community = z
    .string()
    .refine(
        (value) => /^\d{1,5}:\d{1,5}$/.test(value) && value.split(":").every((part) => Number(part) <= 65535),
        "must be a BGP community such as 64512:100 (two numbers in 0..65535)",
    );

const addressBlock = z.string().superRefine((value, ctx) => {
    try {
        parseAddressBlock(value);
    } catch (error) {
        ctx.addIssue({
            code: "custom",
            input: value,
            message: (error as Error).message,
        });
    }
});

const poolSchema = z.strictObject({
    name: dnsLabel,
    /** CIDRs or first-last ranges, IPv4 or IPv6. */
    addresses: z.array(addressBlock).min(1, "must list at least one CIDR or range"),
    /** Hand out addresses from this pool to Services that do not ask for a pool. */
    autoAssign: z.boolean().default(true),
    /** Skip .0 and .255 addresses, which some old clients mishandle. */
    avoidBuggyIPs: z.boolean().default(false),
});

const nodeSelector = z.strictObject({ matchLabels: labelMap });

const bgpPeerSchema = z.strictObject({
    name: dnsLabel,
    myASN: asn,
    peerASN: asn,
    peerAddress: z.string().refine(isIpAddress, "must be an IPv4 or IPv6 address such as 192.168.1.1"),
    /** MetalLB's BGPPeer accepts ports up to 16384. */
    peerPort: z
        .number()
        .int("must be a whole number")
        .min(1, "must be a port in 1..16384")
        .max(16384, "must be a port in 1..16384")
        .optional(),
    holdTime: z
        .string()
        .regex(/^[0-9]+(s|m|h)$/, "must be a duration such as 90s")
        .optional(),
    /** Speakers on these nodes peer with this router (default: every node). */
    nodeSelectors: z.array(nodeSelector).default([]),
});

const bgpAdvertisementSchema = z.strictObject({
    name: dnsLabel,
    /** Pools this advertisement announces (default: every pool). */
    pools: z.array(dnsLabel).optional(),
    /** Announce IPv4 addresses rolled up into prefixes of this length (MetalLB's default: 32). */
    aggregationLength: z
        .number()
        .int("must be a whole number")
        .min(1, "must be a prefix length in 1..32")
        .max(32, "must be a prefix length in 1..32")
        .optional(),
    /** The same for IPv6 addresses (MetalLB's default: 128). */
    aggregationLengthV6: z
        .number()
        .int("must be a whole number")
        .min(1, "must be a prefix length in 1..128")
        .max(128, "must be a prefix length in 1..128")
        .optional(),
    localPref: z
        .number()
        .int("must be a whole number")
        .min(0, "must be in 0..4294967295")
        .max(4294967295, "must be in 0..4294967295")
        .optional(),
    communities: z.array(community).default([]),
    /** Only these peers (by name) receive the announcement (default: every peer). */
    peers: z.array(dnsLabel).optional(),
});

/** Where MetalLB runs by default, and where the chart installs it. */
export const DEFAULT_METALLB_NAMESPACE = "metallb-system";

/** MetalLB's official chart repository. */
export const DEFAULT_CHART_REPOSITORY = "https://metallb.github.io/metallb";

/** Keys only an install of MetalLB uses, with their defaults: with `install: false` none may be set. */
export const INSTALL_ONLY_DEFAULTS = {
    chartVersion: "0.16.1",
    frrk8s: false,
    strictARP: false,
    ignoreExcludeLB: false,
    protect: false,
} as const;

/** Every key only an install of MetalLB uses: those with a default, and those that are simply left out. */
export const INSTALL_ONLY_KEYS = [
    ...(Object.keys(INSTALL_ONLY_DEFAULTS) as (keyof typeof INSTALL_ONLY_DEFAULTS)[]),
    "chartRepository",
    "chartPath",
    "images",
    "webhookCheckImage",
] as const;

/**
 * An image repository without tag or digest, registry host (and port) allowed:
 * `registry.example.com:5000/metallb/controller`.
 */
const imageRepository = z
    .string()
    .regex(
        /^[a-z0-9]+([._:/-][a-z0-9]+)*$/,
        "must be an image repository such as registry.example.com/metallb/controller (lower case, no spaces)",
    )
    .refine(
        // A registry's port sits before the first `/`; a tag after the last.
        (value) => !(value.split("/").pop() ?? "").includes(":"),
        "must be a repository without a tag: put the tag in tag",
    );

/** One of MetalLB's images, as the chart's `<component>.image` values take it. */
const metallbImage = z.strictObject({
    repository: imageRepository,
    /** @default the chart's appVersion (v0.16.1 for chart 0.16.1) */
    tag: releaseTag.optional(),
});

/** MetalLB on a bare-metal cluster: `metallb` in the stack file. */
export const metallbSchema = z
    .strictObject({
        /**
         * Install MetalLB (its chart, its namespace, the webhook check, kube-proxy's strictARP). false: use the
         * MetalLB already running in the cluster (installed by its admin, a distribution or another stack).
         */
        install: z.boolean().default(true),
        /** The namespace MetalLB runs in: where it is installed, and where pools and advertisements must live. */
        namespace: dnsLabel.default(DEFAULT_METALLB_NAMESPACE),
        /** Version of the `metallb` chart from https://metallb.github.io/metallb. */
        chartVersion: z
            .string()
            .regex(/^\d+\.\d+\.\d+$/, "must be a chart version such as 0.16.1")
            .optional(),
        mode: z.enum(["l2", "bgp"]).default("l2"),
        /** Use the FRR-K8s BGP backend (needed for BFD, communities with large values, VRFs). */
        frrk8s: z.boolean().optional(),
        /** The stack's own pools; with `install: false` it may have none and use an existing one by name. */
        pools: z.array(poolSchema).default([]),
        l2: z
            .strictObject({
                /** Pools the L2Advertisement announces (default: every pool). */
                pools: z.array(dnsLabel).optional(),
                /** Announce only from these interfaces (default: any). */
                interfaces: z.array(z.string().min(1)).default([]),
                /** Announce only from nodes matching these selectors (default: any node). */
                nodeSelectors: z.array(nodeSelector).default([]),
            })
            .prefault({}),
        bgp: z
            .strictObject({
                peers: z.array(bgpPeerSchema).default([]),
                advertisements: z.array(bgpAdvertisementSchema).default([]),
            })
            .prefault({}),
        /** Set `strictARP: true` in kube-proxy's configuration (needed with kube-proxy in IPVS mode). */
        strictARP: z.boolean().optional(),
        /**
         * Let speakers announce from nodes labelled `node.kubernetes.io/exclude-from-external-load-balancers`
         * (the chart's `speaker.ignoreExcludeLB`); kubeadm labels every control-plane node so.
         */
        ignoreExcludeLB: z.boolean().optional(),
        /**
         * Where the chart comes from when not from MetalLB's own repository: an `http(s)://` chart repository or
         * an `oci://` registry (a mirror inside an air-gapped network). @default DEFAULT_CHART_REPOSITORY
         */
        chartRepository: z
            .string()
            .regex(
                /^(https?|oci):\/\/\S+$/,
                "must be an http(s):// chart repository or an oci:// registry, such as https://charts.example.com/metallb",
            )
            .optional(),
        /** A local copy of the chart (a directory or a `.tgz`), instead of any repository. */
        chartPath: z.string().min(1, "must be the path of a chart directory or .tgz").optional(),
        /** MetalLB's images from another registry (the chart's `controller.image` and `speaker.image`). */
        images: z.strictObject({ controller: metallbImage.optional(), speaker: metallbImage.optional() }).optional(),
        /** The webhook check Job's image (it runs `kubectl`). @default registry.k8s.io/kubectl:v1.34.1 */
        webhookCheckImage: pinnedImage("busybox:1.37.0").optional(),
        /**
         * Check after `up` that a speaker announces the LoadBalancer Service's address: a Job reads MetalLB's
         * ServiceL2Status / ServiceBGPStatus for it (components/baremetal/announcement-check.ts). false: skip the
         * check, e.g. for a MetalLB without those APIs (ServiceL2Status came in 0.14.2, ServiceBGPStatus in 0.15.0).
         */
        announcementCheck: z.boolean().default(true),
        /**
         * The announcement check's images (an air-gapped mirror): `kubectl`, one with kubectl on its PATH
         * (default: webhookCheckImage, else registry.k8s.io/kubectl:v1.34.1); `shell`, one whose /bin/busybox is
         * statically linked (default busybox:1.37.0-musl).
         */
        announcementImages: z
            .strictObject({
                kubectl: pinnedImage("registry.k8s.io/kubectl:v1.34.1").optional(),
                shell: pinnedImage("busybox:1.37.0-musl").optional(),
            })
            .optional(),
        /**
         * Protect MetalLB's namespace and chart (its CRDs included) from `pulumi destroy` and from replacement:
         * deleting them deletes every stack's pools on the cluster.
         */
        protect: z.boolean().optional(),
        /**
         * The cluster runs k3s with ServiceLB turned off (`--disable=servicelb`). On k3s the program refuses to
         * go on without it: ServiceLB and MetalLB would both answer every LoadBalancer Service.
         */
        k3sServiceLBDisabled: z.boolean().default(false),
    })
    .superRefine((metallb, ctx) => {
        if (metallb.install && metallb.pools.length === 0) {
            ctx.addIssue({
                code: "custom",
                path: ["pools"],
                input: [],
                message: "must list at least one address pool",
            });
        }
        if (metallb.chartRepository !== undefined && metallb.chartPath !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["chartPath"],
                input: metallb.chartPath,
                message: "is set together with metallb.chartRepository; set one of them",
            });
        }
        if (!metallb.install) {
            for (const key of INSTALL_ONLY_KEYS) {
                if (metallb[key] !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        input: metallb[key],
                        message:
                            "is only used when the stack installs MetalLB; remove it, or set metallb.install: true",
                    });
                }
            }
        }
        const unique = (list: string[], path: (string | number)[], what: string) =>
            list.forEach((name, index) => {
                if (list.indexOf(name) !== index) {
                    ctx.addIssue({
                        code: "custom",
                        path: [...path, index, "name"],
                        input: name,
                        message: `is used by two ${what}; names must be unique`,
                    });
                }
            });
        const names = metallb.pools.map((pool) => pool.name);
        unique(names, ["pools"], "pools");
        // Refinements run even when a single entry failed its own check: skip entries that do not parse.
        const blocks = metallb.pools.flatMap((pool, poolIndex) =>
            pool.addresses.flatMap((text, addressIndex) => {
                const block = tryParseAddressBlock(text);
                return block ? [{ poolIndex, addressIndex, block }] : [];
            }),
        );
        blocks.forEach((a, i) =>
            blocks.slice(i + 1).forEach((b) => {
                if (blocksOverlap(a.block, b.block)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["pools", b.poolIndex, "addresses", b.addressIndex],
                        input: b.block.text,
                        message: `overlaps ${a.block.text} of pool ${metallb.pools[a.poolIndex].name}`,
                    });
                }
            }),
        );
        const unknownPool = (list: string[] | undefined, path: (string | number)[]) =>
            (list ?? []).forEach((name, index) => {
                if (!names.includes(name)) {
                    ctx.addIssue({
                        code: "custom",
                        path: [...path, index],
                        input: name,
                        message: `names no pool (pools: ${names.join(", ")})`,
                    });
                }
            });
        unknownPool(metallb.l2.pools, ["l2", "pools"]);
        metallb.bgp.advertisements.forEach((ad, index) =>
            unknownPool(ad.pools, ["bgp", "advertisements", index, "pools"]),
        );

        const advertised = new Set(
            metallb.mode === "l2"
                ? (metallb.l2.pools ?? names)
                : metallb.bgp.advertisements.flatMap((ad) => ad.pools ?? names),
        );
        metallb.pools.forEach((pool, index) => {
            if (!advertised.has(pool.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["pools", index, "name"],
                    input: pool.name,
                    message: `is not announced by any ${metallb.mode === "l2" ? "L2" : "BGP"} advertisement, so its addresses would never be reachable`,
                });
            }
        });
        if (metallb.mode === "bgp") {
            unique(
                metallb.bgp.peers.map((peer) => peer.name),
                ["bgp", "peers"],
                "peers",
            );
            unique(
                metallb.bgp.advertisements.map((ad) => ad.name),
                ["bgp", "advertisements"],
                "advertisements",
            );
            if (!metallb.frrk8s) {
                // MetalLB's native BGP speaker opens IPv4 sessions and announces IPv4 only; IPv6 over BGP
                // needs an FRR-based backend (https://metallb.io/concepts/bgp/).
                metallb.pools.forEach((pool, poolIndex) =>
                    pool.addresses.forEach((text, addressIndex) => {
                        if (tryParseAddressBlock(text)?.family === "ipv6" && advertised.has(pool.name)) {
                            ctx.addIssue({
                                code: "custom",
                                path: ["pools", poolIndex, "addresses", addressIndex],
                                input: text,
                                message:
                                    "is IPv6, which MetalLB announces over BGP only with the FRR-K8s backend (set metallb.frrk8s: true)",
                            });
                        }
                    }),
                );
                metallb.bgp.peers.forEach((peer, index) => {
                    if (peer.peerAddress.includes(":")) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["bgp", "peers", index, "peerAddress"],
                            input: peer.peerAddress,
                            message:
                                "is IPv6, which MetalLB's native BGP speaker cannot peer with (set metallb.frrk8s: true)",
                        });
                    }
                });
            }
            if (metallb.bgp.peers.length === 0) {
                ctx.addIssue({
                    code: "custom",
                    path: ["bgp", "peers"],
                    input: [],
                    message: "must list at least one peer in bgp mode",
                });
            }
            const peerNames = metallb.bgp.peers.map((peer) => peer.name);
            metallb.bgp.advertisements.forEach((ad, index) =>
                (ad.peers ?? []).forEach((peer, peerIndex) => {
                    if (!peerNames.includes(peer)) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["bgp", "advertisements", index, "peers", peerIndex],
                            input: peer,
                            message: `names no peer (peers: ${peerNames.join(", ")})`,
                        });
                    }
                }),
            );
        }
    })
    .transform((metallb) => ({
        ...metallb,
        chartVersion: metallb.chartVersion ?? INSTALL_ONLY_DEFAULTS.chartVersion,
        frrk8s: metallb.frrk8s ?? INSTALL_ONLY_DEFAULTS.frrk8s,
        strictARP: metallb.strictARP ?? INSTALL_ONLY_DEFAULTS.strictARP,
        ignoreExcludeLB: metallb.ignoreExcludeLB ?? INSTALL_ONLY_DEFAULTS.ignoreExcludeLB,
        protect: metallb.protect ?? INSTALL_ONLY_DEFAULTS.protect,
    }));

export type MetalLbConfig = z.output<typeof metallbSchema>;
export type MetalLbPoolConfig = z.infer<typeof poolSchema>;
export type BgpPeerConfig = z.infer<typeof bgpPeerSchema>;
export type BgpAdvertisementConfig = z.infer<typeof bgpAdvertisementSchema>;

/** Reports one problem of the stack's config: its path, the bad value and what is allowed. */
export type IssueReporter = (path: (string | number)[], input: unknown, message: string) => void;

/**
 * The LoadBalancer Service's pool and fixed addresses against the stack's MetalLB pools: a fixed address must sit
 * in a pool with `autoAssign: false` (fixedAddressProblem, config/pools.ts), or k3s's Traefik or any other Service
 * created first can take it.
 */
export function checkLoadBalancerPool(
    metallb: MetalLbConfig,
    lb: Pick<ServicesConfig["loadBalancer"], "pool" | "addresses">,
    issue: IssueReporter,
): void {
    const pools = metallb.pools;
    // An install without pools is already reported under metallb.pools.
    if (metallb.install && pools.length === 0) return;
    const pool = lb.pool ? pools.find((candidate) => candidate.name === lb.pool) : undefined;
    if (!metallb.install && lb.pool && !pool) {
        // A pool of the MetalLB already running: the platform reads it from the cluster (and checks that a
        // fixed address may come from it) before anything is created.
        return;
    }
    if (!lb.pool && pools.length === 0) {
        issue(
            ["services", "loadBalancer", "pool"],
            undefined,
            "must name an existing MetalLB pool when metallb.pools is empty (or list the stack's own pools in metallb.pools)",
        );
        return;
    }
    if (lb.pool && !pool) {
        issue(
            ["services", "loadBalancer", "pool"],
            lb.pool,
            `names no MetalLB pool (pools: ${pools.map((p) => p.name).join(", ")})`,
        );
    }
    const candidates = pool ? [pool] : pools;
    lb.addresses.forEach((address, index) => {
        const problem = fixedAddressProblem(address, candidates);
        if (problem?.kind === "outside") {
            issue(
                ["services", "loadBalancer", "addresses", index],
                address,
                `is outside ${pool ? `pool ${pool.name}` : "every MetalLB pool"} (${candidates.flatMap((c) => c.addresses).join(", ")})`,
            );
        } else if (problem?.kind === "auto-assigned") {
            issue(
                ["services", "loadBalancer", "addresses", index],
                address,
                `is in pool ${problem.pool.name}, which MetalLB hands out to any LoadBalancer Service (autoAssign: true), so another Service can take it first; put fixed addresses in a pool of their own with autoAssign: false`,
            );
        }
    });
}
