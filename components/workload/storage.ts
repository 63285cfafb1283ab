import type { AppConfig } from "../../config/app";
import { quantityValue } from "../../config/app";

/** A claim as the program applies it: what may and may not change once it exists. */
export interface ClaimSpec {
    readonly size: string;
    readonly storageClassName?: string;
    readonly accessModes?: readonly string[];
}

/**
 * Whether the claims' class allows volume expansion: the stack's word for it, else the platform's for its own
 * class; undefined when neither knows (a class named in config that the platform did not make).
 */
export function storageExpandable(
    storage: Pick<AppConfig["storage"], "storageClassName" | "allowsExpansion">,
    targetExpandable: boolean | undefined,
): boolean | undefined {
    return storage.allowsExpansion ?? (storage.storageClassName === undefined ? targetExpandable : undefined);
}

/**
 * Why an existing claim cannot go from `from` to `to`, as one line naming the config key, or undefined when it
 * can. A bound claim only grows, only where its class allows expansion, and never changes class or access
 * modes (the API server refuses each: PersistentVolumeClaim update validation and the resize admission
 * plugin); stopping here says so before anything is changed, with what to do instead.
 */
export function claimChangeProblem(
    claim: string,
    from: ClaimSpec,
    to: ClaimSpec,
    expandable: boolean | undefined,
): string | undefined {
    const move = "or move the data to new volumes (docs/operations.md, renaming)";
    if (
        from.storageClassName !== undefined &&
        to.storageClassName !== undefined &&
        to.storageClassName !== from.storageClassName
    ) {
        return `stateful-nginx:app.storage.storageClassName: got ${to.storageClassName}; claim ${claim} is of class ${from.storageClassName}, which a claim never changes; set it back, ${move}`;
    }
    if (
        from.accessModes !== undefined &&
        to.accessModes !== undefined &&
        to.accessModes.join(",") !== from.accessModes.join(",")
    ) {
        return `stateful-nginx:app.storage.accessModes: got ${JSON.stringify(to.accessModes)}; claim ${claim} has ${JSON.stringify(from.accessModes)}, which a claim never changes; set them back, ${move}`;
    }
    const [was, now] = [quantityValue(from.size), quantityValue(to.size)];
    if (now < was) {
        return `stateful-nginx:app.storage.size: got ${to.size}; claim ${claim} is ${from.size} and a claim never shrinks; set ${from.size} or more`;
    }
    if (now > was && expandable === false) {
        return `stateful-nginx:app.storage.size: got ${to.size}; storage class ${to.storageClassName ?? "(default)"} does not allow volume expansion, so claim ${claim} stays ${from.size}; set ${from.size} back, ${move}`;
    }
    return undefined;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The claim spec of a PersistentVolumeClaim's inputs, as a resource hook receives them. */
export function claimSpecOf(inputs: Record<string, any> | undefined): ClaimSpec | undefined {
    const spec = inputs?.spec;
    const size = spec?.resources?.requests?.storage;
    if (typeof size !== "string") return undefined;
    // In a preview a value can still be unknown (the class's name from a resource being updated): only known
    // values are compared, so an unknown is never taken for a change.
    const modes = spec.accessModes;
    return {
        size,
        storageClassName: typeof spec.storageClassName === "string" ? spec.storageClassName : undefined,
        accessModes: Array.isArray(modes) && modes.every((mode) => typeof mode === "string") ? modes : undefined,
    };
}

/**
 * What the claims' beforeUpdate hook reports for one claim, from the old and new inputs the engine hands it;
 * undefined when the change can be made (or is not known yet).
 */
export function claimHookProblem(
    hook: { oldInputs?: Record<string, any>; newInputs?: Record<string, any> },
    expandable: boolean | undefined,
): string | undefined {
    const [from, to] = [claimSpecOf(hook.oldInputs), claimSpecOf(hook.newInputs)];
    if (!from || !to) return undefined;
    return claimChangeProblem(String(hook.newInputs?.metadata?.name), from, to, expandable);
}
/* eslint-enable @typescript-eslint/no-explicit-any */
