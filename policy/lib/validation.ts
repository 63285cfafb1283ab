/** Small helpers shared by the policy modules: type filters, typed config with defaults, unknown values. */
import * as policySdk from "@pulumi/policy";
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

/**
 * When the engine runs each kind of policy (github.com/pulumi/pulumi v3.248.0, pkg/resource/deploy):
 * - a resource policy runs in `stepGenerator.continueStepsFromImport` (step_generator.go), through
 *   `stepGenerator.analyzeAll` and `analyzeResource` (analyze_snapshot.go), before any step of that resource
 *   exists: a mandatory violation marks the resource invalid and the generator bails ("resource ... is
 *   invalid"), so during `pulumi up` the resource is never created, updated or replaced. (In a preview the
 *   violation fails the preview instead.)
 * - a stack policy runs in `stepGenerator.AnalyzeResources`, which `deploymentExecutor.Execute`
 *   (deployment_executor.go) calls only once the step generator and the step executor are done, on every
 *   resource's outputs: during `pulumi up` every change has been applied by then, and a mandatory violation
 *   only marks the run failed.
 * So a rule that must stop a change is a resource policy; what only a view of the whole stack can judge is a
 * stack policy, and says so in its description (JUDGED_AFTER_APPLY). Pipelines gate `up` on a
 * `pulumi preview --policy-pack` that passed.
 */
export const JUDGED_AFTER_APPLY =
    "A stack policy: during `pulumi up` it runs after the change is applied and fails the run; a preview " +
    "with the pack stops it before.";

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

// The policy server's own class: it reports an escaping UnknownValueError as an advisory "can't run policy
// during preview" instead of failing. Exported by @pulumi/policy 1.21 at run time, not in its typings.
const { UnknownValueError } = policySdk as unknown as {
    UnknownValueError: new (sentinel: string, props: string[]) => Error;
};

/** The wire's sentinel for an unknown string, which the error class needs to be built. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknownValueError(error: unknown): error is Error {
    return error instanceof UnknownValueError;
}

/** Runs `judge` on one resource; an unknown value read on the way sets the resource aside. */
export type Judge = (subject: PolicyResource, judge: () => void) => void;

export type StackCheck = (args: StackValidationArgs, report: ReportViolation, judge: Judge) => void;

/**
 * A stack validation that judges each resource on its own, so a value unknown during a preview never
 * switches the policy off for the rest of the stack. The resources that could not be judged are named
 * at the end in one UnknownValueError, which the policy server reports as one advisory line after the
 * violations already found.
 */
export function validateStack(check: StackCheck): StackValidation {
    return (args, report) => {
        const unjudged: string[] = [];
        const judge: Judge = (subject, run) => {
            try {
                run();
            } catch (error) {
                if (!isUnknownValueError(error)) throw error;
                unjudged.push(`${subject.urn} (${error.message})`);
            }
        };
        check(args, report, judge);
        if (unjudged.length > 0) {
            const error = new UnknownValueError(UNKNOWN_STRING, []);
            error.message =
                `${unjudged.length} resource${unjudged.length === 1 ? "" : "s"} not judged, with values known only ` +
                `after the update: ${unjudged.join("; ")}`;
            throw error;
        }
    };
}

/**
 * The candidates `test` holds for. A candidate whose test reads an unknown value may or may not match: when
 * fewer than `enough` certainly match, the answer is not known, and the first unknown is thrown.
 */
export function matching<T>(candidates: readonly T[], test: (candidate: T) => boolean, enough = 1): T[] {
    const found: T[] = [];
    let unknown: Error | undefined;
    for (const candidate of candidates) {
        try {
            if (test(candidate)) found.push(candidate);
        } catch (error) {
            if (!isUnknownValueError(error)) throw error;
            unknown ??= error;
        }
    }
    if (unknown && found.length < enough) throw unknown;
    return found;
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
