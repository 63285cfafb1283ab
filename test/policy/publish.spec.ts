import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packedFiles, publishProblem } from "../../tools/policy-publish";
import {
    LockEntry,
    Lockfile,
    readRootLock,
    resolveIn,
    shrinkwrapText,
    workspaceShrinkwrap,
} from "../../tools/policy-shrinkwrap";
import { PROJECT_ROOT } from "../../tools/stack-config";

const rootLock = readRootLock();
const policyPackage = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policy", "package.json"), "utf8")) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
};

/** A lock file of a root with the workspace `policy`, from `location -> entry` rows. */
function lockOf(packages: Record<string, LockEntry>): Lockfile {
    return {
        name: "root",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: {
            "": { name: "root", version: "1.0.0", workspaces: ["policy"] },
            "node_modules/policy-pack": { resolved: "policy", link: true },
            ...packages,
        },
    };
}

const pkg = (version: string, dependencies?: Record<string, string>): LockEntry => ({
    version,
    resolved: `https://registry.npmjs.org/x/-/x-${version}.tgz`,
    integrity: `sha512-${version}`,
    ...(dependencies ? { dependencies } : {}),
});

describe("publishing the policy pack", function () {
    this.timeout(30000);

    describe("the shrinkwrap cut from package-lock.json", () => {
        const shrinkwrap = workspaceShrinkwrap(rootLock);

        it("is the pack's package: its name, version and dependencies", () => {
            assert.equal(shrinkwrap.name, policyPackage.name);
            assert.equal(shrinkwrap.version, policyPackage.version);
            assert.deepEqual(shrinkwrap.packages[""].dependencies, policyPackage.dependencies);
        });

        it("locks each package at the version, tarball and integrity the tests ran with", () => {
            const locked = Object.entries(shrinkwrap.packages).filter(([location]) => location !== "");
            assert.ok(locked.length > 100, `${locked.length} packages`);
            for (const [location, entry] of locked) {
                // This lock has no copy inside policy/node_modules: every location is the root lock's own.
                const original = rootLock.packages[location];
                assert.ok(original, `${location} is not in package-lock.json`);
                for (const field of ["version", "resolved", "integrity"] as const) {
                    assert.equal(entry[field], original[field], `${location} ${field}`);
                }
                assert.equal(entry.dev, undefined, `${location} is flagged dev`);
            }
            for (const [name, version] of Object.entries(policyPackage.dependencies)) {
                assert.equal(shrinkwrap.packages[`node_modules/${name}`]?.version, version, name);
            }
        });

        it("holds nothing only the program or the tests need", () => {
            for (const name of ["@pulumi/aws", "@pulumi/kubernetes", "mocha", "eslint", "zod"]) {
                assert.equal(shrinkwrap.packages[`node_modules/${name}`], undefined, name);
            }
        });

        it("is what npm itself makes of the pack's package.json and that tree (npm leaves it as it is)", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-shrinkwrap-"));
            try {
                fs.copyFileSync(path.join(PROJECT_ROOT, "policy", "package.json"), path.join(dir, "package.json"));
                fs.writeFileSync(path.join(dir, "npm-shrinkwrap.json"), shrinkwrapText(shrinkwrap));
                // Offline: a package missing from the tree would make npm ask the registry, and fail.
                const npm = spawnSync(
                    "npm",
                    ["install", "--package-lock-only", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"],
                    { cwd: dir, encoding: "utf8" },
                );
                assert.equal(npm.status, 0, npm.stderr);
                const after = JSON.parse(fs.readFileSync(path.join(dir, "npm-shrinkwrap.json"), "utf8")) as Lockfile;
                assert.deepEqual(after, shrinkwrap);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("is packed by npm pack, which pulumi policy publish runs, where a package-lock.json is not", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
            try {
                fs.cpSync(path.join(PROJECT_ROOT, "policy"), dir, {
                    recursive: true,
                    filter: (source) => !source.includes("node_modules"),
                });
                fs.writeFileSync(path.join(dir, "npm-shrinkwrap.json"), shrinkwrapText(shrinkwrap));
                fs.writeFileSync(path.join(dir, "package-lock.json"), shrinkwrapText(shrinkwrap));
                const report = packedFiles(dir);
                const files = report.files.map((file) => file.path);
                assert.ok(files.includes("npm-shrinkwrap.json"));
                assert.ok(!files.includes("package-lock.json"));
                assert.ok(files.includes("index.ts") && files.includes("PulumiPolicy.yaml"));
                assert.equal(report.version, policyPackage.version);
                assert.equal(publishProblem(report, []), undefined);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("cutting a workspace's shrinkwrap", () => {
        it("finds a package as Node does: the nearest node_modules up the tree", () => {
            const packages = lockOf({
                "node_modules/a": pkg("1.0.0"),
                "node_modules/b": pkg("1.0.0"),
                "node_modules/b/node_modules/a": pkg("2.0.0"),
                "node_modules/@scope/c": pkg("1.0.0"),
                "node_modules/@scope/c/node_modules/d": pkg("1.0.0"),
            }).packages;
            assert.equal(resolveIn(packages, "node_modules/b", "a"), "node_modules/b/node_modules/a");
            assert.equal(resolveIn(packages, "node_modules/@scope/c/node_modules/d", "a"), "node_modules/a");
            assert.equal(
                resolveIn(packages, "node_modules/@scope/c/node_modules/d", "d"),
                "node_modules/@scope/c/node_modules/d",
            );
            assert.equal(resolveIn(packages, "policy", "@scope/c"), "node_modules/@scope/c");
            assert.equal(resolveIn(packages, "node_modules/a", "d"), undefined);
        });

        it("lifts the workspace's own node_modules to the top and keeps nested copies nested", () => {
            const shrinkwrap = workspaceShrinkwrap(
                lockOf({
                    policy: { name: "policy-pack", version: "1.2.3", dependencies: { a: "^2", b: "^1" } },
                    "policy/node_modules/a": pkg("2.0.0"),
                    "node_modules/a": pkg("1.0.0"),
                    "node_modules/b": pkg("1.0.0", { c: "^1" }),
                    "node_modules/b/node_modules/c": pkg("1.5.0"),
                    "node_modules/unrelated": pkg("9.0.0"),
                }),
            );
            assert.deepEqual(Object.keys(shrinkwrap.packages), [
                "",
                "node_modules/a",
                "node_modules/b",
                "node_modules/b/node_modules/c",
            ]);
            assert.equal(shrinkwrap.packages["node_modules/a"].version, "2.0.0");
            assert.equal(shrinkwrap.packages[""].version, "1.2.3");
        });

        it("recomputes npm's flags from the workspace: dev at the root is not dev here, optional-only is optional", () => {
            const shrinkwrap = workspaceShrinkwrap(
                lockOf({
                    policy: { name: "policy-pack", version: "1.0.0", dependencies: { a: "^1" } },
                    "node_modules/a": { ...pkg("1.0.0", { b: "^1" }), optionalDependencies: { c: "^1", gone: "^1" } },
                    "node_modules/b": { ...pkg("1.0.0"), dev: true },
                    "node_modules/c": { ...pkg("1.0.0", { b: "^1" }), peer: true },
                }),
            );
            assert.equal(shrinkwrap.packages["node_modules/b"].dev, undefined);
            assert.equal(shrinkwrap.packages["node_modules/b"].optional, undefined);
            assert.equal(shrinkwrap.packages["node_modules/c"].optional, true);
            assert.equal(shrinkwrap.packages["node_modules/c"].peer, undefined);
        });

        it("refuses a layout in which a package would find another copy than it does in the root tree", () => {
            // b sits at the top and takes the root's a@1; from the workspace, the top a is the workspace's a@2.
            const lock = lockOf({
                policy: { name: "policy-pack", version: "1.0.0", dependencies: { a: "^2", b: "^1" } },
                "policy/node_modules/a": pkg("2.0.0"),
                "node_modules/a": pkg("1.0.0"),
                "node_modules/b": pkg("1.0.0", { a: "^1" }),
            });
            assert.throws(
                () => workspaceShrinkwrap(lock),
                /^Error: policy: policy\/node_modules\/a and node_modules\/a would both be node_modules\/a in the shrinkwrap$/,
            );
        });

        it("names what is wrong with the workspace in one line", () => {
            assert.throws(
                () => workspaceShrinkwrap(lockOf({})),
                /^Error: package-lock.json has no workspace policy: run npm install$/,
            );
            assert.throws(
                () => workspaceShrinkwrap(lockOf({ policy: { version: "1.0.0", devDependencies: { mocha: "^11" } } })),
                /^Error: policy\/package.json: devDependencies are not published with the pack/,
            );
            assert.throws(
                () => workspaceShrinkwrap(lockOf({ policy: { version: "1.0.0", dependencies: { missing: "^1" } } })),
                /^Error: package-lock.json: policy needs missing, which the lock file does not hold where Node would find it: run npm install$/,
            );
        });
    });

    describe("before publishing", () => {
        const report = (files: string[], version = "0.2.0") => ({
            name: "stateful-nginx-policy",
            version,
            files: files.map((file) => ({ path: file })),
        });
        const complete = ["PulumiPolicy.yaml", "index.ts", "npm-shrinkwrap.json", "package.json"];

        it("refuses a version the organization already has, and says how to move it", () => {
            assert.equal(
                publishProblem(report(complete, "0.2.0"), ["0.1.0", "0.2.0"]),
                "stateful-nginx 0.2.0 is already published: move the version first " +
                    "(npm version patch --workspace policy --no-git-tag-version), commit, then publish",
            );
            assert.equal(publishProblem(report(complete, "0.2.1"), ["0.1.0", "0.2.0"]), undefined);
        });

        it("refuses a pack that npm would pack without its shrinkwrap", () => {
            assert.match(
                publishProblem(report(["PulumiPolicy.yaml", "index.ts", "package.json"]), []) ?? "",
                /^npm pack leaves npm-shrinkwrap.json out of the pack: list it in "files" in policy\/package.json$/,
            );
        });
    });
});
