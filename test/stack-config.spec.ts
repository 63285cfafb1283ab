import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyConfigFile, readStackFile, stackNames, yamlErrorPosition } from "../tools/stack-config";

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
