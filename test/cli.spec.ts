import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defineCommand, npmTookOptions, parseCommandLine, usage, UsageError } from "../tools/cli";
import { benchTestArguments } from "../tools/bench-test";
import { makeDirectory, writeOutputs } from "../tools/output-dir";
import { runParallel, runProcess } from "../tools/run-parallel";

const root = path.resolve(__dirname, "..");

const command = defineCommand({
    invocation: "npm run example --",
    summary: "Does an example thing.",
    options: {
        stack: { type: "string", value: "NAME", required: true, help: "the stack" },
        out: { type: "string", value: "DIR", default: "out/NAME", help: "where to write" },
        preview: { type: "boolean", help: "a flag" },
        set: { type: "string", value: "KEY=VALUE", multiple: true, help: "repeatable" },
    },
});

describe("the tools' command line", () => {
    describe("parsing", () => {
        it("returns strings for options with a value and true for flags", () => {
            assert.deepStrictEqual(
                { ...parseCommandLine(command, ["--stack", "dev", "--preview"]) },
                { stack: "dev", preview: true },
            );
        });

        it("collects a repeatable option into a list, in order", () => {
            assert.deepStrictEqual(parseCommandLine(command, ["--stack", "dev", "--set", "a=1", "--set", "b=2"])?.set, [
                "a=1",
                "b=2",
            ]);
        });

        it("returns nothing for --help or -h, even without the required options", () => {
            assert.strictEqual(parseCommandLine(command, ["--help"]), undefined);
            assert.strictEqual(parseCommandLine(command, ["-h"]), undefined);
        });

        for (const [what, argv, message] of [
            ["an unknown option", ["--stack", "dev", "--stak"], /^Unknown option '--stak'$/],
            ["a stray argument", ["--stack", "dev", "extra"], /^Unexpected argument 'extra'/],
            ["a missing value", ["--stack"], /^Option '--stack <value>' argument missing$/],
            ["an empty value", ["--stack", ""], /^--stack needs a value$/],
            ["a missing required option", ["--preview"], /^--stack NAME is required$/],
        ] as const) {
            it(`refuses ${what} with a usage error`, () => {
                assert.throws(
                    () => parseCommandLine(command, argv),
                    (error: unknown) => error instanceof UsageError && message.test(error.message),
                );
            });
        }
    });

    it("prints a usage line, the summary and one aligned line per option, defaults included", () => {
        assert.strictEqual(
            usage(command),
            [
                "Usage: npm run example -- --stack NAME [--out DIR] [--preview] [--set KEY=VALUE]...",
                "",
                "Does an example thing.",
                "",
                "Options:",
                "  --stack NAME     the stack",
                "  --out DIR        where to write (default out/NAME)",
                "  --preview        a flag",
                "  --set KEY=VALUE  repeatable",
                "  -h, --help       print this help and exit",
                "",
            ].join("\n"),
        );
    });
});

describe("options npm took for itself (npm run without --)", () => {
    const said = (argv: string[], env: Record<string, string>) => npmTookOptions(command, argv, env);

    it("says nothing when the options reached the command", () => {
        assert.strictEqual(said(["--stack", "dev"], {}), undefined);
        // npm sets npm_config_* for its own settings too; only the command's options count.
        assert.strictEqual(said(["--stack", "dev"], { npm_config_cache: "/tmp", npm_config_stack: "dev" }), undefined);
    });

    for (const [typed, argv, env, command] of [
        ["--stack dev", ["dev"], { npm_config_stack: "true" }, "--stack dev"],
        ["--stack=dev", [], { npm_config_stack: "dev" }, "--stack dev"],
        [
            "--stack dev --preview",
            ["dev"],
            { npm_config_stack: "true", npm_config_preview: "true" },
            "--stack dev --preview",
        ],
        ["--stack dev -- --out x", ["dev", "--out", "x"], { npm_config_stack: "true" }, "--stack dev --out x"],
        // Two options lost their values: npm keeps no order, so the command shows placeholders.
        [
            "--stack dev --out x",
            ["dev", "x"],
            { npm_config_stack: "true", npm_config_out: "true" },
            "--stack NAME --out DIR",
        ],
    ] as const) {
        it(`explains the -- for npm run example ${typed}`, () => {
            const flags = Object.keys(env)
                .map((key) => `--${key.replace("npm_config_", "")}`)
                .join(" ");
            assert.strictEqual(
                said([...argv], env),
                `npm took ${flags} for itself (npm run hands a script only what follows --); run: npm run example -- ${command}`,
            );
        });
    }
});

describe("output directories", () => {
    let work: string;
    beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), "out-"))));
    afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

    it("creates missing parents", () => {
        makeDirectory(path.join(work, "a", "b", "c"));
        assert.ok(fs.statSync(path.join(work, "a", "b", "c")).isDirectory());
    });

    it("refuses, instead of spinning, a directory procfs cannot hold", function () {
        if (!fs.existsSync("/proc/self")) this.skip();
        assert.throws(
            () => makeDirectory("/proc/stateful-nginx/out"),
            /cannot create \/proc\/stateful-nginx \(ENOENT\)/,
        );
    });

    it("replaces each file whole and leaves no partial file behind", () => {
        writeOutputs(work, { "a.txt": "old" });
        writeOutputs(work, { "a.txt": "new", "b.txt": "b" });
        assert.deepStrictEqual(fs.readdirSync(work).sort(), ["a.txt", "b.txt"]);
        assert.strictEqual(fs.readFileSync(path.join(work, "a.txt"), "utf8"), "new");
    });
});

describe("npm run bench:synth", function () {
    this.timeout(30000);
    const bench = (...args: string[]) =>
        spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/bench-synth.ts", ...args], {
            cwd: root,
            encoding: "utf8",
            timeout: 25000,
        });

    it("prints its usage for --help and exits 0", () => {
        const result = bench("--help");
        assert.strictEqual(result.status, 0, result.stderr);
        assert.match(result.stdout, /^Usage: npm run bench:synth -- \[--stack NAME\] \[--runs N\]/);
    });

    for (const runs of ["abc", "0", "2.5", "-3"]) {
        it(`refuses --runs ${runs} in one line before it runs anything`, () => {
            const result = bench(`--runs=${runs}`);
            assert.strictEqual(result.status, 1);
            assert.match(
                result.stderr,
                new RegExp(`^bench:synth: --runs ${runs}: must be a whole number from 1 to 1000\\n`),
            );
            assert.ok(!result.stderr.includes("    at "), `a stack trace: ${result.stderr}`);
        });
    }

    it("refuses a stack that has no stack file", () => {
        const result = bench("--stack", "qa");
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /^bench:synth: no stack qa: there is no Pulumi\.qa\.yaml/);
    });
});

describe("npm run check (tools/run-parallel.ts): lint, typecheck and the specs at once", () => {
    // Stand-ins for npm scripts: shell commands that print in several pieces, with pauses between them.
    const shell = (script: string) => runProcess(script, "sh", ["-c", script]);

    it("prints each part's output whole when it ends, in the order they end, with its verdict", async () => {
        let printed = "";
        const status = await runParallel(
            ["echo slow-1; sleep 0.4; echo slow-2", "echo fast-1; sleep 0.1; echo fast-2 >&2"],
            (text) => (printed += text),
            shell,
        );
        assert.strictEqual(status, 0);
        // The slow part began first and printed first, but its lines follow the fast part's, together.
        assert.match(
            printed,
            /\n== echo fast-1[^\n]*\nfast-1\nfast-2\n== echo fast-1[^\n]*: passed in \d+\.\d s\n\n== echo slow-1[^\n]*\nslow-1\nslow-2\n== echo slow-1[^\n]*: passed in/,
        );
        assert.match(printed, /\n== all passed \(\d+\.\d s wall\)\n$/);
    });

    it("runs the parts at the same time", async () => {
        const start = performance.now();
        await runParallel(["sleep 0.5", "sleep 0.5", "sleep 0.5"], () => undefined, shell);
        assert.ok(performance.now() - start < 1400, `${performance.now() - start} ms: one after the other`);
    });

    it("exits with the worst status of the parts and names those that failed, after every part ended", async () => {
        let printed = "";
        const status = await runParallel(
            ["exit 3", "sleep 0.3; echo late", "exit 1"],
            (text) => (printed += text),
            shell,
        );
        assert.strictEqual(status, 3);
        assert.match(printed, /== exit 3: FAILED \(exit 3\) in/);
        assert.match(printed, /\nlate\n== sleep 0\.3; echo late: passed in/);
        assert.match(printed, /\n== FAILED: exit 3, exit 1 \(\d+\.\d s wall\)\n$/);
    });
});

describe("npm run bench:test", () => {
    it("takes a whole number of runs and parts of npm test", () => {
        assert.deepStrictEqual(benchTestArguments({ runs: "3", parts: "lint,check" }), {
            runs: 3,
            parts: ["lint", "check"],
        });
        assert.deepStrictEqual(benchTestArguments({}).parts, ["lint", "typecheck", "test:unit", "check"]);
    });

    for (const [values, message] of [
        [{ runs: "0" }, /^--runs 0: must be a whole number from 1 to 20$/],
        [{ runs: "1.5" }, /^--runs 1\.5: must be a whole number from 1 to 20$/],
        [{ parts: "lint,engine" }, /^--parts lint,engine: each must be one of lint, typecheck, test:unit, check$/],
        [{ parts: "," }, /^--parts ,: each must be one of/],
    ] as const) {
        it(`refuses ${JSON.stringify(values)} before it times anything`, () => {
            assert.throws(
                () => benchTestArguments(values),
                (error: unknown) => error instanceof UsageError && message.test(error.message),
            );
        });
    }
});
