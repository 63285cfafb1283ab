/** The synth harness with a minimal program (one ConfigMap): the yardstick for `bench-synth.ts`. */
import * as k8s from "@pulumi/kubernetes";
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./mock-runtime";
import { renderGraph, renderManifests, renderResources } from "./synth-render";

async function main(outDir: string): Promise<void> {
    const run = await runProgram(
        async () => {
            new k8s.core.v1.ConfigMap("baseline", { metadata: { name: "baseline" }, data: { key: "value" } });
            return {};
        },
        { stack: "baseline", config: {} },
    );
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "manifests.yaml"), renderManifests(run.resources));
    fs.writeFileSync(path.join(outDir, "resources.json"), renderResources(run.resources));
    fs.writeFileSync(path.join(outDir, "graph.mmd"), renderGraph(run.resources));
    console.log(`baseline: ${run.resources.length} resources`);
}

main(process.argv[2]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
