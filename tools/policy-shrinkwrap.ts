/**
 * The policy pack's own lock file, cut from the root one. `pulumi policy publish` uploads what `npm pack` makes
 * of policy/ (pulumi 3.248.0, pkg/backend/httpstate/policypack.go `cloudPolicyPack.Publish` calls
 * sdk/nodejs/npm `Pack`, which runs `npm pack`), and npm never packs a package-lock.json but does pack an
 * npm-shrinkwrap.json (npm-packlist's forced exclusions; npm's docs, "npm-shrinkwrap.json: a publishable
 * lockfile"). Where the pack is enabled, the CLI unpacks it and installs its dependencies with npm
 * (`installRequiredPolicy`, same file, then the Node.js language host's `installShared` runs `npm install`),
 * which follows the shrinkwrap.
 *
 * policy/ is an npm workspace of the root, so its dependencies are locked in the root package-lock.json. The
 * shrinkwrap keeps exactly the packages the workspace reaches there, each at the place where Node finds it
 * from the workspace, with the same version, tarball and integrity: what the tests ran is what is published.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./stack-config";

/** One entry of a lock file's `packages` (lockfileVersion 2 and 3); only what this file reads is typed. */
export interface LockEntry {
    name?: string;
    version?: string;
    resolved?: string;
    integrity?: string;
    link?: boolean;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    dev?: boolean;
    optional?: boolean;
    devOptional?: boolean;
    peer?: boolean;
    [key: string]: unknown;
}

export interface Lockfile {
    name?: string;
    version?: string;
    lockfileVersion: number;
    requires?: boolean;
    packages: Record<string, LockEntry>;
}

/** The workspace folder that holds the pack, relative to the root. */
export const POLICY_WORKSPACE = "policy";
export const SHRINKWRAP_FILE = path.join(PROJECT_ROOT, POLICY_WORKSPACE, "npm-shrinkwrap.json");

/** The package folder of `location`'s parent package in the lock's tree: "" is the root. */
function parentFolder(location: string): string | undefined {
    if (location === "") return undefined;
    const index = location.lastIndexOf("/node_modules/");
    return index >= 0 ? location.slice(0, index) : "";
}

/**
 * Where Node's resolution finds `name` from the package at `location` in a lock's tree: `<dir>/node_modules/name`
 * for `location` and then each folder above it, as `require` walks up.
 */
export function resolveIn(packages: Record<string, LockEntry>, location: string, name: string): string | undefined {
    for (let folder: string | undefined = location; folder !== undefined; folder = parentFolder(folder)) {
        const candidate = `${folder === "" ? "" : `${folder}/`}node_modules/${name}`;
        if (packages[candidate]) return candidate;
    }
    return undefined;
}

interface Edge {
    readonly name: string;
    readonly optional: boolean;
}

/** What a package needs at run time: dependencies, optional ones, and peers (optional per peerDependenciesMeta). */
function edgesOf(entry: LockEntry): Edge[] {
    return [
        ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
        ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
        ...Object.keys(entry.peerDependencies ?? {}).map((name) => ({
            name,
            optional: entry.peerDependenciesMeta?.[name]?.optional === true,
        })),
    ];
}

/** The packages `start` reaches, each with whether only optional edges reach it. */
function reach(packages: Record<string, LockEntry>, start: string): Map<string, { optional: boolean }> {
    const reached = new Map<string, { optional: boolean }>();
    // Required edges first, so a package also reached through an optional edge stays required.
    for (const followOptional of [false, true]) {
        const queue = [start];
        const seen = new Set(queue);
        while (queue.length > 0) {
            const location = queue.shift()!;
            for (const edge of edgesOf(packages[location])) {
                if (edge.optional && !followOptional) continue;
                const target = resolveIn(packages, location, edge.name);
                if (target === undefined) {
                    if (edge.optional) continue;
                    throw new Error(
                        `package-lock.json: ${location || "the root"} needs ${edge.name}, which the lock file does ` +
                            "not hold where Node would find it: run npm install",
                    );
                }
                if (seen.has(target)) continue;
                seen.add(target);
                queue.push(target);
                if (!reached.has(target)) reached.set(target, { optional: followOptional });
            }
        }
    }
    return reached;
}

/** A root-lock location as seen from the workspace: its own node_modules becomes the top level. */
function relocate(location: string, workspace: string): string {
    const own = `${workspace}/node_modules/`;
    return location.startsWith(own) ? location.slice(workspace.length + 1) : location;
}

/** The flags npm computes relative to a lock's root; recomputed here relative to the workspace. */
const RELATIVE_FLAGS = ["dev", "optional", "devOptional", "peer"] as const;

/**
 * The npm-shrinkwrap.json of the workspace `workspace`, from the root lock `lock`.
 *
 * @throws Error in one line when the workspace is not in the lock, declares devDependencies (the pack's tests
 *   run from the root: they belong there), or needs a package the lock does not hold, or when its packages
 *   cannot be laid out from the workspace the way they resolve from it in the root tree.
 */
export function workspaceShrinkwrap(lock: Lockfile, workspace: string = POLICY_WORKSPACE): Lockfile {
    const packages = lock.packages;
    const own = packages[workspace];
    if (!own || own.link) throw new Error(`package-lock.json has no workspace ${workspace}: run npm install`);
    if (Object.keys(own.devDependencies ?? {}).length > 0) {
        throw new Error(
            `${workspace}/package.json: devDependencies are not published with the pack; the tests run from the ` +
                "root, so declare them in the root package.json",
        );
    }
    const reached = reach(packages, workspace);

    const layout = new Map<string, string>([[workspace, ""]]);
    const placed = new Map<string, string>();
    for (const location of reached.keys()) {
        const target = relocate(location, workspace);
        const other = placed.get(target);
        if (other !== undefined) {
            throw new Error(`${workspace}: ${other} and ${location} would both be ${target} in the shrinkwrap`);
        }
        placed.set(target, location);
        layout.set(location, target);
    }

    const shrinkwrapPackages: Record<string, LockEntry> = {};
    for (const [location, { optional }] of reached) {
        const entry: LockEntry = { ...packages[location] };
        for (const flag of RELATIVE_FLAGS) delete entry[flag];
        if (optional) entry.optional = true;
        shrinkwrapPackages[layout.get(location)!] = entry;
    }

    // Every edge must resolve, from the workspace's view, to the very package it resolves to in the root tree.
    for (const [location, target] of layout) {
        for (const edge of edgesOf(packages[location])) {
            const before = resolveIn(packages, location, edge.name);
            if (before === undefined) continue;
            const after = resolveIn(shrinkwrapPackages, target, edge.name);
            if (after !== layout.get(before)) {
                throw new Error(
                    `${workspace}: ${edge.name} from ${location || "the root"} resolves to ${before} in ` +
                        `package-lock.json but to ${after ?? "nothing"} in the shrinkwrap`,
                );
            }
        }
    }

    const root: LockEntry = { ...own };
    for (const flag of RELATIVE_FLAGS) delete root[flag];
    const sorted = Object.keys(shrinkwrapPackages).sort((a, b) => a.localeCompare(b, "en"));
    return {
        name: own.name,
        version: own.version,
        lockfileVersion: lock.lockfileVersion,
        requires: true,
        packages: { "": root, ...Object.fromEntries(sorted.map((key) => [key, shrinkwrapPackages[key]])) },
    };
}

/** The root package-lock.json. */
export function readRootLock(root: string = PROJECT_ROOT): Lockfile {
    return JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as Lockfile;
}

/** The shrinkwrap as npm writes lock files: two-space JSON and a final newline. */
export function shrinkwrapText(shrinkwrap: Lockfile): string {
    return `${JSON.stringify(shrinkwrap, null, 2)}\n`;
}
