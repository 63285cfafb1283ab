import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

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

    describe("loads a platform's packages only for stacks on that platform", function () {
        this.timeout(60000);

        it("a bare-metal stack never loads @pulumi/aws or @pulumi/eks", () => {
            const packages = loadedPackages("dev");
            assert.ok(packages.includes("@pulumi/kubernetes"), `kubernetes not loaded: ${packages.join(", ")}`);
            assert.ok(!packages.includes("@pulumi/aws"), `aws loaded: ${packages.join(", ")}`);
            assert.ok(!packages.includes("@pulumi/eks"), `eks loaded: ${packages.join(", ")}`);
        });

        it("an EKS stack does load them (so the check above can see them)", () => {
            const packages = loadedPackages("prod");
            assert.ok(packages.includes("@pulumi/aws") && packages.includes("@pulumi/eks"), packages.join(", "));
        });
    });
});
