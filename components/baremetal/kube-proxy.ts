import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isMap, parseDocument } from "yaml";
import { shortDigest } from "../digest";

/** Where kubeadm (and kind) keep kube-proxy's configuration: one YAML document in `data["config.conf"]`. */
export const KUBE_PROXY = { namespace: "kube-system", name: "kube-proxy", key: "config.conf" } as const;

/** Pod-template annotation whose change restarts kube-proxy when its configuration changes. */
export const KUBE_PROXY_CONFIG_ANNOTATION = "stateful-nginx/kube-proxy-config-sha256";

/**
 * kube-proxy's configuration with `ipvs.strictARP` set, every other setting (and comment) kept as it was.
 * Throws when there is no configuration to change (k3s, for one, runs kube-proxy without this ConfigMap).
 */
export function withStrictArp(configText: string | undefined, strictARP: boolean): string {
    if (configText === undefined || configText.trim() === "") {
        throw new Error(
            `${KUBE_PROXY.namespace}/${KUBE_PROXY.name} has no ${KUBE_PROXY.key}; strictARP can only be set ` +
                "on clusters whose kube-proxy reads that ConfigMap (kubeadm, kind)",
        );
    }
    const document = parseDocument(configText);
    if (document.errors.length > 0 || !isMap(document.contents)) {
        throw new Error(`${KUBE_PROXY.key} of ${KUBE_PROXY.namespace}/${KUBE_PROXY.name} is not a YAML mapping`);
    }
    document.setIn(["ipvs", "strictARP"], strictARP);
    return document.toString();
}

/** kube-proxy's proxy mode from its configuration; kube-proxy's default (iptables) when unset. */
export function kubeProxyMode(configText: string): string {
    const mode: unknown = parseDocument(configText).get("mode");
    return typeof mode === "string" && mode !== "" ? mode : "iptables";
}

/** A short digest of the configuration, for the restart annotation. */
export function configDigest(configText: string): string {
    return shortDigest(configText, 16);
}

export interface KubeProxyStrictArpArgs {
    /** @default true */
    strictARP?: boolean;
    /**
     * The ConfigMap to read, `namespace/name`. An Output that fails (with a message of its own) stops the read
     * before it is sent: the platform uses it to refuse k3s and RKE2, which have no such ConfigMap, with a line of
     * its own (another cluster without it still stops at the read's not-found). @default "kube-system/kube-proxy"
     */
    liveId?: pulumi.Input<string>;
}

/**
 * Sets `strictARP` in kube-proxy's configuration and restarts kube-proxy to pick it up. In IPVS mode
 * kube-proxy otherwise answers ARP for every LoadBalancer address on every node, and MetalLB's L2 announcements
 * stop meaning anything (https://metallb.io/installation/#preparation).
 *
 * The ConfigMap is read live and written back whole, because `config.conf` is one string: a patch of only
 * `strictARP` is impossible. Deleting this component (turning `strictARP` off, or destroying the stack) leaves
 * the ConfigMap as it is: the patch is retained on delete, because releasing a server-side-apply patch removes
 * the fields it owns that no one else owns, and this patch owns all of `config.conf` (it takes it over from
 * kubeadm with `pulumi.com/patchForce`) — kube-proxy would lose its whole configuration at its next restart.
 * To turn strictARP off again, edit the ConfigMap (`kubectl -n kube-system edit configmap kube-proxy`) and
 * restart kube-proxy (`kubectl -n kube-system rollout restart daemonset kube-proxy`). Deleting the restart
 * patch only drops its annotation, which rolls kube-proxy once more; that is harmless.
 */
export class KubeProxyStrictArp extends pulumi.ComponentResource {
    /** The configuration as written (a YAML string). */
    public readonly config: pulumi.Output<string>;
    public readonly mode: pulumi.Output<string>;
    public readonly configPatch: k8s.core.v1.ConfigMapPatch;
    public readonly restart: k8s.apps.v1.DaemonSetPatch;

    constructor(name: string, args: KubeProxyStrictArpArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:baremetal:KubeProxyStrictArp", name, {}, opts);
        const strictARP = args.strictARP ?? true;
        const metadata = { name: KUBE_PROXY.name, namespace: KUBE_PROXY.namespace };

        const live = k8s.core.v1.ConfigMap.get(
            `${name}-live`,
            args.liveId ?? `${KUBE_PROXY.namespace}/${KUBE_PROXY.name}`,
            { parent: this },
        );
        this.config = live.data.apply((data) => withStrictArp(data?.[KUBE_PROXY.key], strictARP));
        this.mode = this.config.apply(kubeProxyMode);
        this.mode.apply((mode) => {
            if (mode !== "ipvs") {
                pulumi.log.warn(`kube-proxy runs in ${mode} mode; strictARP matters only in ipvs mode`, this);
            }
        });

        this.configPatch = new k8s.core.v1.ConfigMapPatch(
            `${name}-config`,
            {
                metadata: { ...metadata, annotations: { "pulumi.com/patchForce": "true" } },
                data: { [KUBE_PROXY.key]: this.config },
            },
            { parent: this, retainOnDelete: true },
        );
        // kube-proxy reads its configuration only at start: a new pod-template annotation rolls the DaemonSet.
        this.restart = new k8s.apps.v1.DaemonSetPatch(
            `${name}-restart`,
            {
                metadata,
                spec: {
                    template: {
                        metadata: { annotations: { [KUBE_PROXY_CONFIG_ANNOTATION]: this.config.apply(configDigest) } },
                    },
                },
            },
            { parent: this, dependsOn: [this.configPatch] },
        );
        this.registerOutputs({ config: this.config, mode: this.mode });
    }
}
