/**
 * The command line of the project's tools (synth, bench:synth, policy): one table of options per command, from which
 * both the parser and the `--help` text come, so a new flag is one more row.
 */
import { RunError } from "@pulumi/pulumi/errors";
import { parseArgs } from "util";

export interface OptionSpec {
    readonly type: "string" | "boolean";
    /** The placeholder shown in the usage line, e.g. `NAME` for `--stack NAME`. */
    readonly value?: string;
    /** What the option does, one line. */
    readonly help: string;
    /** Shown in the usage as "(default ...)"; the command applies it. */
    readonly default?: string;
    readonly required?: boolean;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface Command<T extends OptionTable> {
    /** How a user runs it, e.g. `npm run synth --`. */
    readonly invocation: string;
    /** What it does, a few lines. */
    readonly summary: string;
    readonly options: T;
}

/** Parsed values: strings for string options, booleans for flags; absent when not given. */
export type OptionValues<T extends OptionTable> = {
    -readonly [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string;
};

/** Declares a command, keeping each option's literal type so `OptionValues` knows flags from strings. */
export function defineCommand<T extends OptionTable>(command: Command<T>): Command<T> {
    return command;
}

/** The command line is wrong: the tool prints this line and its usage, and exits 1 (policy: 2). */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** The `--help` text: the usage line, the summary and one line per option. */
export function usage<T extends OptionTable>(command: Command<T>): string {
    const word = (name: string, spec: OptionSpec) => `--${name}${spec.value ? ` ${spec.value}` : ""}`;
    const line = Object.entries(command.options)
        .map(([name, spec]) => (spec.required ? word(name, spec) : `[${word(name, spec)}]`))
        .join(" ");
    const rows: [string, string][] = [
        ...Object.entries(command.options).map(([name, spec]): [string, string] => [
            word(name, spec),
            spec.default === undefined ? spec.help : `${spec.help} (default ${spec.default})`,
        ]),
        ["-h, --help", "print this help and exit"],
    ];
    const width = Math.max(...rows.map(([left]) => left.length));
    return [
        `Usage: ${command.invocation} ${line}`,
        "",
        command.summary,
        "",
        "Options:",
        ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
        "",
    ].join("\n");
}

/**
 * Parses `argv` against the command's table. Returns undefined when `--help` was asked for.
 *
 * @throws UsageError for an unknown option, a missing value, a stray argument or a missing required option.
 */
export function parseCommandLine<T extends OptionTable>(
    command: Command<T>,
    argv: readonly string[],
): OptionValues<T> | undefined {
    let values: Record<string, string | boolean | undefined>;
    try {
        const options = Object.fromEntries(
            Object.entries(command.options).map(([name, spec]) => [name, { type: spec.type }]),
        );
        ({ values } = parseArgs({
            args: [...argv],
            options: { ...options, help: { type: "boolean", short: "h" } },
            allowPositionals: false,
            strict: true,
        }));
    } catch (error) {
        // Node's wording, minus its advice about `--` (which npm run has already consumed).
        const message = error instanceof Error ? error.message : String(error);
        throw new UsageError(message.split("\n")[0].replace(/\. To specify a positional argument.*$/, ""));
    }
    if (values.help) return undefined;
    for (const [name, spec] of Object.entries(command.options)) {
        if (spec.required && values[name] === undefined)
            throw new UsageError(`--${name} ${spec.value ?? ""} is required`);
        if (spec.type === "string" && values[name] === "") throw new UsageError(`--${name} needs a value`);
    }
    return values as OptionValues<T>;
}

/**
 * What a tool prints of an error that ends it: a RunError, written for the person running the tool (invalid
 * configuration lists each problem on its own line), in full; any other error its first line.
 */
export function errorText(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return RunError.isInstance(error) ? message : message.split("\n")[0];
}

/**
 * Runs a tool's main: `--help` prints the usage and exits 0; a usage error prints its line and the usage on
 * stderr; any other error prints its errorText (no stack trace: these are the user's to fix). Both exit 1.
 */
export function runCommand<T extends OptionTable>(
    name: string,
    command: Command<T>,
    main: (values: OptionValues<T>) => Promise<void>,
): void {
    let values: OptionValues<T> | undefined;
    try {
        values = parseCommandLine(command, process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`${name}: ${(error as Error).message}\n\n${usage(command)}`);
        process.exit(1);
    }
    if (values === undefined) {
        process.stdout.write(usage(command));
        return;
    }
    main(values).catch((error: unknown) => {
        if (error instanceof UsageError) {
            process.stderr.write(`${name}: ${error.message}\n\n${usage(command)}`);
        } else {
            process.stderr.write(`${name}: ${errorText(error)}\n`);
        }
        process.exit(1);
    });
}
