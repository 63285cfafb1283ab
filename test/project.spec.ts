import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { CONFIG_NAMESPACE, parseConfig, RawConfig } from "../config";
import { stackNames } from "../tools/stack-config";
import { testStackConfig } from "./helpers";

const root = path.resolve(__dirname, "..");
const transpile = ["-r", "./tools/register.js"];

function loadedPackages(stack: string): string[] {
    const output = execFileSync(process.execPath, [...transpile, "test/fixtures/loaded-packages.ts", stack], {
        cwd: root,
        encoding: "utf8",
    });
    return JSON.parse(output.trim().split("\n").pop()!) as string[];
}

describe("the project", () => {
    it("installs exactly one copy of @pulumi/pulumi (two copies break the runtime)", () => {
        const output = execFileSync("npm", ["ls", "@pulumi/pulumi", "--all", "--parseable"], {
            cwd: root,
            encoding: "utf8",
        });
        const copies = new Set(output.split("\n").filter((line) => line.endsWith(path.join("@pulumi", "pulumi"))));
        assert.deepStrictEqual([...copies], [path.join(root, "node_modules", "@pulumi", "pulumi")]);
    });

    // Every shipped stack file, so that a new Pulumi.<stack>.yaml is covered without a change here.
    const stacks = stackNames();
    const platformOf = (stack: string) => {
        const { config } = testStackConfig(stack);
        const prefix = `${CONFIG_NAMESPACE}:`;
        const raw: RawConfig = {};
        for (const [key, value] of Object.entries(config)) {
            if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
        }
        return parseConfig(raw).platform;
    };

    it("ships at least one stack of each platform", () => {
        assert.deepStrictEqual([...new Set(stacks.map(platformOf))].sort(), ["baremetal", "eks"]);
    });

    describe("loads a platform's packages only for stacks on that platform", function () {
        this.timeout(60000);

        for (const stack of stacks) {
            const platform = platformOf(stack);
            if (platform === "baremetal") {
                it(`the bare-metal stack ${stack} never loads @pulumi/aws or @pulumi/eks`, () => {
                    const packages = loadedPackages(stack);
                    assert.ok(packages.includes("@pulumi/kubernetes"), `kubernetes not loaded: ${packages.join(", ")}`);
                    assert.ok(!packages.includes("@pulumi/aws"), `aws loaded: ${packages.join(", ")}`);
                    assert.ok(!packages.includes("@pulumi/eks"), `eks loaded: ${packages.join(", ")}`);
                    // Graphviz (synth's picture) is synth's alone: `pulumi up` runs the program without it.
                    assert.ok(!packages.includes("@viz-js/viz"), `graphviz loaded: ${packages.join(", ")}`);
                });
            } else {
                it(`the EKS stack ${stack} does load them (so the check above can see them)`, () => {
                    const packages = loadedPackages(stack);
                    assert.ok(
                        packages.includes("@pulumi/aws") && packages.includes("@pulumi/eks"),
                        packages.join(", "),
                    );
                    assert.ok(!packages.includes("@viz-js/viz"), `graphviz loaded: ${packages.join(", ")}`);
                });
            }
        }
    });
});
