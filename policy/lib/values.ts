/**
 * Safe readers for resource properties. The engine hands policies plain JSON wrapped in a proxy, and any
 * field may be missing, of the wrong type, or (during preview) unknown: reading an unknown value throws,
 * which the engine reports as "can't run policy during preview" rather than as a violation.
 */

export type Props = Record<string, unknown>;

export function isRecord(value: unknown): value is Props {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value as an object, or an empty one. */
export function record(value: unknown): Props {
    return isRecord(value) ? value : {};
}

/** The value as an array, or an empty one. */
export function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

export function int(value: unknown): number | undefined {
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A `{key: string}` map (labels, selectors, annotations); entries that are not strings are dropped. */
export function stringMap(value: unknown): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, inner] of Object.entries(record(value))) {
        if (typeof inner === "string") result[key] = inner;
    }
    return result;
}

/** Strings of an array, in order; anything else is dropped. */
export function strings(value: unknown): string[] {
    return list(value).filter((item): item is string => typeof item === "string");
}
