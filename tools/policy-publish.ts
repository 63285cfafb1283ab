/**
 * Publishes the policy pack to Pulumi Cloud with its dependencies locked (docs/policies.md, "Publishing the
 * pack"): writes policy/npm-shrinkwrap.json from the root lock (tools/policy-shrinkwrap.ts), checks that
 * `npm pack` carries it, refuses a version the organization already has, runs `pulumi policy publish` in
 * policy/, and removes the shrinkwrap again. See USAGE.
 */
import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PACK_NAME } from "../policy/pack";
import { defineCommand, runCommand, usage } from "./cli";
import {
    POLICY_WORKSPACE,
    readRootLock,
    SHRINKWRAP_FILE,
    shrinkwrapText,
    workspaceShrinkwrap,
} from "./policy-shrinkwrap";
import { PROJECT_ROOT } from "./stack-config";

const PUBLISH_COMMAND = defineCommand({
    invocation: "npm run policy:publish --",
    summary: [
        "Publishes the policy pack (policy/) to Pulumi Cloud at the version in policy/package.json, with an",
        "npm-shrinkwrap.json cut from package-lock.json so that where the pack is enabled, npm installs the",
        "dependencies the tests ran with. A version the organization already has is refused: move it first",
        "(npm version patch --workspace policy --no-git-tag-version).",
    ].join("\n"),
    options: {
        org: {
            type: "string",
            value: "NAME",
            default: "your default organization",
            help: "the Pulumi Cloud organization",
        },
        "dry-run": { type: "boolean", help: "write the shrinkwrap and list what npm would pack; publish nothing" },
    },
});

export const USAGE = usage(PUBLISH_COMMAND);

const POLICY_DIR = path.join(PROJECT_ROOT, POLICY_WORKSPACE);

/** What `npm pack --dry-run --json` reports for one package. */
interface PackReport {
    name: string;
    version: string;
    files: { path: string }[];
}

/** Runs a command; its stdout, or an Error in one line naming it and its first line of stderr. */
function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
    const result = spawnSync(command, args, { encoding: "utf8", ...options });
    if (result.error) throw new Error(`${command} ${args[0]}: ${result.error.message}`);
    if (result.status !== 0) {
        const detail =
            String(result.stderr ?? "")
                .trim()
                .split("\n")[0] || `exit code ${result.status}`;
        throw new Error(`${command} ${args.join(" ")} failed: ${detail}`);
    }
    return String(result.stdout ?? "");
}

/** The files `npm pack` would put in the pack's tarball, as `pulumi policy publish` runs it. */
export function packedFiles(dir: string = POLICY_DIR): PackReport {
    const [report] = JSON.parse(run("npm", ["pack", "--dry-run", "--json", "--loglevel=error"], { cwd: dir })) as [
        PackReport,
    ];
    return report;
}

/**
 * Why the pack cannot be published as it is, or undefined: the tarball must carry the shrinkwrap and the
 * pack's PulumiPolicy.yaml, and the organization must not have this version yet (Pulumi Cloud keeps one pack
 * per version).
 */
export function publishProblem(report: PackReport, publishedVersions: readonly string[]): string | undefined {
    const files = new Set(report.files.map((file) => file.path));
    for (const required of ["npm-shrinkwrap.json", "PulumiPolicy.yaml", "package.json"]) {
        if (!files.has(required)) {
            return `npm pack leaves ${required} out of the pack: list it in "files" in ${POLICY_WORKSPACE}/package.json`;
        }
    }
    if (publishedVersions.includes(report.version)) {
        return (
            `${PACK_NAME} ${report.version} is already published: move the version first ` +
            `(npm version patch --workspace ${POLICY_WORKSPACE} --no-git-tag-version), commit, then publish`
        );
    }
    return undefined;
}

/** The versions of the pack the organization has, from `pulumi policy ls --json` (pulumi 3.248.0, policy_list.go). */
function publishedVersions(org: string | undefined): string[] {
    const listing = JSON.parse(run("pulumi", ["policy", "ls", ...(org ? [org] : []), "--json"])) as {
        name: string;
        versions: string[] | null;
    }[];
    return listing.find((pack) => pack.name === PACK_NAME)?.versions ?? [];
}

async function main(values: { org?: string; "dry-run"?: boolean }): Promise<void> {
    const shrinkwrap = workspaceShrinkwrap(readRootLock());
    // The root lock stays the only lock in the tree: the file goes again however the run ends.
    const remove = () => fs.rmSync(SHRINKWRAP_FILE, { force: true });
    const interrupted = () => {
        remove();
        process.exit(130);
    };
    process.once("SIGINT", interrupted);
    fs.writeFileSync(SHRINKWRAP_FILE, shrinkwrapText(shrinkwrap));
    try {
        const report = packedFiles();
        const locked = Object.keys(shrinkwrap.packages).length - 1;
        console.log(
            `${PACK_NAME} ${report.version}: ${report.files.length} files, ${locked} packages locked ` +
                `(${POLICY_WORKSPACE}/npm-shrinkwrap.json)`,
        );
        if (values["dry-run"]) {
            for (const file of report.files) console.log(`  ${file.path}`);
            const problem = publishProblem(report, []);
            if (problem) throw new Error(problem);
            return;
        }
        const problem = publishProblem(report, publishedVersions(values.org));
        if (problem) throw new Error(problem);
        const publish = spawnSync("pulumi", ["policy", "publish", ...(values.org ? [values.org] : [])], {
            cwd: POLICY_DIR,
            stdio: "inherit",
        });
        if (publish.error) throw new Error(`pulumi policy publish: ${publish.error.message}`);
        if (publish.status !== 0) throw new Error(`pulumi policy publish failed (exit code ${publish.status})`);
    } finally {
        process.removeListener("SIGINT", interrupted);
        remove();
    }
}

if (require.main === module) {
    runCommand("policy:publish", PUBLISH_COMMAND, main);
}
