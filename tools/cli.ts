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
    /** A string option that may be given several times; its value is then the list, in order. */
    readonly multiple?: boolean;
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
    -readonly [K in keyof T]?: T[K]["type"] extends "boolean"
        ? boolean
        : T[K]["multiple"] extends true
          ? string[]
          : string;
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

/** An error whose one line is followed by what to do about it: the lines of `advice`, printed as they are. */
export class AdvisedError extends Error {
    constructor(
        message: string,
        readonly advice: readonly string[],
    ) {
        super(message);
        this.name = "AdvisedError";
    }
}

/**
 * What to say when npm took the command's options for itself: `npm run synth --stack dev` (no `--`) hands
 * `--stack` to npm, which sets `npm_config_stack` (`true`, or the value after `=`) and passes `dev` on as a
 * bare argument. Undefined when no option of the command is in `env` without being in `argv` too.
 */
export function npmTookOptions<T extends OptionTable>(
    command: Command<T>,
    argv: readonly string[],
    env: NodeJS.ProcessEnv,
): string | undefined {
    const given = (name: string) => argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    const taken = Object.entries(command.options).filter(
        ([name]) => env[`npm_config_${name}`] !== undefined && !given(name),
    );
    if (taken.length === 0) return undefined;
    // What is left of the command line: options after `--` (with their values) and the bare arguments npm
    // left behind. npm keeps no order, so a bare argument is an option's value only when one option alone lost it.
    const kept: string[] = [];
    const bare: string[] = [];
    for (let index = 0; index < argv.length; index++) {
        const arg = argv[index];
        if (!arg.startsWith("-")) bare.push(arg);
        else if (command.options[arg.slice(2)]?.type === "string" && index + 1 < argv.length)
            kept.push(arg, argv[++index]);
        else kept.push(arg);
    }
    const lost = taken.filter(([name, spec]) => spec.type === "string" && env[`npm_config_${name}`] === "true");
    const matched = lost.length === 1 && bare.length === 1;
    const words = taken.map(([name, spec]) => {
        const value = env[`npm_config_${name}`]!;
        if (spec.type === "boolean") return `--${name}`;
        if (value !== "true") return `--${name} ${value}`;
        return `--${name} ${matched ? bare[0] : (spec.value ?? "VALUE")}`;
    });
    const flags = taken.map(([name]) => `--${name}`).join(" ");
    return (
        `npm took ${flags} for itself (npm run hands a script only what follows --); run: ` +
        [command.invocation, ...words, ...kept].join(" ")
    );
}

/** The `--help` text: the usage line, the summary and one line per option. */
export function usage<T extends OptionTable>(command: Command<T>): string {
    const word = (name: string, spec: OptionSpec) => `--${name}${spec.value ? ` ${spec.value}` : ""}`;
    const line = Object.entries(command.options)
        .map(([name, spec]) =>
            spec.required ? word(name, spec) : `[${word(name, spec)}]${spec.multiple ? "..." : ""}`,
        )
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
    let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    try {
        const options = Object.fromEntries(
            Object.entries(command.options).map(([name, spec]) => [
                name,
                { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) },
            ]),
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
        const given = values[name];
        if (spec.type === "string" && (given === "" || (Array.isArray(given) && given.includes(""))))
            throw new UsageError(`--${name} needs a value`);
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
 * What a run of a tool reads and writes: its command line (after the script), its environment and its two
 * streams. `runCommand` gives the process's own; a spec gives its own to run a tool in its process.
 */
export interface CommandIo {
    readonly argv: readonly string[];
    readonly env: NodeJS.ProcessEnv;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

/**
 * A tool's main, run against `io`; resolves to its exit code. `--help` prints the usage, 0; a usage error
 * prints its line and the usage on stderr; any other error prints its errorText (no stack trace: these are
 * the user's to fix). Both 1.
 */
export async function runCommandWith<T extends OptionTable>(
    name: string,
    command: Command<T>,
    main: (values: OptionValues<T>, io: CommandIo) => Promise<void>,
    io: CommandIo,
): Promise<number> {
    const npmTook = npmTookOptions(command, io.argv, io.env);
    if (npmTook) {
        io.stderr(`${name}: ${npmTook}\n`);
        return 1;
    }
    let values: OptionValues<T> | undefined;
    try {
        values = parseCommandLine(command, io.argv);
    } catch (error) {
        io.stderr(`${name}: ${(error as Error).message}\n\n${usage(command)}`);
        return 1;
    }
    if (values === undefined) {
        io.stdout(usage(command));
        return 0;
    }
    try {
        await main(values, io);
        return 0;
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`${name}: ${error.message}\n\n${usage(command)}`);
        } else if (error instanceof AdvisedError) {
            io.stderr(`${name}: ${error.message}\n${error.advice.map((line) => `${line}\n`).join("")}`);
        } else {
            io.stderr(`${name}: ${errorText(error)}\n`);
        }
        return 1;
    }
}

/** Runs a tool's main as its process (runCommandWith on the process's arguments, environment and streams). */
export function runCommand<T extends OptionTable>(
    name: string,
    command: Command<T>,
    main: (values: OptionValues<T>, io: CommandIo) => Promise<void>,
): void {
    const io: CommandIo = {
        argv: process.argv.slice(2),
        env: process.env,
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    };
    // Success ends as the event loop empties; only a failure calls exit, as the tools always have.
    void runCommandWith(name, command, main, io).then((code) => {
        if (code !== 0) process.exit(code);
    });
}
