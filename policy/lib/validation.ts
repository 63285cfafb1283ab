/** Small helpers shared by the policy modules: type filters and typed config with defaults. */
import type {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidation,
    StackValidationArgs,
} from "@pulumi/policy";
import type { Props } from "./values";

type TypedResourceValidation = (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void;

/**
 * A resource validation that only looks at the given type tokens, like `validateResourceOfType` without
 * needing the provider's SDK in the pack. For one type the function carries `__pulumiType`, the mark the
 * policy server uses to skip other types without calling it.
 */
export function validateResourceOfTypes(
    types: string | readonly string[],
    validate: TypedResourceValidation,
): ResourceValidation {
    const wanted = typeof types === "string" ? [types] : types;
    const fn: ResourceValidation & { __pulumiType?: string } = (args, report) => {
        if (!wanted.includes(args.type)) {
            args.notApplicable(`Policy only applies to resources of type ${wanted.map((t) => `'${t}'`).join(", ")}`);
        }
        return validate(args.props, args, report);
    };
    if (wanted.length === 1) fn.__pulumiType = wanted[0];
    return fn;
}

/** The stack's resources of the given types; the policy is not applicable when there are none. */
export function resourcesOfTypes(args: StackValidationArgs, types: readonly string[]): PolicyResource[] {
    const found = args.resources.filter((resource) => types.includes(resource.type));
    if (found.length === 0) {
        args.notApplicable(`Policy only applies to stacks with resources of type ${types.join(", ")}`);
    }
    return found;
}

export type StackCheck = (args: StackValidationArgs, report: ReportViolation) => void;

export function validateStack(check: StackCheck): StackValidation {
    return check;
}

/**
 * A config schema whose `default`s are the given values: the engine fills them in before the policy runs,
 * and `configOf` falls back to them for a caller that does not.
 */
export function schemaWithDefaults<T extends Record<string, unknown>>(
    defaults: T,
    properties: { [K in keyof T]: Omit<PolicyConfigSchema["properties"][string], "default"> },
): PolicyConfigSchema {
    return {
        properties: Object.fromEntries(
            Object.entries(properties).map(([key, schema]) => [
                key,
                { ...schema, default: defaults[key] as PolicyConfigSchema["properties"][string]["default"] },
            ]),
        ),
    };
}

/** The policy's config, each property that is missing taken from `defaults`. */
export function configOf<T extends Record<string, unknown>>(
    args: { getConfig<C extends object>(): C },
    defaults: T,
): T {
    const given = args.getConfig<Partial<T>>();
    const result = { ...defaults };
    for (const key of Object.keys(defaults) as (keyof T)[]) {
        const value = given[key];
        if (value !== undefined && value !== null) result[key] = value as T[keyof T];
    }
    return result;
}
