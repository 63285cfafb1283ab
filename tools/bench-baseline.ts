/** The synth harness with a minimal program (one ConfigMap): the yardstick for `bench-synth.ts`. */
import * as k8s from "@pulumi/kubernetes";
import { runProgram } from "./mock-runtime";
import { writeOutputs } from "./output-dir";
import { renderSynthFiles } from "./synth-render";

async function main(outDir: string): Promise<void> {
    const run = await runProgram(
        async () => {
            new k8s.core.v1.ConfigMap("baseline", { metadata: { name: "baseline" }, data: { key: "value" } });
            return {};
        },
        { stack: "baseline", config: {} },
    );
    // Written the way synth writes, so both pay the same for it.
    writeOutputs(outDir, await renderSynthFiles(run, "baseline"));
    console.log(`baseline: ${run.resources.length} resources`);
}

if (process.argv.length !== 3) {
    console.error("usage: bench-baseline.ts OUT_DIR (run by npm run bench:synth)");
    process.exit(1);
}
main(process.argv[2]).catch((error: unknown) => {
    console.error(`bench-baseline: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    process.exit(1);
});
