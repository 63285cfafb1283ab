import { z } from "zod";
import { appSchema } from "./app";
import { eksSchema } from "./eks";
import { checkLoadBalancerPool, metallbSchema } from "./metallb";
import { servicesSchema } from "./services";
import { verifySchema } from "./verify";

export { NODE_PORT_RANGE } from "./services";
export { SUPPORTED_EKS_VERSIONS } from "./eks";
export type { AppConfig } from "./app";
export type { EksConfig } from "./eks";
export type { BgpAdvertisementConfig, BgpPeerConfig, MetalLbConfig, MetalLbPoolConfig } from "./metallb";
export type { ExposureConfig, ServicesConfig } from "./services";
export type { VerifyConfig } from "./verify";

/** The project's config namespace: every key below is `stateful-nginx:<key>` in a stack file. */
export const CONFIG_NAMESPACE = "stateful-nginx";

/** Raw config as Pulumi hands it over: strings, objects as JSON text. The secret `kubeconfig` is read elsewhere. */
export type RawConfig = Partial<Record<string, string>>;

// Enum errors name the allowed values the way the README does: "must be one of l2, bgp".
z.config({
    customError: (issue) =>
        issue.code === "invalid_value" ? `must be one of ${issue.values.map(String).join(", ")}` : undefined,
});

const structured = {
    eks: eksSchema,
    metallb: metallbSchema,
    app: appSchema,
    services: servicesSchema,
    verify: verifySchema,
} as const;

/** Every key of the config surface, scalar and structured. */
export const CONFIG_KEYS = ["platform", "kubeconfig", "kubeContext", ...Object.keys(structured)] as const;

const stackSchema = z
    .strictObject({
        platform: z.enum(["baremetal", "eks"]).default("baremetal"),
        kubeContext: z.string().min(1, "must name a context of the kubeconfig").optional(),
        hasKubeconfig: z.boolean(),
        eks: eksSchema.optional(),
        metallb: metallbSchema.optional(),
        app: appSchema.prefault({}),
        services: servicesSchema.prefault({}),
        verify: verifySchema.prefault({}),
    })
    .superRefine((stack, ctx) => {
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
        if (stack.platform === "baremetal" && stack.metallb && lb.enabled)
            checkLoadBalancerPool(stack.metallb, lb, issue);

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

export type StackConfig = Omit<z.infer<typeof stackSchema>, "hasKubeconfig">;
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

/** Invalid configuration. Its message is one line: the key, the bad value and what is allowed. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function keyOf(path: readonly PropertyKey[]): string {
    return `${CONFIG_NAMESPACE}:${path
        .map((part) => (typeof part === "number" ? `[${part}]` : String(part)))
        .join(".")
        .replace(/\.\[/g, "[")}`;
}

/**
 * Parses and validates the whole config surface into one typed object. Pure: takes the raw strings, so
 * it runs before any resource is registered and in tests without Pulumi.
 *
 * @throws ConfigError with one line naming the key, the bad value and what is allowed.
 */
export function parseConfig(raw: RawConfig): StackConfig {
    const known = new Set<string>(CONFIG_KEYS);
    const unknownKey = Object.keys(raw).find((key) => !known.has(key));
    if (unknownKey !== undefined) {
        throw new ConfigError(
            `${CONFIG_NAMESPACE}:${unknownKey}: got an unknown key; allowed keys are ${CONFIG_KEYS.join(", ")}`,
        );
    }

    const input: Record<string, unknown> = { hasKubeconfig: raw.kubeconfig !== undefined };
    if (raw.platform !== undefined) input.platform = raw.platform;
    if (raw.kubeContext !== undefined) input.kubeContext = raw.kubeContext;
    for (const key of Object.keys(structured)) {
        const text = raw[key];
        if (text === undefined) continue;
        try {
            input[key] = JSON.parse(text);
        } catch {
            throw new ConfigError(`${CONFIG_NAMESPACE}:${key}: got ${describeValue(text)}; must be a YAML object`);
        }
    }

    const result = stackSchema.safeParse(input, { reportInput: true });
    if (!result.success) {
        const [first, ...rest] = result.error.issues;
        const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
        const value = "input" in first ? describeValue(first.input) : "nothing";
        // A bad key of a map (an ExternalName alias) carries the key's own problem one level down.
        const message = first.code === "invalid_key" ? (first.issues[0]?.message ?? first.message) : first.message;
        throw new ConfigError(`${keyOf(first.path)}: got ${value}; ${message}${more}`);
    }
    const { hasKubeconfig: _, ...config } = result.data;
    // An EKS stack may leave out `eks` entirely and get the documented defaults.
    return config.platform === "eks" && !config.eks ? { ...config, eks: eksSchema.parse({}) } : config;
}
