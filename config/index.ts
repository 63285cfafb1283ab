import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { appSchema } from "./app";
import { checkEksLoadBalancers, eksSchema } from "./eks";
import { checkLoadBalancerPool, metallbSchema } from "./metallb";
import { servicesSchema } from "./services";
import { verifySchema } from "./verify";

export { NODE_PORT_RANGE } from "./services";
export { MIN_EKS_VERSION } from "./eks";
export type { AppConfig } from "./app";
export type { EksConfig } from "./eks";
export type { BgpAdvertisementConfig, BgpPeerConfig, MetalLbConfig, MetalLbPoolConfig } from "./metallb";
export type { ExposureConfig, ServicesConfig } from "./services";
export type { VerifyConfig } from "./verify";

/** The project's config namespace: every key below is `stateful-nginx:<key>` in a stack file. */
export const CONFIG_NAMESPACE = "stateful-nginx";

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

/** The number of single-letter edits that turn `a` into `b` (Levenshtein distance). */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[b.length];
}

/** The allowed key a misspelt one most likely meant: a few edits away, ignoring case, or none. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
    let best: { key: string; distance: number } | undefined;
    for (const candidate of allowed) {
        const [typed, wanted] = [key.toLowerCase(), candidate.toLowerCase()];
        // A cut-short key (`mem` for `memory`) is as likely as a misspelt one.
        const distance = wanted.startsWith(typed) && typed.length >= 3 ? 1 : editDistance(typed, wanted);
        if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
            best = { key: candidate, distance };
        }
    }
    return best?.key;
}

/** `got an unknown key; did you mean X? allowed keys are ...`, the tail of an unknown-key error. */
function unknownKeyProblem(key: string, allowed: readonly string[]): string {
    const guess = closestKey(key, allowed);
    const list = allowed.length > 0 ? `allowed keys are ${allowed.join(", ")}` : "remove it";
    return `got an unknown key; ${guess ? `did you mean ${guess}? ` : ""}${list}`;
}

/** Steps through defaults, optionals and refinements to the schema that holds the value. */
function unwrap(schema: z.ZodType): z.ZodType {
    const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType) return unwrap(def.innerType);
    if (def.type === "pipe" && def.in) return unwrap(def.in);
    return schema;
}

/** The keys an object schema allows at `path` below a structured key (`["storage"]` below `app`). */
function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
    let current = unwrap(schema);
    for (const part of path) {
        const def = current._zod.def as {
            type: string;
            shape?: Record<string, z.ZodType>;
            element?: z.ZodType;
            valueType?: z.ZodType;
        };
        const next =
            def.type === "object"
                ? def.shape?.[String(part)]
                : def.type === "array"
                  ? def.element
                  : def.type === "record"
                    ? def.valueType
                    : undefined;
        if (!next) return [];
        current = unwrap(next);
    }
    const def = current._zod.def as { type: string; shape?: Record<string, z.ZodType> };
    return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

/**
 * Refuses config keys under a namespace that is neither the project's nor one the program's packages read:
 * Pulumi hands such keys to the program without a word, so a misspelt namespace (`statefulnginx:services`)
 * would otherwise drop the whole key and deploy the defaults.
 *
 * @param keys full config keys, as `pulumi.runtime.allConfig()` returns them.
 * @throws ConfigError naming the key and the key it most likely meant.
 */
export function checkConfigNamespaces(keys: readonly string[]): void {
    const known = new Set<string>([CONFIG_NAMESPACE, ...PROVIDER_NAMESPACES]);
    for (const key of keys) {
        const separator = key.indexOf(":");
        const namespace = separator < 0 ? "" : key.slice(0, separator);
        if (known.has(namespace)) continue;
        const rest = separator < 0 ? key : key.slice(separator + 1);
        throw new ConfigError(
            `${key}: got the namespace ${JSON.stringify(namespace)}; did you mean ${CONFIG_NAMESPACE}:${rest}? ` +
                `keys belong to ${CONFIG_NAMESPACE} or to ${PROVIDER_NAMESPACES.join(", ")}`,
        );
    }
}

/** The one line for the first problem zod found (an unknown key first: it is most often a typo). */
function describeIssue(issues: readonly z.core.$ZodIssue[]): string {
    const first = issues.find((issue) => issue.code === "unrecognized_keys") ?? issues[0];
    const rest = issues.length - 1 + (first.code === "unrecognized_keys" ? first.keys.length - 1 : 0);
    const more = rest > 0 ? ` (and ${rest} more problem${rest > 1 ? "s" : ""})` : "";
    if (first.code === "unrecognized_keys") {
        const [area, ...below] = first.path;
        const schema = structured[String(area) as keyof typeof structured];
        const allowed = schema ? allowedKeysAt(schema, below) : [];
        return `${keyOf([...first.path, first.keys[0]])}: ${unknownKeyProblem(first.keys[0], allowed)}${more}`;
    }
    const value = "input" in first ? describeValue(first.input) : "nothing";
    // A bad key of a map (an ExternalName alias) carries the key's own problem one level down.
    const message = first.code === "invalid_key" ? (first.issues[0]?.message ?? first.message) : first.message;
    return `${keyOf(first.path)}: got ${value}; ${message}${more}`;
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
        throw new ConfigError(`${CONFIG_NAMESPACE}:${unknownKey}: ${unknownKeyProblem(unknownKey, CONFIG_KEYS)}`);
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

    // An EKS stack may leave out `eks` entirely: it is then checked as `{}`, so a required key is named.
    if (input.platform === "eks" && input.eks === undefined) input.eks = {};
    const result = stackSchema.safeParse(input, { reportInput: true });
    if (!result.success) throw new ConfigError(describeIssue(result.error.issues));
    const { hasKubeconfig: _, ...config } = result.data;
    return config;
}
