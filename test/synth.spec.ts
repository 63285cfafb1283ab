import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { parseAllDocuments, parseDocument } from "yaml";
import { ProgramRun, redactSecrets, runProgram, UNKNOWN } from "../tools/mock-runtime";
import { runSynth } from "../tools/synth";
import { MADE_UP_VALUE } from "../tools/mock-state";
import {
    displayName,
    markPlaceholders,
    PLACEHOLDER_KEY,
    renderManifests,
    renderOutputs,
    summarize,
} from "../tools/synth-render";
import {
    operatorKeyName,
    operatorKeysMissing,
    readStackFile,
    stackFilePath,
    stackNames,
    withSettings,
    yamlErrorPosition,
} from "../tools/stack-config";
import { runConfig, runStack, testStackConfig } from "./helpers";

const root = path.resolve(__dirname, "..");

interface SynthResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** The environment of the test run, minus what npm itself set for it (`npm test` sets npm_config_*). */
function inheritedEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_config_")));
}

/**
 * synth run in this process (tools/synth.ts runSynth: the command `npm run synth` runs, with its arguments,
 * environment and streams given here), with extra environment variables, as npm sets them for
 * `npm run synth --flag`.
 */
async function synthWith(env: Record<string, string>, ...args: string[]): Promise<SynthResult> {
    let stdout = "";
    let stderr = "";
    const status = await runSynth({
        argv: args,
        env: { ...inheritedEnv(), ...env },
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
    });
    return { status, stdout, stderr };
}

function synth(...args: string[]): Promise<SynthResult> {
    return synthWith({}, ...args);
}

/**
 * synth as a user runs it: its own Node.js process, through the real entry point (`npm run synth`'s command),
 * for what only a process shows: its exit status, and that a second process writes the same bytes.
 */
function synthProcess(...args: string[]): SynthResult {
    const result = spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/synth.ts", ...args], {
        cwd: root,
        env: inheritedEnv(),
        encoding: "utf8",
        // A synth that hangs is a failure, not a stuck test run.
        timeout: 45000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const FILES = ["manifests.yaml", "resources.json", "outputs.json", "graph.svg", "graph.mmd"];

/** The `--set` arguments that stand in for what a stack file leaves to its operator (prod's CIDRs). */
function trialSettings(stack: string): string[] {
    return operatorKeysMissing(readStackFile(stackFilePath(stack)).config).map(
        (entry) => `${operatorKeyName(entry)}=[${entry.trial.join(", ")}]`,
    );
}

/**
 * A strict reading of XML as Graphviz writes it: every tag closed in order, attributes quoted, `&` only in
 * entities, one root. Returns the root element's name and the text of every element, entities decoded.
 * @throws Error naming what is not well-formed.
 */
function readXml(text: string): { root: string; texts: string[] } {
    const open: string[] = [];
    const texts: string[] = [];
    let root = "";
    const token =
        /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
    for (let match = token.exec(text); match; match = token.exec(text)) {
        const [, closing, name, , selfClosing, chars, stray] = match;
        if (stray) throw new Error(`a stray < at ${match.index}`);
        if (chars !== undefined) {
            if (/&(?!(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);)/.test(chars))
                throw new Error(`a bare & in ${chars}`);
            if (chars.trim() && open.length === 0) throw new Error(`text outside the root: ${chars.trim()}`);
            texts.push(
                chars
                    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
                    .replace(/&lt;/g, "<")
                    .replace(/&gt;/g, ">")
                    .replace(/&quot;/g, '"')
                    .replace(/&apos;/g, "'")
                    .replace(/&amp;/g, "&"),
            );
        } else if (name && closing) {
            if (open.pop() !== name) throw new Error(`</${name}> closes nothing open`);
        } else if (name) {
            if (open.length === 0 && root) throw new Error(`a second root <${name}>`);
            if (open.length === 0) root = name;
            if (!selfClosing) open.push(name);
        }
    }
    if (open.length > 0) throw new Error(`<${open.join("> <")}> never closed`);
    return { root, texts };
}

const comment = (line: string | undefined) => line?.trim().startsWith("#") ?? false;

describe("npm run synth", function () {
    this.timeout(60000);
    let work: string;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    // Every stack file the project ships, so a new Pulumi.<stack>.yaml is tested without a change here.
    for (const stack of stackNames()) {
        describe(`for the ${stack} stack`, () => {
            let out: string;
            let printed: string;
            // The shipped stack file, and on prod the stand-ins for the CIDRs it leaves to its operator, as
            // synth itself suggests them (the test "stops the shipped prod file" checks that).
            const args = () => ["--stack", stack, ...trialSettings(stack).flatMap((setting) => ["--set", setting])];
            const read = (file: string) => fs.readFileSync(path.join(out, file), "utf8");

            before(async () => {
                out = path.join(work, stack);
                const result = await synth(...args(), "--out", out);
                assert.strictEqual(result.status, 0, result.stderr);
                printed = result.stdout;
            });

            it("writes manifests.yaml, resources.json, outputs.json, graph.svg and graph.mmd", () => {
                for (const file of FILES) assert.ok(fs.statSync(path.join(out, file)).size > 0, file);
            });

            it("prints what the stack creates by type, apart from its components and what it reads", () => {
                const rows = JSON.parse(read("resources.json")) as {
                    type: string;
                    read?: boolean;
                    remote?: boolean;
                    inputs: object;
                }[];
                assert.match(printed, new RegExp(`stack ${stack}: ${rows.length} resources`));
                // resources.json marks no components: those with no provider-side inputs of their own.
                const reads = rows.filter((row) => row.read).length;
                assert.match(
                    printed,
                    reads ? new RegExp(`^  reads ${reads} from the cluster`, "m") : /^  reads nothing/m,
                );
                const created = Number(/^ {2}creates (\d+) resources:$/m.exec(printed)?.[1]);
                const components = Number(/^ {2}in (\d+) components:$/m.exec(printed)?.[1]);
                // Every row is the stack, one created resource, one component or one read.
                assert.strictEqual(1 + created + components + reads, rows.length, printed);
                const statefulSets = rows.filter((row) => row.type === "kubernetes:apps/v1:StatefulSet").length;
                assert.match(printed, new RegExp(`^ {4}\\s*${statefulSets}  kubernetes:apps/v1:StatefulSet$`, "m"));
                assert.ok(!/pulumi:pulumi:Stack/.test(printed), "the stack itself is not something it creates");
            });

            it("writes the outputs the program exports to outputs.json, secrets as [secret]", async () => {
                const run = await runStack(stack);
                const written = JSON.parse(read("outputs.json")) as Record<string, unknown>;
                // What the program returns, with secrets masked and undefined outputs left out, as Pulumi does.
                const exported = JSON.parse(JSON.stringify(redactSecrets(run.outputs))) as Record<string, unknown>;
                assert.deepStrictEqual(written, exported);
                assert.ok(Object.keys(written).length > 5, "the program exports more than that");
                for (const key of ["namespace", "statefulSetName", "podDnsNames", "services"]) {
                    assert.ok(key in written, key);
                }
                if ("kubeconfig" in run.outputs) assert.strictEqual(written.kubeconfig, "[secret]");
            });

            it("draws graph.svg, well-formed, with kubectl's names and one cluster per component", () => {
                const svg = read("graph.svg");
                const { root, texts } = readXml(svg);
                assert.strictEqual(root, "svg");
                assert.ok(texts.includes("stateful-nginx/nginx-lb"), "the LoadBalancer Service by namespace/name");
                assert.ok(texts.includes("stateful-nginx/nginx"), "the StatefulSet by namespace/name");
                const rows = JSON.parse(read("resources.json")) as {
                    type: string;
                    name: string;
                    parent: string | null;
                    urn: string;
                }[];
                // A component is what others name as parent and no provider implements (not a chart, not eks).
                const parents = new Set(rows.map((row) => row.parent));
                const components = rows.filter((row) => parents.has(row.urn) && row.type.startsWith("stateful-nginx:"));
                assert.ok(components.length >= 5, `${components.length} components`);
                assert.strictEqual((svg.match(/class="cluster"/g) ?? []).length, components.length);
                for (const component of components) {
                    const label = `${component.type.split(":").pop()} ${component.name}`;
                    assert.ok(texts.includes(label), `no cluster labelled ${label}`);
                }
            });

            it("marks, in manifests.yaml, every value the mocks made up, and says what the file is", () => {
                const text = read("manifests.yaml");
                assert.match(text, /^# The \d+ Kubernetes objects the \w+ stack declares, written by `npm run synth`/);
                assert.match(text, /Deploy with `pulumi up`, not with kubectl\./);
                const objects = parseAllDocuments(text).map((document) => document.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
                const strings: string[] = [];
                const walk = (value: unknown) => {
                    if (typeof value === "string") strings.push(value);
                    else if (typeof value === "object" && value !== null) Object.values(value).forEach(walk);
                };
                objects.forEach(walk);
                assert.deepStrictEqual(
                    strings.filter((value) => MADE_UP_VALUE.test(value) || value === UNKNOWN),
                    [],
                );
                // The StatefulSet's owner is the lifecycle ConfigMap: its uid exists only once it is created.
                const set = objects.find((object) => object.kind === "StatefulSet")!;
                const [owner] = set.metadata.ownerReferences as { uid: unknown }[];
                assert.deepStrictEqual(Object.keys(owner.uid as object), [PLACEHOLDER_KEY]);
                const marks = (text.match(new RegExp(`${PLACEHOLDER_KEY}:`, "g")) ?? []).length - 1;
                assert.match(text, new RegExp(`^# ${marks} value\\(s\\) here are known only to`, "m"));
            });

            it("gives byte-identical files when run again, as a process of its own that exits 0", () => {
                const again = path.join(work, `${stack}-again`);
                const result = synthProcess(...args(), "--out", again);
                assert.strictEqual(result.status, 0, result.stderr);
                for (const file of FILES) {
                    assert.ok(
                        fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(again, file))),
                        file,
                    );
                }
            });

            it("lists every resource with urn, type, name, parent, dependencies, provider, inputs and options", () => {
                const rows = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Record<
                    string,
                    unknown
                >[];
                const urns = new Set(rows.map((row) => row.urn));
                for (const row of rows) {
                    // A read adds `read` and its live `outputs`; a component of the program (and the stack) the
                    // `outputs` it registered; a provider's component adds `remote`.
                    const component = /^(stateful-nginx:|pulumi:pulumi:Stack$)/.test(String(row.type));
                    const extra = row.read
                        ? ["read", "outputs"]
                        : row.remote
                          ? ["remote"]
                          : component
                            ? ["outputs"]
                            : [];
                    assert.deepStrictEqual(Object.keys(row), [
                        "urn",
                        "type",
                        "name",
                        "parent",
                        "dependencies",
                        "provider",
                        "inputs",
                        "options",
                        ...extra,
                    ]);
                    assert.strictEqual(typeof row.options, "object", `${String(row.urn)} has no options object`);
                    if (row.parent !== null)
                        assert.ok(urns.has(row.parent), `${String(row.urn)} has an unknown parent`);
                    for (const dependency of row.dependencies as string[]) assert.ok(urns.has(dependency), dependency);
                }
                assert.strictEqual(rows.filter((row) => row.parent === null).length, 1, "one root: the stack");
                // The stack's outputs are its exports, which stack policies see on it.
                const root = rows.find((row) => row.type === "pulumi:pulumi:Stack") as {
                    outputs: Record<string, unknown>;
                };
                assert.strictEqual(root.outputs.namespace, "stateful-nginx");
            });

            it("writes Kubernetes objects only, namespaces before what lives in them", () => {
                const documents = parseAllDocuments(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"));
                const objects = documents.map(
                    (document) => document.toJS() as { apiVersion: string; kind: string; metadata: { name: string } },
                );
                for (const object of objects) {
                    assert.ok(
                        object.apiVersion && object.kind && object.metadata?.name,
                        JSON.stringify(object).slice(0, 80),
                    );
                }
                const firstOther = objects.findIndex((object) => object.kind !== "Namespace");
                const lastNamespace = objects.map((object) => object.kind).lastIndexOf("Namespace");
                assert.ok(lastNamespace < firstOther || lastNamespace === -1, "a Namespace comes after another object");
            });

            it("declares every namespace it puts objects in, and each ordinal's claim before the StatefulSet", () => {
                const objects = parseAllDocuments(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8")).map(
                    (document) => document.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
                );
                const declared = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
                // Namespaces every cluster has, and those of Services the stack only reads (exposures' copies).
                const given = new Set(["default", "kube-system"]);
                const config = testStackConfig(stack).config;
                const services = JSON.parse(config["stateful-nginx:services"] ?? "{}") as {
                    exposures?: { from: string }[];
                };
                for (const exposure of services.exposures ?? []) {
                    if (exposure.from.includes("/")) given.add(exposure.from.split("/")[0]);
                }
                const undeclared = objects.filter(
                    (o) =>
                        o.metadata.namespace && !declared.has(o.metadata.namespace) && !given.has(o.metadata.namespace),
                );
                assert.deepStrictEqual(
                    undeclared.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
                    [],
                );
                const kinds = objects.map((o) => o.kind);
                const claims = objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name);
                assert.deepStrictEqual(claims, [
                    "nginx-persistent-storage-nginx-0",
                    "nginx-persistent-storage-nginx-1",
                    "nginx-persistent-storage-nginx-2",
                ]);
                assert.ok(kinds.lastIndexOf("PersistentVolumeClaim") < kinds.indexOf("StatefulSet"));
            });

            it("draws every resource in graph.mmd, for tools", () => {
                const graph = fs.readFileSync(path.join(out, "graph.mmd"), "utf8");
                const rows = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as {
                    name: string;
                }[];
                assert.match(graph, /^flowchart /);
                for (const row of rows) assert.ok(graph.includes(`<br/>${row.name}"`), row.name);
            });

            it("never writes a secret in clear", () => {
                const text = FILES.map((file) => fs.readFileSync(path.join(out, file), "utf8")).join("\n");
                assert.ok(!text.includes("mock-token"), "the mock kubeconfig's token leaked");
            });
        });
    }

    it("stops the shipped prod file, unedited, naming the two keys it leaves to you and a command to try it", async () => {
        const out = path.join(work, "prod-unedited");
        const result = await synth("--stack", "prod", "--out", out);
        assert.strictEqual(result.status, 1, result.stdout);
        const lines = result.stderr.trimEnd().split("\n");
        assert.match(lines[0], /^synth: stateful-nginx:eks\.endpointPublicAccessCidrs: got nothing; is required/);
        assert.match(lines[0], /checkip/);
        assert.match(
            lines[1],
            /^Pulumi\.prod\.yaml leaves these 2 keys to you; set them with `pulumi config set --path`/,
        );
        assert.match(lines[2], /^ {2}stateful-nginx:eks\.endpointPublicAccessCidrs: who may reach the Kubernetes API$/);
        assert.match(
            lines[3],
            /^ {2}stateful-nginx:services\.loadBalancer\.sourceRanges: who may reach the load balancer$/,
        );
        // The command, as a shell would split it, is the one the prod tests above ran and passed with.
        const command = lines[lines.length - 1].trim();
        assert.ok(command.startsWith("npm run synth -- "), command);
        const words = [...command.slice("npm run synth -- ".length).matchAll(/'([^']*)'|(\S+)/g)].map(
            ([, quoted, bare]) => quoted ?? bare,
        );
        assert.deepStrictEqual(words, ["--stack", "prod", ...trialSettings("prod").flatMap((set) => ["--set", set])]);
        assert.ok(!fs.existsSync(out), "nothing written");
    });

    it("explains, when npm took --stack for itself (no --), the command to run instead", async () => {
        // `npm run synth --stack dev`: npm sets npm_config_stack=true and passes "dev" on alone.
        for (const [env, args] of [
            [{ npm_config_stack: "true" }, ["dev"]],
            [{ npm_config_stack: "dev" }, []],
        ] as const) {
            const result = await synthWith(env, ...args);
            assert.strictEqual(result.status, 1);
            assert.strictEqual(
                result.stderr,
                "synth: npm took --stack for itself (npm run hands a script only what follows --); run: " +
                    "npm run synth -- --stack dev\n",
            );
        }
    });

    it("rejects invalid configuration with exit 1, one line on stderr and nothing written", () => {
        const config = path.join(work, "Pulumi.bad.yaml");
        fs.writeFileSync(
            config,
            "config:\n  stateful-nginx:platform: baremetal\n  stateful-nginx:metallb:\n    pools: []\n",
        );
        const out = path.join(work, "bad");
        const result = synthProcess("--stack", "bad", "--config", config, "--out", out);
        assert.strictEqual(result.status, 1);
        assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, /stateful-nginx:metallb\.pools: got \[\]; must list at least one address pool/);
        assert.ok(!fs.existsSync(out), "wrote output for an invalid config");
    });

    it("requires --stack", async () => {
        const result = await synth();
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /--stack NAME is required/);
    });

    describe("command line", () => {
        it("prints its usage for --help and exits 0, naming every option and stack", async () => {
            const result = await synth("--help");
            assert.strictEqual(result.status, 0, result.stderr);
            assert.match(result.stdout, /^Usage: npm run synth -- --stack NAME \[--config FILE\] \[--out DIR\]/);
            for (const option of ["--stack NAME", "--config FILE", "--out DIR", "-h, --help"]) {
                assert.ok(result.stdout.includes(option), option);
            }
            assert.ok(result.stdout.includes(`Stacks: ${stackNames().join(", ")}`), result.stdout);
        });

        it("refuses an unknown option with one line and the usage, exit 1", async () => {
            const result = await synth("--stak", "dev");
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /^synth: Unknown option '--stak'\n/);
            assert.match(result.stderr, /Usage: npm run synth --/);
        });

        it("refuses a stack that has no stack file, naming the stacks there are", async () => {
            const result = await synth("--stack", "qa");
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /^synth: no stack qa: there is no Pulumi\.qa\.yaml \(stacks: dev, /);
        });

        for (const [what, file] of [
            ["a missing file", () => path.join(work, "absent.yaml")],
            ["a directory", () => work],
        ] as const) {
            it(`says "config file" in one line when --config names ${what}`, async () => {
                const result = await synth("--stack", "dev", "--config", file(), "--out", path.join(work, "unused"));
                assert.strictEqual(result.status, 1);
                assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
                assert.match(result.stderr, /^synth: config file .* (does not exist|is a directory)$/m);
            });
        }

        it("names the file, line and column of a YAML error, at the line that is wrong", async () => {
            const lines = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8").split("\n");
            // One mapping item indented a space too far, between comments as the shipped file has them: the
            // parser notices it only at the comments before it.
            const wrong = lines.findIndex(
                (line, index) =>
                    /^\s+[a-zA-Z]+: \S/.test(line) && comment(lines[index - 1]) && comment(lines[index + 1]),
            );
            assert.ok(wrong > 0, "the test expects a key between comments in Pulumi.dev.yaml");
            lines[wrong] = ` ${lines[wrong]}`;
            const config = path.join(work, "Pulumi.indent.yaml");
            fs.writeFileSync(config, lines.join("\n"));
            const result = await synth("--stack", "dev", "--config", config, "--out", path.join(work, "unused"));
            assert.strictEqual(result.status, 1);
            assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
            const column = lines[wrong].length - lines[wrong].trimStart().length + 1;
            assert.ok(
                result.stderr.startsWith(`synth: ${config}:${wrong + 1}:${column}: config file is not valid YAML: `),
                result.stderr,
            );
        });

        for (const [where, text, line] of [
            ["before the comments", "a:\n  b: [1]\n   c: 2\n  # note\n  d: 3\n", 3],
            ["after the comments", "a:\n  b: 1\n  # note\n   c: 2\n  d: 3\n", 4],
        ] as const) {
            it(`blames the mis-indented item ${where}, not the comments beside it`, () => {
                const [error] = parseDocument(text).errors;
                assert.strictEqual(error.code, "BAD_INDENT");
                assert.deepStrictEqual(yamlErrorPosition(text, error.pos[0], error.code), { line, col: 4 });
            });
        }

        it("refuses a key under a misspelt namespace, with the key it meant", async () => {
            const config = path.join(work, "Pulumi.namespace.yaml");
            const dev = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
            fs.writeFileSync(config, `${dev}\n  statefulnginx:services:\n    nodePort:\n      port: 30080\n`);
            const result = await synth("--stack", "dev", "--config", config, "--out", path.join(work, "namespace"));
            assert.strictEqual(result.status, 1, result.stdout);
            assert.match(
                result.stderr,
                /^synth: statefulnginx:services: got the namespace "statefulnginx"; did you mean stateful-nginx:services\?/,
            );
        });
    });

    describe("output directory", () => {
        it("removes the files of an earlier run when a later one fails", async () => {
            const out = path.join(work, "stale");
            assert.strictEqual((await synth("--stack", "dev", "--out", out)).status, 0);
            const config = path.join(work, "Pulumi.broken.yaml");
            fs.writeFileSync(config, "config:\n  stateful-nginx:platform: gke\n");
            const result = await synth("--stack", "dev", "--config", config, "--out", out);
            assert.strictEqual(result.status, 1);
            for (const file of FILES) assert.ok(!fs.existsSync(path.join(out, file)), `${file} left behind`);
        });

        it("is an error, not a hang, when --out cannot be created under procfs", async function () {
            if (!fs.existsSync("/proc/self")) this.skip();
            const result = await synth("--stack", "dev", "--out", "/proc/stateful-nginx-out");
            assert.strictEqual(result.status, 1, `status ${result.status}: it hung or passed`);
            assert.match(result.stderr, /^synth: cannot write to \/proc\/stateful-nginx-out: .*\(ENOENT\)$/m);
        });

        it("is an error when --out lies under a file", async () => {
            const file = path.join(work, "a-file");
            fs.writeFileSync(file, "");
            const result = await synth("--stack", "dev", "--out", path.join(file, "out"));
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /^synth: cannot write to .*a-file\/out: .*a-file is not a directory$/m);
        });
    });
});

describe("synth's rendering, in process", function () {
    this.timeout(30000);

    it("summarizes what a stack only reads apart from what it creates, reads by the name kubectl shows", async () => {
        // The staging fixture uses a MetalLB another stack installed: it reads MetalLB's CRDs instead.
        const { config, secretKeys } = readStackFile(path.join(root, "test", "fixtures", "Pulumi.staging.yaml"));
        const run = await runConfig("staging", config, secretKeys);
        const lines = summarize(run.run);
        const reads = run.resources.filter((resource) => resource.read);
        assert.ok(reads.length >= 2, "the fixture reads MetalLB's CRDs");
        const at = lines.indexOf(`  reads ${reads.length} from the cluster, never changing them:`);
        assert.ok(at > 0, lines.join("\n"));
        assert.ok(lines.slice(at).some((line) => /CustomResourceDefinition ipaddresspools\.metallb\.io$/.test(line)));
        const created = Number(/^ {2}creates (\d+) resources:$/.exec(lines[0])?.[1]);
        assert.strictEqual(created, run.resources.filter((r) => !r.read && (r.custom || r.remote)).length);
        assert.ok(
            !lines.slice(0, at).some((line) => line.includes("CustomResourceDefinition")),
            "a read counted as created",
        );
    });

    it("marks a preview's unknowns in manifests.yaml, where kubectl apply refuses them", async () => {
        const { config, secretKeys } = readStackFile(stackFilePath("dev"));
        const run: ProgramRun = await runProgram(
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            () => (require("../index") as () => Promise<unknown>)(),
            { stack: "dev", config, secretKeys, preview: true },
        );
        const text = renderManifests(run.resources, "dev");
        assert.ok(!text.includes(UNKNOWN), "the unknown sentinel was written as a value");
        const job = parseAllDocuments(text)
            .map((document) => document.toJS() as { kind: string; metadata: { name: unknown } })
            .find((object) => object.kind === "Job" && typeof object.metadata.name !== "string");
        // A name that is not a string: kubectl apply stops at "resource name may not be empty".
        assert.deepStrictEqual(job?.metadata.name, { [PLACEHOLDER_KEY]: "unknown until pulumi up computes it" });
    });

    it("marks made-up values and unknowns wherever they are, and leaves every other value as it is", () => {
        const found = { count: 0 };
        const marked = markPlaceholders(
            { uid: "uid-42", subnets: "subnet-0mocka,subnet-0mockb", name: UNKNOWN, port: 80, list: ["a", UNKNOWN] },
            found,
        );
        assert.deepStrictEqual(marked, {
            uid: { [PLACEHOLDER_KEY]: "made up by the mock runtime; pulumi up uses the real value" },
            subnets: { [PLACEHOLDER_KEY]: "made up by the mock runtime; pulumi up uses the real value" },
            name: { [PLACEHOLDER_KEY]: "unknown until pulumi up computes it" },
            port: 80,
            list: ["a", { [PLACEHOLDER_KEY]: "unknown until pulumi up computes it" }],
        });
        assert.strictEqual(found.count, 4);
    });

    it("writes outputs as pulumi stack output --json does: secrets as [secret], unknowns as [unknown]", () => {
        const secret = { [specialSigKey]: specialSecretSig, value: "token" };
        assert.deepStrictEqual(JSON.parse(renderOutputs({ b: secret, a: UNKNOWN, c: [1, "x"] })), {
            a: "[unknown]",
            b: "[secret]",
            c: [1, "x"],
        });
    });

    it("names Kubernetes objects namespace/name, AWS resources by their AWS name", () => {
        const resource = (type: string, name: string, inputs: object, read = false) =>
            ({ type, name, inputs, read, outputs: read ? inputs : {}, custom: true }) as never;
        const service = { metadata: { name: "nginx-lb", namespace: "stateful-nginx" } };
        assert.strictEqual(
            displayName(resource("kubernetes:core/v1:Service", "lb", service)),
            "stateful-nginx/nginx-lb",
        );
        assert.strictEqual(
            displayName(resource("kubernetes:core/v1:Service", "src", service, true)),
            "stateful-nginx/nginx-lb",
        );
        assert.strictEqual(
            displayName(resource("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "a" } })),
            "a",
        );
        assert.strictEqual(
            displayName(resource("aws:eks/addon:Addon", "x", { addonName: "aws-ebs-csi-driver" })),
            "aws-ebs-csi-driver",
        );
        // Auto-named: AWS (or Pulumi) picks the suffix when it creates the resource.
        assert.strictEqual(displayName(resource("aws:iam/role:Role", "eks-nodes-role", {})), "eks-nodes-role-*");
    });
});

describe("synth --set", () => {
    const base = {
        config: { "stateful-nginx:eks": '{"version":"1.34"}', "stateful-nginx:platform": "eks" },
        secretKeys: ["stateful-nginx:kubeconfig"],
    };

    it("sets a path inside a structured key, reading the value as YAML, and a whole key", () => {
        const { config } = withSettings(base, [
            "stateful-nginx:eks.endpointPublicAccessCidrs=[100.24.0.0/13]",
            "stateful-nginx:services.loadBalancer.sourceRanges=[34.192.0.0/12, 52.0.0.0/11]",
            "stateful-nginx:platform=baremetal",
            "stateful-nginx:app.replicas=2",
        ]);
        assert.deepStrictEqual(JSON.parse(config["stateful-nginx:eks"]), {
            version: "1.34",
            endpointPublicAccessCidrs: ["100.24.0.0/13"],
        });
        assert.deepStrictEqual(JSON.parse(config["stateful-nginx:services"]), {
            loadBalancer: { sourceRanges: ["34.192.0.0/12", "52.0.0.0/11"] },
        });
        assert.strictEqual(config["stateful-nginx:platform"], "baremetal");
        assert.deepStrictEqual(JSON.parse(config["stateful-nginx:app"]), { replicas: 2 });
    });

    for (const [setting, message] of [
        ["replicas=2", /must be KEY=VALUE or KEY\.path=VALUE/],
        ["stateful-nginx:kubeconfig=x", /is a secret in the stack file/],
        ["stateful-nginx:eks.version.major=1", /inside something not a mapping/],
    ] as const) {
        it(`refuses ${setting} in one line`, () => {
            assert.throws(() => withSettings(base, [setting]), message);
        });
    }
});
