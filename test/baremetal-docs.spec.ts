import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { METALLB_RELEASE, speakerPodLabels } from "../components/baremetal";
import { PROJECT_ROOT } from "../tools/stack-config";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
/** Every page a user reads: the README, CONTRIBUTING.md and docs/. */
const allDocs = [
    "README.md",
    "CONTRIBUTING.md",
    ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).map((f) => `docs/${f}`),
]
    .filter((file) => file.endsWith(".md"))
    .map(read)
    .join("\n");
/** The bare-metal page, and the troubleshooting page where MetalLB's logs are read. */
const bareMetal = read("docs/bare-metal.md");
const troubleshooting = read("docs/troubleshooting.md");

describe("bare-metal docs (docs/bare-metal.md, docs/troubleshooting.md)", () => {
    it("read every speaker's log by the release's labels, not one pod's through ds/", () => {
        assert.ok(bareMetal.length > 1000, "the bare-metal page is there");
        assert.ok(!/logs\s+(ds|daemonset)\//.test(allDocs), "kubectl logs ds/... reads a single pod");
        const wanted = Object.entries(speakerPodLabels())
            .filter(([key]) => key !== "app.kubernetes.io/name")
            .map(([key, value]) => `${key}=${value}`)
            .sort();
        const commands = `${bareMetal}\n${troubleshooting}`
            .split("\n")
            .filter((line) => /kubectl .*logs .*speaker/.test(line));
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
        assert.ok(!allDocs.includes("baremetal-metallb-chart-speaker"));
    });

    it("say what kubeadm needs: the exclude-from-external-load-balancers label and a storage class", () => {
        assert.ok(bareMetal.includes("node.kubernetes.io/exclude-from-external-load-balancers"));
        assert.ok(bareMetal.includes("stateful-nginx:metallb.ignoreExcludeLB"));
        assert.match(bareMetal, /kubeadm has no StorageClass/);
    });
});
