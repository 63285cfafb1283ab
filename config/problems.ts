import { z } from "zod";

/** The project's config namespace: every key below is `stateful-nginx:<key>` in a stack file. */
export const CONFIG_NAMESPACE = "stateful-nginx";

/** What a secret value is shown as in an error. */
export const SECRET_VALUE = "[secret]";

/** One problem of a stack's config: its full key, and the line naming the key, the bad value and what is allowed. */
export interface ConfigProblem {
    /** The full config key, `stateful-nginx:app.replicas` or `stateful-nginx:metallb.pools[0].name`. */
    readonly key: string;
    /** `<key>: got <value>; <what is allowed>`. */
    readonly line: string;
}

/**
 * Orders full config keys by their text, with runs of digits compared as numbers (`pools[2]` before
 * `pools[10]`), so the same mistakes are always listed in the same order.
 */
export function compareKeys(a: string, b: string): number {
    const [left, right] = [a.split(/(\d+)/), b.split(/(\d+)/)];
    for (let index = 0; index < Math.min(left.length, right.length); index++) {
        const [x, y] = [left[index], right[index]];
        if (x === y) continue;
        // split with a capturing group puts the digit runs at the odd indexes.
        if (index % 2 === 1) return Number(x) - Number(y) || (x < y ? -1 : 1);
        return x < y ? -1 : 1;
    }
    return left.length - right.length;
}

/**
 * Invalid configuration. Its message is one line per problem, ordered by key; with several problems a first
 * line counts them and each problem follows on its own indented line.
 */
export class ConfigError extends Error {
    /** Every problem, ordered by key (problems of one key in the order they were found), each line once. */
    readonly problems: readonly ConfigProblem[];

    constructor(problems: readonly ConfigProblem[]) {
        const lines = new Set<string>();
        const ordered = [...problems]
            .sort((a, b) => compareKeys(a.key, b.key))
            .filter((problem) => !lines.has(problem.line) && lines.add(problem.line));
        super(
            ordered.length === 1
                ? ordered[0].line
                : [
                      `${ordered.length} problems in the stack's configuration:`,
                      ...ordered.map((problem) => `  ${problem.line}`),
                  ].join("\n"),
        );
        this.name = "ConfigError";
        this.problems = ordered;
    }
}

/** The value as an error shows it: JSON, cut short, or `[secret]` when it comes from a secret key. */
export function describeValue(value: unknown, secret = false): string {
    if (value === undefined) return "nothing";
    if (secret) return SECRET_VALUE;
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The full config key of a path below the namespace: `["app", "storage", "size"]` is `stateful-nginx:app.storage.size`. */
export function keyOf(path: readonly PropertyKey[]): string {
    return `${CONFIG_NAMESPACE}:${path
        .map((part) => (typeof part === "number" ? `[${part}]` : String(part)))
        .join(".")
        .replace(/\.\[/g, "[")}`;
}

/**
 * The number of single-letter edits that turn `a` into `b`, two neighbours swapped counting as one edit
 * (optimal string alignment distance: `prot` is one edit from `port`, where Levenshtein counts two).
 */
export function editDistance(a: string, b: string): number {
    // rows[i][j]: the distance between the first i letters of a and the first j letters of b.
    const rows = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            rows[i][j] = Math.min(
                rows[i - 1][j] + 1,
                rows[i][j - 1] + 1,
                rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
            }
        }
    }
    return rows[a.length][b.length];
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
export function unknownKeyProblem(key: string, allowed: readonly string[]): string {
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

/**
 * The keys an object schema allows at `path` below a structured key (`["storage"]` below `app`). Keys an
 * earlier version took (`removedKey`, a schema that accepts nothing) are left out: they are refused.
 */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
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
    if (def.type !== "object") return [];
    return Object.entries(def.shape ?? {})
        .filter(([, field]) => unwrap(field)._zod.def.type !== "never")
        .map(([key]) => key);
}

/**
 * The problems of one zod error, one per bad key (an issue with several unknown keys gives one per key).
 *
 * @param schemas the schema of each structured key, to list the keys allowed beside an unknown one.
 * @param isSecret whether the top-level key a problem lies under holds a secret: its value is then masked.
 */
export function problemsOfIssues(
    issues: readonly z.core.$ZodIssue[],
    schemas: Partial<Record<string, z.ZodType>>,
    isSecret: (topLevelKey: string) => boolean,
): ConfigProblem[] {
    // A value of the wrong type gets that one problem: zod 4 also runs a list's length checks on a string
    // (`zones: use1-az1` would add "must list at most 6 zones"), which would only confuse.
    const wrongType = new Set(
        issues.filter((issue) => issue.code === "invalid_type").map((issue) => keyOf(issue.path)),
    );
    const relevant = issues.filter((issue) => issue.code === "invalid_type" || !wrongType.has(keyOf(issue.path)));
    return relevant.flatMap((issue): ConfigProblem[] => {
        const [area, ...below] = issue.path;
        if (issue.code === "unrecognized_keys") {
            const schema = schemas[String(area)];
            const allowed = schema ? allowedKeysAt(schema, below) : [];
            return issue.keys.map((unknown) => {
                const key = keyOf([...issue.path, unknown]);
                return { key, line: `${key}: ${unknownKeyProblem(unknown, allowed)}` };
            });
        }
        const key = keyOf(issue.path);
        const value = "input" in issue ? describeValue(issue.input, isSecret(String(area))) : "nothing";
        // A bad key of a map (an ExternalName alias) carries the key's own problem one level down.
        const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
        return [{ key, line: `${key}: got ${value}; ${message}` }];
    });
}
