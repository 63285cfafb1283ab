import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { METALLB_RELEASE, speakerPodLabels } from "../components/baremetal";
import { PROJECT_ROOT } from "../tools/stack-config";

const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
/** The README's bare-metal part: from its heading to the next top-level section. */
const bareMetal = readme.slice(
    readme.indexOf("## Bare metal"),
    readme.indexOf("\n## ", readme.indexOf("## Bare metal") + 1),
);

describe("bare-metal docs (README)", () => {
    it("read every speaker's log by the release's labels, not one pod's through ds/", () => {
        assert.ok(bareMetal.length > 1000, "the bare-metal section is there");
        assert.ok(!/logs\s+(ds|daemonset)\//.test(readme), "kubectl logs ds/... reads a single pod");
        const wanted = Object.entries(speakerPodLabels())
            .filter(([key]) => key !== "app.kubernetes.io/name")
            .map(([key, value]) => `${key}=${value}`)
            .sort();
        const commands = bareMetal.split("\n").filter((line) => /kubectl .*logs .*speaker/.test(line));
        assert.ok(commands.length > 0, "a command reads the speakers' logs");
        for (const command of commands) {
            const selector = /\s-l\s+(\S+)/.exec(command)?.[1] ?? "";
            assert.deepStrictEqual(selector.split(",").sort(), wanted, command);
            // With a selector kubectl prints only the last 10 lines of each pod unless told otherwise.
            assert.ok(command.includes("--tail=-1"), command);
        }
    });

    it("name the chart's objects after the release metallb", () => {
        assert.strictEqual(METALLB_RELEASE, "metallb");
        assert.ok(bareMetal.includes("`metallb-speaker`"));
        assert.ok(!readme.includes("baremetal-metallb-chart-speaker"));
    });

    it("say what kubeadm needs: the exclude-from-external-load-balancers label and a storage class", () => {
        assert.ok(bareMetal.includes("node.kubernetes.io/exclude-from-external-load-balancers"));
        assert.ok(bareMetal.includes("stateful-nginx:metallb.ignoreExcludeLB"));
        assert.match(bareMetal, /kubeadm has no StorageClass/);
    });
});
