import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { appSchema } from "./app";
import { checkEksLoadBalancers, eksSchema } from "./eks";
import { checkLoadBalancerPool, metallbSchema } from "./metallb";
import { observabilitySchema } from "./observability";
import { servicesSchema } from "./services";
import {
    CONFIG_NAMESPACE,
    ConfigError,
    ConfigProblem,
    describeValue,
    keyOf,
    problemsOfIssues,
    unknownKeyProblem,
} from "./problems";
import { verifySchema } from "./verify";

export { NODE_PORT_RANGE } from "./services";
export { MIN_EKS_VERSION } from "./eks";
export type { AppConfig } from "./app";
export type { EksConfig } from "./eks";
export type { BgpAdvertisementConfig, BgpPeerConfig, MetalLbConfig, MetalLbPoolConfig } from "./metallb";
export type { ObservabilityConfig } from "./observability";
export type { ExposureConfig, ServicesConfig } from "./services";
export type { VerifyConfig } from "./verify";
export { closestKey, CONFIG_NAMESPACE, ConfigError, type ConfigProblem } from "./problems";

/** Raw config as Pulumi hands it over: strings, objects as JSON text. The secret `kubeconfig` is read elsewhere. */
export type RawConfig = Partial<Record<string, string>>;

/** What a value of each JSON type is called in an error, in the stack file's words. */
const TYPE_WORDS: Partial<Record<string, string>> = {
    number: "a number",
    int: "a whole number",
    string: "a string",
    boolean: "true or false",
    array: "a list",
    object: "a YAML object",
    record: "a YAML object",
};

// Errors the schemas leave to zod read in plain words: enums name the allowed values the way docs/configuration.md does
// ("must be one of l2, bgp"), a wrong type says what the value must be ("must be a number").
z.config({
    customError: (issue) => {
        if (issue.code === "invalid_value") return `must be one of ${issue.values.map(String).join(", ")}`;
        if (issue.code === "invalid_type") return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
        return undefined;
    },
});

const structured = {
    eks: eksSchema,
    metallb: metallbSchema,
    app: appSchema,
    services: servicesSchema,
    verify: verifySchema,
    observability: observabilitySchema,
} as const;

/** Every key of the config surface, scalar and structured. */
export const CONFIG_KEYS = ["platform", "kubeconfig", "kubeContext", ...Object.keys(structured)] as const;

/**
 * Config namespaces a stack file may use besides the project's own: those of the packages the program uses
 * (`aws:region`, `kubernetes:...` provider settings) and Pulumi's own (`pulumi:tags`, ...).
 */
export const PROVIDER_NAMESPACES = ["aws", "eks", "kubernetes", "pulumi"] as const;

const stackSchema = z
    .strictObject({
        platform: z.enum(["baremetal", "eks"]).default("baremetal"),
        kubeContext: z.string().min(1, "must name a context of the kubeconfig").optional(),
        hasKubeconfig: z.boolean(),
        /** False when a structured key could not be read: checks across keys would then judge its defaults. */
        crossCheck: z.boolean(),
        eks: eksSchema.optional(),
        metallb: metallbSchema.optional(),
        app: appSchema.prefault({}),
        services: servicesSchema.prefault({}),
        verify: verifySchema.prefault({}),
        observability: observabilitySchema.prefault({}),
    })
    .superRefine((stack, ctx) => {
        if (!stack.crossCheck) return;
        const issue = (path: (string | number)[], input: unknown, message: string) =>
            ctx.addIssue({ code: "custom", path, input, message });
        if (stack.platform === "baremetal" && !stack.metallb) {
            issue(["metallb"], undefined, "is required when platform is baremetal (at least one address pool)");
        }
        if (stack.platform === "eks") {
            if (stack.metallb)
                issue(["metallb"], "{...}", "is only for platform baremetal; EKS brings its own load balancer");
            if (stack.kubeContext) issue(["kubeContext"], stack.kubeContext, "is only for platform baremetal");
            if (stack.hasKubeconfig)
                issue(["kubeconfig"], "[secret]", "is only for platform baremetal; EKS makes its own");
        }
        if (stack.platform === "baremetal" && stack.eks) {
            issue(["eks"], "{...}", "is only for platform eks");
        }

        const lb = stack.services.loadBalancer;
        if (stack.platform === "eks" && (lb.pool || lb.addresses.length > 0)) {
            issue(
                ["services", "loadBalancer", lb.pool ? "pool" : "addresses"],
                lb.pool ?? lb.addresses,
                "is only for platform baremetal (MetalLB)",
            );
        }
        // An NLB open to the internet is one forgotten key away on EKS: its clients are said, or 0.0.0.0/0 is.
        if (stack.platform === "eks" && stack.eks) checkEksLoadBalancers(stack.eks, stack.services, issue);
        if (stack.platform === "baremetal" && stack.metallb && lb.enabled) {
            checkLoadBalancerPool(stack.metallb, lb, issue);
            // MetalLB takes one address per IP family: two of one family fail at allocation time
            // (metallb internal/ipfamily/ipfamily.go ForAddresses, "same address family").
            const families = lb.addresses.map((address) =>
                ipaddr.isValid(address) ? ipaddr.process(address).kind() : undefined,
            );
            families.forEach((family, index) => {
                if (family !== undefined && families.indexOf(family) < index) {
                    issue(
                        ["services", "loadBalancer", "addresses", index],
                        lb.addresses[index],
                        `takes at most one IPv4 and one IPv6 address (${lb.addresses[families.indexOf(family)]} is ${family === "ipv4" ? "IPv4" : "IPv6"} too)`,
                    );
                }
            });
        }

        const own = ownServiceNames(stack.app.name);
        const enabled: Record<string, boolean> = {
            headless: true,
            clusterip: stack.services.clusterIP.enabled,
            nodeport: stack.services.nodePort.enabled,
            loadbalancer: stack.services.loadBalancer.enabled,
        };
        const taken = new Map<string, string>(
            Object.entries(own)
                .filter(([kind]) => enabled[kind])
                .map(([kind, name]) => [name, `the ${kind} Service`]),
        );
        const claim = (name: string, what: string, path: (string | number)[]) => {
            const holder = taken.get(name);
            if (holder) issue(path, name, `is already the name of ${holder}`);
            taken.set(name, what);
        };
        Object.keys(stack.services.externalNames).forEach((alias) =>
            claim(alias, `ExternalName alias ${alias}`, ["services", "externalNames", alias]),
        );
        stack.services.exposures.forEach((exposure, index) => {
            claim(exposure.name, `exposure ${exposure.name}`, ["services", "exposures", index, "name"]);
            if (!exposure.from.includes("/") && !enabled[exposure.from]) {
                issue(
                    ["services", "exposures", index, "from"],
                    exposure.from,
                    "names a Service this stack does not create (enable it or use namespace/name)",
                );
            }
        });
    });

export type StackConfig = Omit<z.infer<typeof stackSchema>, "hasKubeconfig" | "crossCheck">;
export type PlatformConfig = StackConfig["platform"];

/** The names of the Services the program creates for the StatefulSet, by kind. */
export function ownServiceNames(appName: string) {
    return {
        headless: appName,
        clusterip: `${appName}-clusterip`,
        nodeport: `${appName}-nodeport`,
        loadbalancer: `${appName}-lb`,
    } as const;
}

/**
 * The keys of `keys` (full config keys, as `pulumi.runtime.allConfig()` returns them) under a namespace that is
 * neither the project's nor one the program's packages read, each with the key it most likely meant: Pulumi hands
 * such keys to the program without a word, so a misspelt namespace (`statefulnginx:services`) would otherwise drop
 * the whole key and deploy the defaults.
 */
export function namespaceProblems(keys: readonly string[]): ConfigProblem[] {
    const known = new Set<string>([CONFIG_NAMESPACE, ...PROVIDER_NAMESPACES]);
    return keys.flatMap((key) => {
        const separator = key.indexOf(":");
        const namespace = separator < 0 ? "" : key.slice(0, separator);
        if (known.has(namespace)) return [];
        const rest = separator < 0 ? key : key.slice(separator + 1);
        const line =
            `${key}: got the namespace ${JSON.stringify(namespace)}; did you mean ${CONFIG_NAMESPACE}:${rest}? ` +
            `keys belong to ${CONFIG_NAMESPACE} or to ${PROVIDER_NAMESPACES.join(", ")}`;
        return [{ key, line }];
    });
}

/** How parseConfig treats the raw strings. */
export interface ParseOptions {
    /**
     * Which keys (below the namespace: `app`, `services`) hold secrets, whose values an error never shows.
     * `kubeconfig` always does.
     */
    readonly isSecret?: (key: string) => boolean;
}

/**
 * Parses and validates the whole config surface into one typed object. Pure: takes the raw strings, so
 * it runs before any resource is registered and in tests without Pulumi.
 *
 * @throws ConfigError listing every problem found, each naming the key, the bad value and what is allowed.
 */
export function parseConfig(raw: RawConfig, options: ParseOptions = {}): StackConfig {
    const isSecret = (key: string) => key === "kubeconfig" || (options.isSecret?.(key) ?? false);
    const known = new Set<string>(CONFIG_KEYS);
    const problems: ConfigProblem[] = Object.keys(raw)
        .filter((key) => !known.has(key))
        .map((key) => ({ key: keyOf([key]), line: `${keyOf([key])}: ${unknownKeyProblem(key, CONFIG_KEYS)}` }));

    const input: Record<string, unknown> = { hasKubeconfig: raw.kubeconfig !== undefined };
    if (raw.platform !== undefined) input.platform = raw.platform;
    if (raw.kubeContext !== undefined) input.kubeContext = raw.kubeContext;
    // A key that is not even an object is reported once, and nothing is reported below it.
    const unreadable = new Set<string>();
    for (const key of Object.keys(structured)) {
        const text = raw[key];
        if (text === undefined) continue;
        try {
            input[key] = JSON.parse(text);
        } catch {
            unreadable.add(key);
            problems.push({
                key: keyOf([key]),
                line: `${keyOf([key])}: got ${describeValue(text, isSecret(key))}; must be a YAML object`,
            });
        }
    }

    input.crossCheck = unreadable.size === 0;
    // An EKS stack may leave out `eks` entirely: it is then checked as `{}`, so a required key is named.
    if (input.platform === "eks" && input.eks === undefined && !unreadable.has("eks")) input.eks = {};
    const result = stackSchema.safeParse(input, { reportInput: true });
    if (!result.success) {
        const issues = result.error.issues.filter((issue) => !unreadable.has(String(issue.path[0])));
        problems.push(...problemsOfIssues(issues, structured, isSecret));
    }
    if (!result.success || problems.length > 0) throw new ConfigError(problems);
    const { hasKubeconfig: _, crossCheck: __, ...config } = result.data;
    return config;
}
