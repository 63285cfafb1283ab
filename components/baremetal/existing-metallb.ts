import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetalLbConfig } from "../../config";
import { METALLB_RELEASE } from "./metallb";

/**
 * The ValidatingWebhookConfiguration every MetalLB install has, whatever its release or namespace: the chart
 * names it so (charts/metallb/templates/webhooks.yaml, v0.16.1), and so do MetalLB's plain manifests
 * (config/manifests/metallb-native.yaml, same tag). Its webhooks call `metallb-webhook-service` in the
 * namespace MetalLB runs in.
 */
export const METALLB_WEBHOOK_CONFIGURATION = "metallb-webhook-configuration";

/** Helm's own annotation on every object a real `helm install` creates (helm v3.18 pkg/action/validate.go). */
export const HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name";

/** The fields of the live ValidatingWebhookConfiguration the platform looks at. */
export interface LiveWebhookConfiguration {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    webhooks?: { clientConfig?: { service?: { namespace?: string } } }[];
}

/** What the cluster says about the MetalLB that already runs there. */
export interface ExistingMetalLb {
    /** The namespaces its webhooks call: where MetalLB runs. */
    namespaces: string[];
    /** The Helm release that installed it with `helm install`, if one did. */
    helmRelease?: string;
    /** Its `app.kubernetes.io/instance` label: the release name of the chart that rendered it, if any. */
    instance?: string;
}

export function describeExistingMetalLb(live: LiveWebhookConfiguration): ExistingMetalLb {
    const namespaces = (live.webhooks ?? []).flatMap((webhook) => webhook.clientConfig?.service?.namespace ?? []);
    return {
        namespaces: [...new Set(namespaces)].sort(),
        helmRelease: live.metadata?.annotations?.[HELM_RELEASE_ANNOTATION],
        instance: live.metadata?.labels?.["app.kubernetes.io/instance"],
    };
}

/**
 * Why the MetalLB already in the cluster does not fit the stack's `metallb` settings (one line naming the key
 * to set), or undefined when it does.
 *
 * With `install: true`, the running MetalLB must be the one this program's chart rendered into
 * `metallb.namespace`: the release `metallb` and no Helm release annotation (helm.v4.Chart renders the chart
 * and never runs Helm's install, which is what adds the annotation: helm v3.18 pkg/action/install.go,
 * `setMetadataVisitor`, applied to the objects it creates, not to the rendered manifest pulumi-kubernetes reads).
 * Anything else would collide object by object, and Pulumi would stop at the first with the API server's
 * "already exists". Another stack of this program installing into the same namespace cannot be told apart
 * from this one; that one collides the same way.
 *
 * With `install: false`, pools must be created where MetalLB runs: it reads them from its own namespace only.
 */
export function existingMetalLbProblem(
    metallb: Pick<MetalLbConfig, "install" | "namespace">,
    existing: ExistingMetalLb,
): string | undefined {
    const where = existing.namespaces.length > 0 ? existing.namespaces.join(", ") : "an unknown namespace";
    const elsewhere = existing.namespaces.length > 0 && !existing.namespaces.includes(metallb.namespace);
    const use = `set metallb.install: false to use it${elsewhere ? ` (with metallb.namespace: ${existing.namespaces[0]})` : ""}`;
    if (metallb.install) {
        const key = "stateful-nginx:metallb.install: got true";
        if (existing.helmRelease !== undefined) {
            return (
                `${key}; MetalLB already runs in ${where} as the Helm release ${existing.helmRelease} ` +
                `(${METALLB_WEBHOOK_CONFIGURATION} is Helm's), and a second install collides with it: ${use}`
            );
        }
        if (existing.instance !== METALLB_RELEASE) {
            return (
                `${key}; MetalLB already runs in ${where}, installed by other means (${METALLB_WEBHOOK_CONFIGURATION} ` +
                `is not from a chart release named ${METALLB_RELEASE}), and a second install collides with it: ${use}`
            );
        }
        if (elsewhere) {
            return (
                `${key}; MetalLB already runs in ${where} (installed by another stack: ${METALLB_WEBHOOK_CONFIGURATION} ` +
                `calls its webhook there), and a second install collides with it: ${use}`
            );
        }
        return undefined;
    }
    if (elsewhere) {
        return (
            `stateful-nginx:metallb.namespace: got ${JSON.stringify(metallb.namespace)}; MetalLB runs in ${where} ` +
            `(${METALLB_WEBHOOK_CONFIGURATION} calls its webhook there) and reads pools only from its own namespace: ` +
            `set metallb.namespace: ${existing.namespaces[0]}`
        );
    }
    return undefined;
}

/**
 * Reads MetalLB's ValidatingWebhookConfiguration through `provider`. Only call it when MetalLB's API is served
 * (see ClusterFacts): a read that finds nothing stops the update with Pulumi's own "resource
 * 'metallb-webhook-configuration' does not exist", which is then what MetalLB's CRDs left without MetalLB
 * look like.
 */
export function readExistingMetalLb(
    name: string,
    provider: k8s.Provider,
    parent: pulumi.Resource,
): Promise<ExistingMetalLb> {
    const live = k8s.admissionregistration.v1.ValidatingWebhookConfiguration.get(name, METALLB_WEBHOOK_CONFIGURATION, {
        provider,
        parent,
    });
    const described = pulumi
        .all([live.metadata, live.webhooks])
        .apply(([metadata, webhooks]) => describeExistingMetalLb({ metadata, webhooks } as LiveWebhookConfiguration));
    // `promise()` is left out of the SDK's typings (@pulumi/pulumi 3.248 output.ts, OutputImpl) but is how the
    // runtime itself awaits an Output; unlike `apply`, it rejects when the read fails, so the preflight fails
    // with it instead of waiting forever. A read's outputs are known in a preview too.
    return (described as unknown as { promise(): Promise<ExistingMetalLb | undefined> })
        .promise()
        .then((existing) => existing ?? { namespaces: [] });
}
