/**
 * Versions named in the project's own comments and docs match what package-lock.json installs: a comment that
 * says "@pulumi/kubernetes 4.30" after an upgrade to 4.34.2 would vouch for a behaviour nobody read again.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/stack-config";

/** The packages whose versions comments name, by every spelling the project uses for them. */
const PACKAGES = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/eks", "@pulumi/aws", "@pulumi/policy"] as const;
type Package = (typeof PACKAGES)[number];

/**
 * Mentions that may name another version, each with its reason. The local engine runs the Kubernetes provider
 * binary 4.25.0, the only provider module the Go proxy serves (engine/versions.md), and comments on behaviour read
 * in that provider's Go source say so.
 */
const ALLOWED: readonly { pkg: Package; version: string; file?: string; why: string }[] = [
    { pkg: "@pulumi/kubernetes", version: "4.25.0", why: "the provider binary the local engine builds" },
];

/** A version mention: `@pulumi/kubernetes 4.34.2`, `@pulumi/pulumi@3.248.0`, `pulumi-eks 4.3.0`, `pulumi v3.248.0`. */
const MENTION =
    /(?<![\w/.-])(@pulumi\/(?:pulumi|kubernetes|eks|aws|policy)|pulumi-(?:kubernetes|eks|aws|policy)|pulumi\/pulumi|pulumi)(?:@| v?)(\d+\.\d+(?:\.\d+)?)(?![\w.])/gi;

export interface VersionMention {
    readonly pkg: Package;
    readonly version: string;
    readonly line: number;
    readonly text: string;
}

/** Every version mention of the packages in `text`, with its line number (1-based). */
export function versionMentions(text: string): VersionMention[] {
    const mentions: VersionMention[] = [];
    text.split("\n").forEach((line, index) => {
        for (const match of line.matchAll(MENTION)) {
            const name = match[1].toLowerCase();
            const pkg = (
                name.startsWith("@pulumi/")
                    ? name
                    : name === "pulumi" || name === "pulumi/pulumi"
                      ? "@pulumi/pulumi"
                      : `@pulumi/${name.slice("pulumi-".length)}`
            ) as Package;
            mentions.push({ pkg, version: match[2], line: index + 1, text: match[0] });
        }
    });
    return mentions;
}

/** True when `mentioned` names `locked` (a `major.minor` mention names every patch of that minor). */
export function namesVersion(mentioned: string, locked: string): boolean {
    return locked === mentioned || locked.startsWith(`${mentioned}.`);
}

/** The version of each package in package-lock.json. */
function lockedVersions(): Record<Package, string> {
    const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version?: string }>;
    };
    return Object.fromEntries(
        PACKAGES.map((pkg) => {
            const version = lock.packages[`node_modules/${pkg}`]?.version;
            if (!version) throw new Error(`package-lock.json holds no ${pkg}`);
            return [pkg, version];
        }),
    ) as Record<Package, string>;
}

const SKIPPED_DIRS = new Set(["node_modules", ".git", "out", "coverage"]);
const SCANNED = /\.(ts|js|mjs|cjs|md|sh|go|ya?ml)$|^run$/;

/** The project's own source and doc files (not node_modules, not generated output), relative to the root. */
function projectFiles(dir = PROJECT_ROOT): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : projectFiles(full);
        return SCANNED.test(entry.name) ? [path.relative(PROJECT_ROOT, full)] : [];
    });
}

describe("versions named in comments and docs", () => {
    describe("the scan", () => {
        it("finds each spelling of a package and its version", () => {
            const text = [
                "// @pulumi/kubernetes 4.30.1 waits for Jobs",
                " * read in pulumi v3.1.0 and pulumi-eks 4.2; `@pulumi/policy@1.20.0`",
                "pulumi/pulumi 3.200.0, pulumi-aws v6.0.0",
            ].join("\n");
            assert.deepStrictEqual(
                versionMentions(text).map(({ pkg, version, line }) => `${line} ${pkg} ${version}`),
                [
                    "1 @pulumi/kubernetes 4.30.1",
                    "2 @pulumi/pulumi 3.1.0",
                    "2 @pulumi/eks 4.2",
                    "2 @pulumi/policy 1.20.0",
                    "3 @pulumi/pulumi 3.200.0",
                    "3 @pulumi/aws 6.0.0",
                ],
            );
        });

        it("leaves other projects' versions alone", () => {
            const text =
                "cloud-provider-aws v1.34.0, Kubernetes 1.34, the pulumi-kubernetes-operator 2.0.0, kubernetes 1.35";
            assert.deepStrictEqual(versionMentions(text), []);
        });

        it("reads a major.minor mention as every patch of that minor, and nothing else", () => {
            assert.ok(namesVersion("3.248", "3.248.0"));
            assert.ok(namesVersion("3.248.0", "3.248.0"));
            assert.ok(!namesVersion("3.24", "3.248.0"));
            assert.ok(!namesVersion("4.3", "4.34.2"));
        });
    });

    it("match package-lock.json in every source and doc file of the project", () => {
        const locked = lockedVersions();
        // This file's own examples name wrong versions on purpose.
        const files = projectFiles().filter((file) => file !== path.relative(PROJECT_ROOT, __filename));
        assert.ok(files.includes(path.join("components", "baremetal", "platform.ts")), "the scan reaches components/");
        assert.ok(files.includes(path.join("engine", "versions.md")), "the scan reaches engine/");
        const wrong: string[] = [];
        let seen = 0;
        for (const file of files) {
            for (const mention of versionMentions(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"))) {
                seen++;
                if (namesVersion(mention.version, locked[mention.pkg])) continue;
                const allowed = ALLOWED.some(
                    (entry) =>
                        entry.pkg === mention.pkg &&
                        entry.version === mention.version &&
                        (entry.file === undefined || entry.file === file),
                );
                if (!allowed) {
                    wrong.push(
                        `${file}:${mention.line}: "${mention.text}", but package-lock.json has ${locked[mention.pkg]}`,
                    );
                }
            }
        }
        assert.ok(seen > 20, `the comments name versions (${seen} mentions found)`);
        assert.deepStrictEqual(wrong, []);
    });
});
