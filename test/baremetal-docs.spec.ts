import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { METALLB_RELEASE } from "../components/baremetal";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../tools/stack-config";

/** Labels that select every speaker pod of the release (charts/metallb/templates/speaker.yaml, v0.16.1). */
function speakerPodLabels(): Record<string, string> {
    return {
        "app.kubernetes.io/name": "metallb",
        "app.kubernetes.io/instance": METALLB_RELEASE,
        "app.kubernetes.io/component": "speaker",
    };
}

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
const kindWalkthrough = read("docs/getting-started-kind.md");

/** The fenced code blocks of a Markdown page, with their language. */
function codeBlocks(page: string): { lang: string; text: string }[] {
    return [...page.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1], text: match[2] }));
}

interface BgpExample {
    peers?: { name: string; myASN: number; peerASN: number }[];
    advertisements?: { name: string; localPref?: number; peers?: string[] }[];
}

/** Advertisements of a BGP example that set localPref towards an eBGP peer (one whose ASN is not the cluster's). */
function localPrefOnEbgp(bgp: BgpExample): string[] {
    const peers = bgp.peers ?? [];
    return (bgp.advertisements ?? [])
        .filter((ad) => ad.localPref !== undefined)
        .filter((ad) =>
            peers
                .filter((peer) => ad.peers === undefined || ad.peers.includes(peer.name))
                .some((peer) => peer.myASN !== peer.peerASN),
        )
        .map((ad) => ad.name);
}

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

    it("say the chart is rendered, not a Helm release: helm list shows nothing and a helm install collides", () => {
        assert.match(bareMetal, /rendered, not\s+installed as a Helm release/);
        assert.match(bareMetal, /`helm list -A` shows nothing/);
        assert.match(bareMetal, /`helm install metallb` collides/);
    });

    it("print kind's IPv4 subnet, not whichever entry comes first", () => {
        const commands = allDocs.split("\n").filter((line) => line.includes("docker network inspect kind -f"));
        assert.ok(commands.length >= 2);
        for (const command of commands) assert.match(command, /\| grep -v :/, command);
        assert.ok(!read("Pulumi.dev.yaml").includes("IPAM.Config[0]"), "the first entry may be the IPv6 one");
    });

    it("start the kind walkthrough with the clone, wait for Ready nodes, and refresh after a new cluster", () => {
        const [first] = codeBlocks(kindWalkthrough);
        assert.match(first.text, /^git clone /m);
        assert.ok(kindWalkthrough.includes("kubectl wait --for=condition=Ready nodes --all"));
        const commands = codeBlocks(kindWalkthrough)
            .map((block) => block.text)
            .join("\n");
        const wait = commands.indexOf("kubectl wait --for=condition=Ready nodes --all");
        assert.ok(wait >= 0 && wait < commands.indexOf("pulumi up"), "nodes are Ready before the first pulumi up");
        assert.match(kindWalkthrough, /pulumi refresh/);
    });

    it("give localPref in no BGP example towards an eBGP peer (MetalLB sends it to iBGP peers only)", () => {
        const examples: BgpExample[] = codeBlocks(bareMetal)
            .filter((block) => block.lang === "yaml" && block.text.includes("peerASN"))
            .map((block) => parse(block.text)["stateful-nginx:metallb"].bgp);
        // Pulumi.dev.yaml's commented BGP variant.
        const dev = read("Pulumi.dev.yaml").split("\n");
        const start = dev.findIndex((line) => /^\s*# bgp:$/.test(line));
        const commented = dev.slice(start).filter((line, index) => index === 0 || /^\s*#\s{3,}/.test(line));
        const end = commented.findIndex((line, index) => index > 0 && !/^\s*#\s{3,}/.test(line));
        examples.push(
            parse(
                commented
                    .slice(0, end < 0 ? undefined : end)
                    .map((line) => line.replace(/^\s*# ?/, ""))
                    .join("\n"),
            ).bgp,
        );
        assert.ok(examples.length >= 2 && examples.every((bgp) => (bgp.peers ?? []).length > 0));
        for (const bgp of examples) assert.deepStrictEqual(localPrefOnEbgp(bgp), []);
        // The check itself: an eBGP peer with localPref is caught, an iBGP one is not.
        const peer = { name: "tor", myASN: 64500, peerASN: 64501 };
        assert.deepStrictEqual(localPrefOnEbgp({ peers: [peer], advertisements: [{ name: "a", localPref: 100 }] }), [
            "a",
        ]);
        assert.deepStrictEqual(
            localPrefOnEbgp({ peers: [{ ...peer, peerASN: 64500 }], advertisements: [{ name: "a", localPref: 100 }] }),
            [],
        );
    });
});
