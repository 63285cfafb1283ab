/**
 * Plain helpers of the end-to-end test: when it may run, the kind stack's configuration, and reading what
 * `kubectl get -o json` says about pods, claims and Jobs. No cluster needed; unit-tested in
 * `test/verify-e2e.spec.ts`.
 */
import * as fs from "fs";
import * as path from "path";
import { blocksContain, parseAddressBlock } from "../../config/addresses";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Prerequisites {
    /** The kubeconfig of the cluster to test against, when everything is there. */
    readonly kubeconfig?: string;
    /** Why the suite cannot run, when something is missing. */
    readonly missing?: string;
}

/** The first executable named `command` on `PATH`, or undefined. */
export function findOnPath(command: string, pathVariable: string | undefined): string | undefined {
    for (const dir of (pathVariable ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, command);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/**
 * Whether the end-to-end suite can run: `E2E_KUBECONFIG` names a readable kubeconfig, and the `pulumi` CLI
 * and `kubectl` are on the PATH. Otherwise says what is missing.
 */
export function e2ePrerequisites(
    env: NodeJS.ProcessEnv,
    onPath: (command: string) => boolean = (command) => findOnPath(command, env.PATH) !== undefined,
): Prerequisites {
    const kubeconfig = env.E2E_KUBECONFIG;
    if (!kubeconfig) return { missing: "E2E_KUBECONFIG is not set (the kubeconfig of a disposable cluster)" };
    if (!fs.existsSync(kubeconfig)) return { missing: `E2E_KUBECONFIG names ${kubeconfig}, which does not exist` };
    const absent = ["pulumi", "kubectl"].filter((command) => !onPath(command));
    if (absent.length > 0) return { missing: `${absent.join(" and ")} not found on PATH` };
    return { kubeconfig };
}

/**
 * A MetalLB range at the top of a Docker network's IPv4 subnet, clear of the addresses Docker hands out from
 * the bottom: for kind's `172.18.0.0/16`, `172.18.255.200-172.18.255.250`.
 */
export function poolRangeFromSubnet(subnet: string): string {
    const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(subnet.trim());
    if (!match) throw new Error(`not an IPv4 subnet: ${subnet}`);
    const prefix = Number(match[5]);
    if (prefix > 24) throw new Error(`subnet ${subnet} is too small for a pool of 51 addresses (need /24 or larger)`);
    const base = match.slice(1, 5).reduce((value, octet) => value * 256 + Number(octet), 0);
    const last = base - (base % 2 ** (32 - prefix)) + 2 ** (32 - prefix) - 1;
    const dotted = (value: number) => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
    // .200-.250 of the subnet's last /24: leaves .251-.254 and the broadcast address alone.
    const lastBlock = last - 255;
    return `${dotted(lastBlock + 200)}-${dotted(lastBlock + 250)}`;
}

/** The first IPv4 subnet in `docker network inspect` output. */
export function ipv4SubnetOfDockerNetwork(inspectJson: string): string {
    const [network] = JSON.parse(inspectJson) as any[];
    const subnet = (network?.IPAM?.Config ?? [])
        .map((config: any) => config.Subnet as string)
        .find((value: string) => /^\d+\.\d+\.\d+\.\d+\//.test(value));
    if (!subnet) throw new Error("the Docker network has no IPv4 subnet");
    return subnet;
}

export interface KindStackOptions {
    /** Contents of the cluster's kubeconfig (set as the secret `kubeconfig`). */
    readonly kubeconfig: string;
    /** The MetalLB pool: a range or CIDR on the nodes' network. */
    readonly poolAddresses: string;
    /** A namespace of its own, so the test never touches anything else. */
    readonly namespace: string;
    readonly replicas: number;
    /** @default "OrderedReady" */
    readonly podManagementPolicy?: "OrderedReady" | "Parallel";
    /** @default "1Gi" */
    readonly storageSize?: string;
}

/** The pool's name in the kind stack. */
export const E2E_POOL = "e2e-pool";

/**
 * The kind stack's configuration, as `{key: {value, secret}}` for the Automation API: the dev stack's shape
 * with the pool taken from the kind network, a namespace of its own, kind's `standard` storage class, and
 * addresses and node ports left for MetalLB and Kubernetes to pick.
 */
export function kindStackConfig(options: KindStackOptions): Record<string, { value: string; secret?: boolean }> {
    const json = (value: unknown) => ({ value: JSON.stringify(value) });
    return {
        "stateful-nginx:platform": { value: "baremetal" },
        "stateful-nginx:kubeconfig": { value: options.kubeconfig, secret: true },
        "stateful-nginx:metallb": json({
            mode: "l2",
            pools: [{ name: E2E_POOL, addresses: [options.poolAddresses], autoAssign: true, avoidBuggyIPs: false }],
            l2: { interfaces: [] },
            strictARP: false,
        }),
        "stateful-nginx:app": json({
            name: "nginx",
            namespace: options.namespace,
            replicas: options.replicas,
            podManagementPolicy: options.podManagementPolicy ?? "OrderedReady",
            // kind's standard class (local-path) cannot expand volumes.
            storage: { size: options.storageSize ?? "1Gi", storageClassName: "standard", allowsExpansion: false },
        }),
        "stateful-nginx:services": json({
            loadBalancer: { pool: E2E_POOL, addresses: [], sourceRanges: [], externalTrafficPolicy: "Cluster" },
            externalNames: { database: "db.e2e.example.com" },
            exposures: [],
        }),
        "stateful-nginx:verify": json({ enabled: true }),
    };
}

/** True if `address` lies in the range or CIDR `pool`. */
export function inPool(address: string, pool: string): boolean {
    return blocksContain([parseAddressBlock(pool)], address);
}

export interface PodFacts {
    readonly name: string;
    readonly uid: string;
    readonly ordinal: number;
    readonly createdAt: Date;
    /** When the Ready condition last became True; undefined while not ready. */
    readonly readyAt?: Date;
    /** Claim names of the pod's PVC volumes. */
    readonly claims: string[];
}

/** Pods of a StatefulSet from `kubectl get pods -o json`, in ordinal order. */
export function parseStatefulSetPods(listJson: string, statefulSetName: string): PodFacts[] {
    const items = (JSON.parse(listJson).items ?? []) as any[];
    const pattern = new RegExp(`^${statefulSetName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d+)$`);
    return items
        .flatMap((pod): PodFacts[] => {
            const match = pattern.exec(pod.metadata?.name ?? "");
            if (!match) return [];
            const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === "Ready" && c.status === "True");
            return [
                {
                    name: pod.metadata.name,
                    uid: pod.metadata.uid,
                    ordinal: Number(match[1]),
                    createdAt: new Date(pod.metadata.creationTimestamp),
                    readyAt: ready ? new Date(ready.lastTransitionTime) : undefined,
                    claims: (pod.spec?.volumes ?? []).flatMap((v: any) =>
                        v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
                    ),
                },
            ];
        })
        .sort((a, b) => a.ordinal - b.ordinal);
}

/**
 * What contradicts an ordered start: pods 0..N-1 present and ready, each created no earlier than the previous
 * one became ready (OrderedReady). Timestamps have one-second resolution, so equal times are in order.
 * Returns the problems; empty means in order.
 */
export function orderedStartProblems(pods: readonly PodFacts[], replicas: number): string[] {
    const problems: string[] = [];
    const ordinals = pods.map((pod) => pod.ordinal);
    const expected = Array.from({ length: replicas }, (_, index) => index);
    if (JSON.stringify(ordinals) !== JSON.stringify(expected)) {
        problems.push(`pods ${ordinals.join(", ") || "none"}, want ${expected.join(", ")}`);
    }
    for (const pod of pods) {
        if (!pod.readyAt) problems.push(`${pod.name} is not ready`);
    }
    for (let index = 1; index < pods.length; index++) {
        const previous = pods[index - 1];
        const pod = pods[index];
        if (previous.readyAt && pod.createdAt.getTime() < previous.readyAt.getTime()) {
            problems.push(
                `${pod.name} was created at ${pod.createdAt.toISOString()}, before ${previous.name} was ready at ${previous.readyAt.toISOString()}`,
            );
        }
    }
    return problems;
}

export interface ClaimFacts {
    readonly name: string;
    readonly uid: string;
    readonly phase: string;
    readonly volumeName?: string;
}

/** PersistentVolumeClaims from `kubectl get pvc -o json`, by name. */
export function parseClaims(listJson: string): Map<string, ClaimFacts> {
    const items = (JSON.parse(listJson).items ?? []) as any[];
    return new Map(
        items.map((claim) => [
            claim.metadata.name,
            {
                name: claim.metadata.name,
                uid: claim.metadata.uid,
                phase: claim.status?.phase ?? "Unknown",
                volumeName: claim.spec?.volumeName,
            },
        ]),
    );
}

/** The claim a StatefulSet creates for a pod: `<template>-<set>-<ordinal>`. */
export function claimNameOf(template: string, statefulSetName: string, ordinal: number): string {
    return `${template}-${statefulSetName}-${ordinal}`;
}

/** Problems with "one bound claim per pod, named after it"; empty means none. */
export function claimProblems(
    pods: readonly PodFacts[],
    claims: ReadonlyMap<string, ClaimFacts>,
    template: string,
    statefulSetName: string,
): string[] {
    return pods.flatMap((pod) => {
        const want = claimNameOf(template, statefulSetName, pod.ordinal);
        const problems: string[] = [];
        if (JSON.stringify(pod.claims) !== JSON.stringify([want])) {
            problems.push(`${pod.name} mounts ${pod.claims.join(", ") || "no claim"}, want ${want}`);
        }
        const claim = claims.get(want);
        if (!claim) problems.push(`claim ${want} does not exist`);
        else if (claim.phase !== "Bound") problems.push(`claim ${want} is ${claim.phase}, want Bound`);
        return problems;
    });
}

/** Whether a Job (`kubectl get job -o json`) completed, and if not, why. */
export function jobOutcome(jobJson: string): { succeeded: boolean; reason: string } {
    const job = JSON.parse(jobJson);
    const conditions = (job.status?.conditions ?? []) as any[];
    const complete = conditions.find((c) => c.type === "Complete" && c.status === "True");
    if (complete && (job.status?.succeeded ?? 0) >= 1) return { succeeded: true, reason: "Complete" };
    const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
    if (failed) return { succeeded: false, reason: `Failed: ${failed.reason ?? ""} ${failed.message ?? ""}`.trim() };
    return { succeeded: false, reason: `not finished (active ${job.status?.active ?? 0})` };
}

/**
 * An HTTP GET from this machine (the test runner, outside the cluster), with a timeout. On kind the runner
 * sits on the nodes' Docker network, so an answer on a MetalLB address proves a speaker announced it (ARP in
 * L2 mode): the in-cluster verification Job cannot prove that, since kube-proxy answers a LoadBalancer address
 * inside the cluster without any announcement.
 */
export async function fetchFromRunner(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    return { status: response.status, body: await response.text() };
}

/** The URL of a LoadBalancer address and port, with IPv6 addresses in brackets. */
export function loadBalancerUrl(address: string, port: number): string {
    return address.includes(":") ? `http://[${address}]:${port}/` : `http://${address}:${port}/`;
}

export interface VerificationLog {
    readonly passed: string[];
    readonly failed: { readonly check: string; readonly reason: string }[];
}

/** Reads the PASS and FAIL lines of a verification Job's log (`kubectl logs job/<name>`). */
export function parseVerificationLog(text: string): VerificationLog {
    const passed: string[] = [];
    const failed: { check: string; reason: string }[] = [];
    for (const line of text.split(/\r?\n/)) {
        const pass = /^PASS (.+)$/.exec(line);
        if (pass) passed.push(pass[1].trim());
        const fail = /^FAIL (.+?): (.*)$/.exec(line);
        if (fail) failed.push({ check: fail[1], reason: fail[2] });
    }
    return { passed, failed };
}
