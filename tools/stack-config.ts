/**
 * Stack files offline: which stacks the project has, reading a `Pulumi.<stack>.yaml` into the strings Pulumi
 * would hand the program, and which policy config a stack uses. A new stack is one more stack file; synth,
 * the policy runner, the tests and CI find it here.
 */
import * as fs from "fs";
import * as path from "path";
import { isScalar, LineCounter, parseDocument, visit } from "yaml";
import { UsageError } from "./cli";
import { SECRET_PLACEHOLDER } from "./mock-runtime";

export interface StackFileConfig {
    /** Full config keys to raw strings, as Pulumi passes them to a program (objects as JSON). */
    readonly config: Record<string, string>;
    /** Keys that hold `secure:` values. Offline they carry SECRET_PLACEHOLDER: nothing is decrypted. */
    readonly secretKeys: string[];
}

/** The project's root folder (where Pulumi.yaml is). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

export function stackFilePath(stack: string): string {
    return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}

/** Every stack the project ships: one per `Pulumi.<stack>.yaml` next to Pulumi.yaml, sorted. */
export function stackNames(root: string = PROJECT_ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/**
 * Why `stack` names no stack of the project, in the words every tool uses, or undefined when it does. A stack
 * name becomes a file name (Pulumi.NAME.yaml, out/NAME): no path separators.
 */
export function stackProblem(
    stack: string,
    { needsFile = true, root = PROJECT_ROOT }: { needsFile?: boolean; root?: string } = {},
): string | undefined {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || stack.startsWith(".")) {
        return `--stack ${JSON.stringify(stack)} is not a stack name (letters, digits, -, _ and .)`;
    }
    const stacks = stackNames(root);
    if (!needsFile || stacks.includes(stack)) return undefined;
    return `no stack ${stack}: there is no ${path.basename(stackFilePath(stack))} (stacks: ${stacks.join(", ")})`;
}

/**
 * The policy config a stack uses: `policy/config/<stack>.json` when that file exists. Undefined means no
 * config file, and then every policy runs at the level and with the settings the pack declares for it, as
 * `pulumi preview --policy-pack policy` does without `--policy-pack-config`.
 */
export function policyConfigFile(stack: string, root: string = PROJECT_ROOT): string | undefined {
    const file = path.join(root, "policy", "config", `${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function shown(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Where a YAML error is, 1-based. The parser notices a mapping item at the wrong column only at the comments
 * or blank lines that stand between two items, and reports the start of those: the item at fault is the
 * content line just before them or just after them, whichever its neighbours disagree with.
 */
export function yamlErrorPosition(text: string, offset: number, code: string): { line: number; col: number } {
    const lines = new LineCounter();
    let start = 0;
    for (const line of text.split("\n")) {
        lines.addNewLine(start);
        start += line.length + 1;
    }
    const at = lines.linePos(offset);
    if (code !== "BAD_INDENT" || at.col !== 1) return at;
    const source = text.split("\n");
    const isContent = (line: number) => {
        const content = (source[line - 1] ?? "").trim();
        return content !== "" && !content.startsWith("#");
    };
    const indent = (line: number) => source[line - 1].length - source[line - 1].trimStart().length;
    const contentLine = (from: number, step: 1 | -1) => {
        for (let line = from; line >= 1 && line <= source.length; line += step) if (isContent(line)) return line;
        return undefined;
    };
    const before = contentLine(at.line - 1, -1);
    const after = contentLine(at.line, 1);
    if (before === undefined || after === undefined)
        return after === undefined ? at : { line: after, col: indent(after) + 1 };
    const beforeThat = contentLine(before - 1, -1);
    const afterThat = contentLine(after + 1, 1);
    // Of the two items either side of the gap, the odd one is the one its other neighbour disagrees with;
    // with no sibling to go by (a first item right after its parent key), the first item is taken as odd.
    const blameBefore =
        indent(before) !== indent(after) &&
        !(afterThat !== undefined && indent(afterThat) === indent(before)) &&
        (beforeThat === undefined ||
            indent(beforeThat) === indent(after) ||
            indent(beforeThat) < Math.min(indent(before), indent(after)));
    const line = blameBefore ? before : after;
    return { line, col: indent(line) + 1 };
}

/**
 * The offset of the first key that repeats an earlier key of the same mapping. The parser reports a duplicate
 * at the start of the mapping that holds it; the user needs the second occurrence.
 */
function duplicateKeyOffset(text: string): number | undefined {
    let found: number | undefined;
    visit(parseDocument(text, { uniqueKeys: false }), {
        Map(_, map) {
            const seen = new Set<unknown>();
            for (const pair of map.items) {
                const key = isScalar(pair.key) ? pair.key.value : pair.key;
                if (seen.has(key) && isScalar(pair.key) && pair.key.range) {
                    found = pair.key.range[0];
                    return visit.BREAK;
                }
                seen.add(key);
            }
            return undefined;
        },
    });
    return found;
}

/**
 * The text of a file the user named, or an Error of one line that starts with `label` (what the user calls
 * it: "config file", "--resources") and the path: it does not exist, is a directory, or cannot be read (the
 * error code, e.g. EACCES). Never Node's own message with its syscall.
 */
export function readUserFile(file: string, label: string): string {
    try {
        if (fs.statSync(file).isDirectory()) throw new Error(`${label} ${shown(file)} is a directory`);
        return fs.readFileSync(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new Error(`${label} ${shown(file)} does not exist`);
        if (code) throw new Error(`${label} ${shown(file)} cannot be read (${code})`);
        throw error;
    }
}

/**
 * Reads a stack file (`Pulumi.<stack>.yaml` format) into the strings Pulumi would hand the program.
 *
 * @throws Error in one line: a missing file or a directory says "config file", a YAML error names the file,
 *   line and column.
 */
export function readStackFile(file: string): StackFileConfig {
    const text = readUserFile(file, "config file");
    const document = parseDocument(text, { prettyErrors: false });
    const [problem] = document.errors;
    if (problem) {
        const offset = (problem.code === "DUPLICATE_KEY" && duplicateKeyOffset(text)) || problem.pos[0];
        const { line, col } = yamlErrorPosition(text, offset, problem.code);
        throw new Error(`${shown(file)}:${line}:${col}: config file is not valid YAML: ${problem.message}`);
    }
    const contents = (document.toJS() ?? {}) as { config?: unknown };
    const entries = contents.config ?? {};
    if (typeof entries !== "object" || Array.isArray(entries) || typeof contents !== "object") {
        throw new Error(`config file ${shown(file)}: config must be a mapping of keys to values`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
        if (typeof value === "object" && value !== null && "secure" in value) {
            config[key] = SECRET_PLACEHOLDER;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

/**
 * What a stack file leaves to its operator on purpose, so that an unedited copy stops before anything is
 * created: who may reach the EKS API and the load balancer. `trial` stands in for them offline only (in tests,
 * and in the command synth suggests): public blocks, as the config requires (it refuses documentation ranges
 * such as 203.0.113.0/24, which no client has), both EC2's in us-east-1; nothing is ever sent to AWS.
 */
export const OPERATOR_KEYS = [
    {
        key: "stateful-nginx:eks",
        path: ["endpointPublicAccessCidrs"],
        what: "who may reach the Kubernetes API",
        trial: ["100.24.0.0/13"],
    },
    {
        key: "stateful-nginx:services",
        path: ["loadBalancer", "sourceRanges"],
        what: "who may reach the load balancer",
        trial: ["34.192.0.0/12"],
    },
] as const;

type OperatorKey = (typeof OPERATOR_KEYS)[number];

/** `stateful-nginx:eks.endpointPublicAccessCidrs`: a key and its path, as `pulumi config set --path` takes it. */
export function operatorKeyName(entry: OperatorKey): string {
    return [entry.key, ...entry.path].join(".");
}

/** The value at `path` of a structured config key, or undefined. */
function valueAt(config: Readonly<Record<string, string>>, key: string, path: readonly string[]): unknown {
    let value: unknown;
    try {
        value = JSON.parse(config[key] ?? "{}");
    } catch {
        return undefined;
    }
    for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
    return value;
}

/** The operator's keys an EKS stack's config does not set (none for a bare-metal stack). */
export function operatorKeysMissing(config: Readonly<Record<string, string>>): OperatorKey[] {
    if (config["stateful-nginx:platform"] !== "eks") return [];
    return OPERATOR_KEYS.filter((entry) => valueAt(config, entry.key, entry.path) === undefined);
}

/** `config` with each `KEY[.path]=VALUE` of `settings` set, VALUE read as YAML (`[a, b]` is a list). */
export function withSettings(config: StackFileConfig, settings: readonly string[]): StackFileConfig {
    const result: Record<string, string> = { ...config.config };
    for (const setting of settings) {
        const match = /^([^:=\s]+:[^.=\s]+)((?:\.[^.=\s]+)*)=(.*)$/s.exec(setting);
        if (!match) {
            throw new UsageError(
                `--set ${setting}: must be KEY=VALUE or KEY.path=VALUE, e.g. stateful-nginx:app.replicas=2`,
            );
        }
        const [, key, dotted, text] = match;
        if (config.secretKeys.includes(key)) {
            throw new UsageError(`--set ${setting}: ${key} is a secret in the stack file; set it there`);
        }
        const document = parseDocument(text);
        const value: unknown = document.errors.length > 0 ? text : (document.toJS() ?? text);
        const path = dotted.split(".").slice(1);
        if (path.length === 0) {
            result[key] = typeof value === "string" ? value : JSON.stringify(value);
            continue;
        }
        let root: Record<string, unknown>;
        try {
            root = JSON.parse(result[key] ?? "{}") as Record<string, unknown>;
        } catch {
            throw new UsageError(`--set ${setting}: ${key} is not a mapping, so it has no ${path.join(".")}`);
        }
        let node = root;
        for (const part of path.slice(0, -1)) {
            const next = node[part] ?? {};
            if (typeof next !== "object" || next === null || Array.isArray(next)) {
                throw new UsageError(`--set ${setting}: ${key}.${path.join(".")} is inside something not a mapping`);
            }
            node = node[part] = next as Record<string, unknown>;
        }
        node[path[path.length - 1]] = value;
        result[key] = JSON.stringify(root);
    }
    return { config: result, secretKeys: config.secretKeys };
}

/** `config` with the trial value of every operator key it does not set (what tests synthesize an EKS stack with). */
export function withTrialRanges(config: StackFileConfig): StackFileConfig {
    return withSettings(
        config,
        operatorKeysMissing(config.config).map((entry) => `${operatorKeyName(entry)}=${JSON.stringify(entry.trial)}`),
    );
}

/**
 * What synth adds when a stack stops on config its file leaves to the operator: the keys, and a command that
 * tries the stack offline with the trial ranges.
 */
export function operatorKeysAdvice(stack: string, file: string, missing: readonly OperatorKey[]): string[] {
    const sets = missing.map((entry) => `--set '${operatorKeyName(entry)}=[${entry.trial.join(", ")}]'`);
    return [
        `${shown(file)} leaves ${missing.length === 1 ? "this key" : `these ${missing.length} keys`} to you; set them with \`pulumi config set --path\` (the first lines of ${path.basename(stackFilePath(stack))} show how):`,
        ...missing.map((entry) => `  ${operatorKeyName(entry)}: ${entry.what}`),
        "To try the stack offline first, with stand-in public ranges (the file stays as it is, nothing is sent):",
        `  npm run synth -- --stack ${stack} ${sets.join(" ")}`,
    ];
}
