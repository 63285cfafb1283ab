import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { errorText } from "../tools/cli";
import { runProgram } from "../tools/mock-runtime";
import { policyConfigFile, readStackFile, stackNames, yamlErrorPosition } from "../tools/stack-config";

/**
 * Runs the program with a stack file's config under the mock runtime, as synth does, and returns the error it
 * stopped with and the types of what it registered first.
 */
async function stoppedRun(config: Record<string, string>, secretKeys: string[]) {
    let stopped: unknown;
    const run = await runProgram(
        async () => {
            try {
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                return await (require("../index") as () => Promise<unknown>)();
            } catch (error) {
                stopped = error;
                return {};
            }
        },
        { stack: "x", config, secretKeys },
    );
    return { stopped, registered: run.resources.map((resource) => resource.type) };
}

describe("stack files", () => {
    let root: string;
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("are every Pulumi.<stack>.yaml next to Pulumi.yaml, sorted, so a new stack is one more file", () => {
        for (const file of ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "x.yaml"]) {
            fs.writeFileSync(path.join(root, file), "");
        }
        assert.deepStrictEqual(stackNames(root), ["dev", "prod", "staging"]);
    });

    it("use policy/config/<stack>.json when it exists, else no file: the pack's own levels and settings", () => {
        fs.mkdirSync(path.join(root, "policy", "config"), { recursive: true });
        fs.writeFileSync(path.join(root, "policy", "config", "dev.json"), "{}");
        assert.strictEqual(policyConfigFile("dev", root), path.join(root, "policy", "config", "dev.json"));
        assert.strictEqual(policyConfigFile("staging", root), undefined);
    });

    it("read into the strings Pulumi hands the program, secrets as a placeholder", () => {
        const file = path.join(root, "Pulumi.x.yaml");
        fs.writeFileSync(
            file,
            "config:\n  stateful-nginx:platform: eks\n  stateful-nginx:app:\n    replicas: 2\n" +
                "  stateful-nginx:kubeconfig:\n    secure: AAAB\n",
        );
        const { config, secretKeys } = readStackFile(file);
        assert.deepStrictEqual(config, {
            "stateful-nginx:platform": "eks",
            "stateful-nginx:app": '{"replicas":2}',
            "stateful-nginx:kubeconfig": "[secret]",
        });
        assert.deepStrictEqual(secretKeys, ["stateful-nginx:kubeconfig"]);
    });

    it("name the second of two equal keys, at its own line and column", () => {
        const file = path.join(root, "Pulumi.x.yaml");
        fs.writeFileSync(
            file,
            "config:\n  stateful-nginx:platform: eks\n  stateful-nginx:app:\n    replicas: 2\n    replicas: 3\n",
        );
        assert.throws(
            () => readStackFile(file),
            /Pulumi\.x\.yaml:5:5: config file is not valid YAML: Map keys must be unique$/,
        );
    });

    it("refuses a config that is not a mapping, in one line naming the file", () => {
        const file = path.join(root, "Pulumi.x.yaml");
        fs.writeFileSync(file, "config:\n  - stateful-nginx:platform\n");
        assert.throws(() => readStackFile(file), /^Error: config file .*Pulumi\.x\.yaml: config must be a mapping/);
    });
});

describe("a stack file with several mistakes", () => {
    let root: string;
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("stops the program before any resource with one line per mistake, each naming its key", async () => {
        const file = path.join(root, "Pulumi.x.yaml");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  stateful-nginx:platform: baremetal",
                "  stateful-nginx:metallb:",
                "    pools: [{ name: default-pool, addresses: [172.18.255.200/29] }]",
                "  stateful-nginx:app:",
                "    replicas: 0",
                '    createNamespace: "yes"',
                "  stateful-nginx:services:",
                "    nodePort: { prot: 30080 }",
                "",
            ].join("\n"),
        );
        const { config, secretKeys } = readStackFile(file);
        const { stopped, registered } = await stoppedRun(config, secretKeys);
        assert.ok(pulumi.RunError.isInstance(stopped), `expected a RunError, got ${String(stopped)}`);
        assert.deepStrictEqual((stopped as Error).message.split("\n"), [
            "3 problems in the stack's configuration:",
            '  stateful-nginx:app.createNamespace: got "yes"; must be true or false',
            "  stateful-nginx:app.replicas: got 0; must be at least 1",
            "  stateful-nginx:services.nodePort.prot: got an unknown key; did you mean port? allowed keys are enabled, port",
        ]);
        assert.deepStrictEqual(
            registered,
            ["pulumi:pulumi:Stack"],
            "registered something before the config stopped it",
        );
    });

    it("is printed by synth and policy with every line, where another error keeps to its first", () => {
        const stopped = new pulumi.RunError("2 problems in the stack's configuration:\n  a: got 1\n  b: got 2");
        assert.strictEqual(errorText(stopped), stopped.message);
        assert.strictEqual(errorText(new Error("no stack x\n    at somewhere")), "no stack x");
    });

    it("never shows the value of a key the stack keeps secret", async () => {
        const { stopped } = await stoppedRun(
            {
                "stateful-nginx:platform": "eks",
                "stateful-nginx:app": JSON.stringify({ replicas: "hunter2-token" }),
                "stateful-nginx:kubeconfig": "apiVersion: v1\nusers: [token-in-kubeconfig]",
            },
            ["stateful-nginx:app", "stateful-nginx:kubeconfig"],
        );
        const message = (stopped as Error).message;
        assert.match(message, /stateful-nginx:app\.replicas: got \[secret\]; must be a number/);
        assert.ok(!/hunter2|token-in-kubeconfig/.test(message), message);
    });
});

describe("the position of a YAML error", () => {
    it("is the mapping item at the wrong column, not the comment line after it", () => {
        const text = "config:\n  a:\n     b: 1\n    # a comment\n    c: 2\n";
        // The parser reports the start of line 4; the item at fault starts line 3, column 6.
        assert.deepStrictEqual(yamlErrorPosition(text, text.indexOf("    # a"), "BAD_INDENT"), { line: 3, col: 6 });
    });

    it("is where the parser says for other errors (a tab is at the tab)", () => {
        const text = "config:\n\ta: 1\n";
        assert.deepStrictEqual(yamlErrorPosition(text, text.indexOf("\t"), "TAB_AS_INDENT"), { line: 2, col: 1 });
    });
});
