import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { previewState, ProgramRun, runProgram, UNKNOWN } from "../tools/mock-runtime";
import { mockResourceState } from "../tools/mock-state";
import { readStackFile, stackFilePath } from "../tools/stack-config";

const root = path.resolve(__dirname, "..");

function run(stack: string, preview: boolean): Promise<ProgramRun> {
    const { config, secretKeys } = readStackFile(stackFilePath(stack));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = () => (require("../index") as () => Promise<unknown>)();
    return runProgram(program, { stack, config, secretKeys, preview });
}

const mentionsUnknown = (value: unknown) => JSON.stringify(value).includes(UNKNOWN);

describe("the mock runtime's preview", () => {
    let preview: ProgramRun;
    let update: ProgramRun;

    before(async () => {
        preview = await run("dev", true);
        update = await run("dev", false);
    });

    it("leaves what only the update computes unknown in the inputs built from it", () => {
        const job = (r: ProgramRun) =>
            r.resources.find(
                (resource) => resource.type === "kubernetes:batch/v1:Job" && resource.name === "nginx-verify",
            );
        // The verification Job's name hashes its plan, which holds the allocated node port.
        assert.equal((job(preview)?.inputs.metadata as { name: string }).name, UNKNOWN);
        assert.ok(!mentionsUnknown(job(update)?.inputs));
        assert.ok(update.resources.every((resource) => !mentionsUnknown(resource.inputs)));
    });

    it("records the provider's outputs: allocated in an update, the inputs as they are in a preview", () => {
        const lb = (r: ProgramRun) =>
            r.resources.find(
                (resource) =>
                    resource.type === "kubernetes:core/v1:Service" &&
                    (resource.inputs.spec as { type?: string }).type === "LoadBalancer",
            );
        assert.ok((lb(update)?.outputs.status as { loadBalancer?: object }).loadBalancer);
        assert.deepEqual(lb(preview)?.outputs, lb(preview)?.inputs);
    });

    it("marks what a Terraform-bridged provider computes unknown, and keeps Kubernetes inputs", () => {
        const inputs = { assumeRolePolicy: "{}" };
        const state = mockResourceState("aws:iam/role:Role", "nodes", inputs);
        assert.deepEqual(previewState("aws:iam/role:Role", inputs, state), {
            assumeRolePolicy: "{}",
            name: UNKNOWN,
            arn: UNKNOWN,
        });
        const service = { spec: { type: "ClusterIP" } };
        const allocated = mockResourceState("kubernetes:core/v1:Service", "web", service);
        assert.deepEqual(previewState("kubernetes:core/v1:Service", service, allocated), service);
    });
});

describe("npm run synth -- --preview", function () {
    this.timeout(60000);

    it("writes the preview's unknowns into resources.json as the wire's unknown sentinel", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-preview-"));
        try {
            const result = spawnSync(
                process.execPath,
                ["-r", "./tools/register.js", "tools/synth.ts", "--stack", "dev", "--preview", "--out", out],
                { cwd: root, encoding: "utf8" },
            );
            assert.equal(result.status, 0, result.stderr);
            assert.ok(fs.readFileSync(path.join(out, "resources.json"), "utf8").includes(UNKNOWN));
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
