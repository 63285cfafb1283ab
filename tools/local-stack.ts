/**
 * The dev stack for the local cluster of engine/cluster.sh, where MetalLB already runs: Pulumi.dev.yaml with
 * `metallb.install: false` and without the keys only an install uses. Comments and everything else stay
 * as dev has them, so the local stack is dev, not a copy that drifts from it.
 *
 *   npm run --silent local-stack > Pulumi.local.yaml
 */
import * as fs from "fs";
import { isMap, parseDocument } from "yaml";
import { INSTALL_ONLY_DEFAULTS } from "../config/metallb";
import { stackFilePath } from "./stack-config";

const METALLB_KEY = "stateful-nginx:metallb";

export function localStackFile(devStackFile: string): string {
    const doc = parseDocument(devStackFile);
    const metallb = doc.getIn(["config", METALLB_KEY]);
    if (!isMap(metallb)) throw new Error(`the dev stack file has no ${METALLB_KEY} map`);
    metallb.set("install", false);
    // dev's note above this block says the stack installs MetalLB; here it is already there.
    metallb.commentBefore = " MetalLB already runs on the local cluster (engine/cluster.sh): use it, install nothing.";
    for (const key of Object.keys(INSTALL_ONLY_DEFAULTS)) metallb.delete(key);
    doc.commentBefore =
        " local: the dev stack on engine/cluster.sh's cluster, where MetalLB already runs (install: false).\n" +
        " Made from Pulumi.dev.yaml by `npm run local-stack`; change dev, then make this file again.";
    return doc.toString();
}

if (require.main === module) {
    process.stdout.write(localStackFile(fs.readFileSync(stackFilePath("dev"), "utf8")));
}
