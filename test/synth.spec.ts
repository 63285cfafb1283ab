import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments, parseDocument, stringify } from "yaml";
import { stackNames, yamlErrorPosition } from "../tools/stack-config";
import { testStackConfig } from "./helpers";

const root = path.resolve(__dirname, "..");

function synth(...args: string[]) {
    const result = spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/synth.ts", ...args], {
        cwd: root,
        encoding: "utf8",
        // A synth that hangs is a failure, not a stuck test run.
        timeout: 45000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const FILES = ["manifests.yaml", "resources.json", "graph.mmd"];

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
            let configFile: string;

            before(() => {
                out = path.join(work, stack);
                // The stack file as tests see it (prod with the tests' endpoint CIDR), in the same format.
                configFile = path.join(work, `Pulumi.${stack}.yaml`);
                fs.writeFileSync(configFile, stringify({ config: testStackConfig(stack).config }));
                const result = synth("--stack", stack, "--config", configFile, "--out", out);
                assert.strictEqual(result.status, 0, result.stderr);
                printed = result.stdout;
            });

            it("writes manifests.yaml, resources.json and graph.mmd", () => {
                for (const file of FILES) assert.ok(fs.statSync(path.join(out, file)).size > 0, file);
            });

            it("prints a summary of the resources by type", () => {
                const count = (JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as unknown[])
                    .length;
                assert.match(printed, new RegExp(`stack ${stack}: ${count} resources`));
                assert.match(printed, /^\s+\d+\s+pulumi:pulumi:Stack$/m);
            });

            it("gives byte-identical files when run twice", () => {
                const again = path.join(work, `${stack}-again`);
                assert.strictEqual(synth("--stack", stack, "--config", configFile, "--out", again).status, 0);
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

            it("draws every resource in graph.mmd", () => {
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

    it("stops the shipped prod file, unedited, on its missing endpoint CIDRs: exit 1, one line, nothing written", () => {
        const out = path.join(work, "prod-unedited");
        const result = synth("--stack", "prod", "--out", out);
        assert.strictEqual(result.status, 1, result.stdout);
        const lines = result.stderr.trim().split("\n");
        assert.strictEqual(lines.length, 1, result.stderr);
        assert.match(lines[0], /stateful-nginx:eks\.endpointPublicAccessCidrs: got nothing; is required/);
        assert.match(lines[0], /checkip/);
        assert.ok(!fs.existsSync(out), "nothing written");
    });

    it("rejects invalid configuration with exit 1, one line on stderr and nothing written", () => {
        const config = path.join(work, "Pulumi.bad.yaml");
        fs.writeFileSync(
            config,
            "config:\n  stateful-nginx:platform: baremetal\n  stateful-nginx:metallb:\n    pools: []\n",
        );
        const out = path.join(work, "bad");
        const result = synth("--stack", "bad", "--config", config, "--out", out);
        assert.strictEqual(result.status, 1);
        assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, /stateful-nginx:metallb\.pools: got \[\]; must list at least one address pool/);
        assert.ok(!fs.existsSync(out), "wrote output for an invalid config");
    });

    it("requires --stack", () => {
        const result = synth();
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /--stack NAME is required/);
    });

    describe("command line", () => {
        it("prints its usage for --help and exits 0, naming every option and stack", () => {
            const result = synth("--help");
            assert.strictEqual(result.status, 0, result.stderr);
            assert.match(result.stdout, /^Usage: npm run synth -- --stack NAME \[--config FILE\] \[--out DIR\]/);
            for (const option of ["--stack NAME", "--config FILE", "--out DIR", "-h, --help"]) {
                assert.ok(result.stdout.includes(option), option);
            }
            assert.ok(result.stdout.includes(`Stacks: ${stackNames().join(", ")}`), result.stdout);
        });

        it("refuses an unknown option with one line and the usage, exit 1", () => {
            const result = synth("--stak", "dev");
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /^synth: Unknown option '--stak'\n/);
            assert.match(result.stderr, /Usage: npm run synth --/);
        });

        it("refuses a stack that has no stack file, naming the stacks there are", () => {
            const result = synth("--stack", "qa");
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /^synth: no stack qa: there is no Pulumi\.qa\.yaml \(stacks: dev, /);
        });

        for (const [what, file] of [
            ["a missing file", () => path.join(work, "absent.yaml")],
            ["a directory", () => work],
        ] as const) {
            it(`says "config file" in one line when --config names ${what}`, () => {
                const result = synth("--stack", "dev", "--config", file(), "--out", path.join(work, "unused"));
                assert.strictEqual(result.status, 1);
                assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
                assert.match(result.stderr, /^synth: config file .* (does not exist|is a directory)$/m);
            });
        }

        it("names the file, line and column of a YAML error, at the line that is wrong", () => {
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
            const result = synth("--stack", "dev", "--config", config, "--out", path.join(work, "unused"));
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

        it("refuses a key under a misspelt namespace, with the key it meant", () => {
            const config = path.join(work, "Pulumi.namespace.yaml");
            const dev = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
            fs.writeFileSync(config, `${dev}\n  statefulnginx:services:\n    nodePort:\n      port: 30080\n`);
            const result = synth("--stack", "dev", "--config", config, "--out", path.join(work, "namespace"));
            assert.strictEqual(result.status, 1, result.stdout);
            assert.match(
                result.stderr,
                /^synth: statefulnginx:services: got the namespace "statefulnginx"; did you mean stateful-nginx:services\?/,
            );
        });
    });

    describe("output directory", () => {
        it("removes the files of an earlier run when a later one fails", () => {
            const out = path.join(work, "stale");
            assert.strictEqual(synth("--stack", "dev", "--out", out).status, 0);
            const config = path.join(work, "Pulumi.broken.yaml");
            fs.writeFileSync(config, "config:\n  stateful-nginx:platform: gke\n");
            const result = synth("--stack", "dev", "--config", config, "--out", out);
            assert.strictEqual(result.status, 1);
            for (const file of FILES) assert.ok(!fs.existsSync(path.join(out, file)), `${file} left behind`);
        });

        it("is an error, not a hang, when --out cannot be created under procfs", function () {
            if (!fs.existsSync("/proc/self")) this.skip();
            const result = synth("--stack", "dev", "--out", "/proc/stateful-nginx-out");
            assert.strictEqual(result.status, 1, `status ${result.status}: it hung or passed`);
            assert.match(result.stderr, /^synth: cannot write to \/proc\/stateful-nginx-out: .*\(ENOENT\)$/m);
        });

        it("is an error when --out lies under a file", () => {
            const file = path.join(work, "a-file");
            fs.writeFileSync(file, "");
            const result = synth("--stack", "dev", "--out", path.join(file, "out"));
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /^synth: cannot write to .*a-file\/out: .*a-file is not a directory$/m);
        });
    });
});
