/**
 * An ExternalName Service is a CNAME: the same alias in every environment, another host behind it in each.
 * It must name a real external host, and the host must belong to the stack's environment.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isIpAddress } from "../lib/addresses";
import { hostMatchesSuffix, isDnsName, normalizeHost } from "../lib/hosts";
import { describe, K8S } from "../lib/kubernetes";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { record, strings, text } from "../lib/values";

const EXTERNAL_NAME_DEFAULTS = { allowedSuffixes: [] as string[], clusterDomain: "cluster.local" };

/** Why `host` is not a safe ExternalName target, or undefined when it is. */
export function unsafeExternalName(host: string, clusterDomain: string): string | undefined {
    const name = normalizeHost(host);
    if (isIpAddress(name)) {
        return "is an IP address, which an ExternalName does not resolve (use a Service without a selector and an EndpointSlice)";
    }
    if (!isDnsName(name)) return "is not a valid DNS name (lower-case labels of a-z, 0-9 and '-')";
    if (name === "localhost" || name.endsWith(".localhost")) return "points at localhost, the node or pod itself";
    if (!name.includes(".")) {
        return "is a single label, which the pod's DNS search path resolves to a Service inside the cluster";
    }
    if (hostMatchesSuffix(name, clusterDomain) || name.endsWith(".svc") || name.endsWith(".pod")) {
        return `is a cluster-internal name (${clusterDomain}), which lets the Service reach around network policies`;
    }
    return undefined;
}

/**
 * CVE-2021-25740: ExternalName (and Endpoints) can point a Service at the cluster's own internals,
 * letting whoever creates it reach what network policies would block; an IP string is not resolved at all.
 * The allowed suffixes keep each environment on its own hosts: prod must not point at dev.
 * https://github.com/kubernetes/kubernetes/issues/103675
 */
export const externalNameSafe: ResourceValidationPolicy = {
    name: "externalname-safe",
    description:
        "ExternalName Services name an external DNS host of the stack's environment: not an IP, localhost or a cluster-internal name (CVE-2021-25740).",
    enforcementLevel: "mandatory",
    severity: "high",
    url: "https://github.com/kubernetes/kubernetes/issues/103675",
    remediationSteps:
        "Set spec.externalName to the fully qualified name of the external host for this environment " +
        "(services.externalNames in the stack file), under one of the policy's allowedSuffixes.",
    configSchema: schemaWithDefaults(EXTERNAL_NAME_DEFAULTS, {
        allowedSuffixes: {
            type: "array",
            items: { type: "string" },
            description:
                "Hosts or domains (leading dot optional) ExternalNames may point at in this environment; empty allows any external host.",
        },
        clusterDomain: { type: "string", description: "The cluster's DNS domain." },
    }),
    validateResource: validateResourceOfTypes(K8S.service, (props, args, report) => {
        const spec = record(props.spec);
        if (text(spec.type) !== "ExternalName") args.notApplicable("the Service is not of type ExternalName");
        const config = configOf(args, EXTERNAL_NAME_DEFAULTS);
        const what = `ExternalName Service ${describe(props, args.name)}`;
        const host = text(spec.externalName);
        if (!host) {
            report(`${what} names no spec.externalName: set the external host it stands for.`);
            return;
        }
        const unsafe = unsafeExternalName(host, text(config.clusterDomain) ?? EXTERNAL_NAME_DEFAULTS.clusterDomain);
        if (unsafe) {
            report(`${what}: ${host} ${unsafe}. Point it at the external host's DNS name.`);
            return;
        }
        const allowed = strings(config.allowedSuffixes);
        if (allowed.length > 0 && !allowed.some((suffix) => hostMatchesSuffix(host, suffix))) {
            report(
                `${what}: ${host} is not a host of this environment (allowed: ${allowed.join(", ")}): point the ` +
                    "alias at this environment's host, never another environment's.",
            );
        }
    }),
};

export const externalNamePolicies = [externalNameSafe];
