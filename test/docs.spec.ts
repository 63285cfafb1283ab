import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/stack-config";
import { runStack } from "./helpers";

/** The pages a user reads: the README, CONTRIBUTING.md and every page under docs/. */
function pages(): string[] {
    const docs = fs
        .readdirSync(path.join(PROJECT_ROOT, "docs"))
        .filter((file) => file.endsWith(".md"))
        .map((file) => `docs/${file}`);
    return ["README.md", "CONTRIBUTING.md", ...docs];
}

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

/** The lines of a page outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: string; number: number }[] {
    let fenced = false;
    return text.split("\n").flatMap((line, index) => {
        if (/^\s*```/.test(line)) {
            fenced = !fenced;
            return [];
        }
        return fenced ? [] : [{ line, number: index + 1 }];
    });
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Every anchor a page offers, numbered as GitHub numbers repeated headings (`x`, `x-1`, ...). */
function anchorsOf(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const { line } of proseLines(text)) {
        const heading = /^#{1,6}\s+(.*)$/.exec(line)?.[1];
        if (heading === undefined) continue;
        const base = headingAnchor(heading);
        const count = seen.get(base) ?? 0;
        anchors.add(count === 0 ? base : `${base}-${count}`);
        seen.set(base, count + 1);
    }
    return anchors;
}

/** The relative links of a page (`[text](target)`), outside code: absolute URLs are not checked here. */
function relativeLinks(text: string): { target: string; number: number }[] {
    return proseLines(text).flatMap(({ line, number }) =>
        [...line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)]
            .map((match) => match[1])
            .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
            .map((target) => ({ target, number })),
    );
}

describe("docs (README.md, CONTRIBUTING.md, docs/)", () => {
    it("name GitHub's anchors the way GitHub makes them", () => {
        assert.strictEqual(headingAnchor("Staged rollouts: `app.partition`"), "staged-rollouts-apppartition");
        assert.strictEqual(headingAnchor("EKS: a new Kubernetes version"), "eks-a-new-kubernetes-version");
        assert.strictEqual(
            headingAnchor("kubeadm: control-plane nodes and storage"),
            "kubeadm-control-plane-nodes-and-storage",
        );
    });

    it("link only to files that exist, and to headings those files have", () => {
        const broken: string[] = [];
        for (const page of pages()) {
            for (const { target, number } of relativeLinks(read(page))) {
                const [file, anchor] = target.split("#", 2);
                const resolved =
                    file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
                if (!fs.existsSync(path.join(PROJECT_ROOT, resolved))) {
                    broken.push(`${page}:${number}: ${target} (no file ${resolved})`);
                } else if (anchor !== undefined && !anchorsOf(read(resolved)).has(anchor)) {
                    broken.push(`${page}:${number}: ${target} (no heading #${anchor} in ${resolved})`);
                }
            }
        }
        assert.deepStrictEqual(broken, []);
    });

    it("keep the README short: at most 250 lines, prose lines at most 120 characters", () => {
        const readme = read("README.md");
        assert.ok(readme.split("\n").length <= 251, `README.md has ${readme.split("\n").length} lines`);
        const long = proseLines(readme)
            .filter(({ line }) => !line.startsWith("|") && line.length > 120)
            .map(({ number, line }) => `README.md:${number}: ${line.length} characters`);
        assert.deepStrictEqual(long, []);
    });

    it("put the two set-up commands on the README's first screen", () => {
        const firstScreen = read("README.md").split("\n").slice(0, 40).join("\n");
        assert.match(firstScreen, /npm ci && npm run synth -- --stack dev/);
        assert.match(firstScreen, /npm ci && npm test/);
    });

    it("mark terminal output nobody captured, right above it", () => {
        const unmarked: string[] = [];
        for (const page of pages()) {
            const lines = read(page).split("\n");
            let fenced = false;
            lines.forEach((line, index) => {
                if (!/^\s*```/.test(line)) return;
                fenced = !fenced;
                // Output of a cluster run: a kubectl table, pulumi's outputs, the verification Job's log.
                const first = lines[index + 1] ?? "";
                if (!fenced || !/^(NAME\s|Outputs:|PASS |FAIL |Updating|Previewing)/.test(first)) return;
                // The paragraph right above the block: its first line, past the blank line between them.
                let end = index - 1;
                while (end >= 0 && lines[end].trim() === "") end--;
                let start = end;
                while (start > 0 && lines[start - 1].trim() !== "") start--;
                const above = lines[start];
                if (!/^(Example \(not captured|Captured from)/.test(above ?? "")) {
                    unmarked.push(`${page}:${index + 2}: ${first}`);
                }
            });
        }
        assert.deepStrictEqual(unmarked, []);
    });

    describe("the README's stack outputs table", function () {
        this.timeout(60000);

        /** The first cell of each row under "## Stack outputs". */
        function tableOutputs(): string[] {
            const readme = read("README.md");
            const start = readme.indexOf("## Stack outputs");
            const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
            return section
                .split("\n")
                .map((line) => /^\|\s*`([A-Za-z]+)`\s*\|/.exec(line)?.[1])
                .filter((name): name is string => name !== undefined);
        }

        it("lists every output each shipped stack exports, and no other", async () => {
            const dev = await runStack("dev");
            const prod = await runStack("prod");
            const exported = new Set([...Object.keys(dev.outputs), ...Object.keys(prod.outputs)]);
            assert.deepStrictEqual([...tableOutputs()].sort(), [...exported].sort());
        });

        it("says which outputs only one platform has", async () => {
            const dev = await runStack("dev");
            const prod = await runStack("prod");
            const readme = read("README.md");
            for (const name of tableOutputs()) {
                const platform = new RegExp(`^\\|\\s*\`${name}\`\\s*\\|\\s*([^|]+?)\\s*\\|`, "m").exec(readme)?.[1];
                const onDev = name in dev.outputs;
                const onProd = name in prod.outputs;
                const expected = onDev && onProd ? "both" : onDev ? "bare metal" : "EKS";
                // verificationJob is absent from prod only because prod turns the Job off.
                assert.strictEqual(platform, name === "verificationJob" ? "both" : expected, name);
            }
        });
    });
});
