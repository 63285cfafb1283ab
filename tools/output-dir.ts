/** Writing a tool's output files so that a failed run never leaves earlier ones looking current. */
import * as fs from "fs";
import * as path from "path";

/**
 * Creates `dir` and its missing parents, one level at a time. Node's own `mkdirSync(dir, {recursive: true})`
 * takes ENOENT to mean "the parent is missing", finds the parent there, and tries the child again, forever:
 * procfs answers ENOENT to creating any entry (`--out /proc/nope`), so that call spins at full CPU and never
 * returns (seen on Node 20.20). Here every error stops the walk.
 *
 * @throws Error in one line naming the directory and why it cannot be created.
 */
export function makeDirectory(dir: string): void {
    const missing: string[] = [];
    let current = path.resolve(dir);
    while (!fs.existsSync(current)) {
        missing.unshift(current);
        const parent = path.dirname(current);
        if (parent === current) break;
        current = parent;
    }
    if (fs.existsSync(current) && !fs.statSync(current).isDirectory()) {
        throw new Error(`cannot write to ${dir}: ${current} is not a directory`);
    }
    for (const level of missing) {
        try {
            fs.mkdirSync(level);
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? String(error);
            throw new Error(`cannot write to ${dir}: cannot create ${level} (${code})`);
        }
    }
}

/** Deletes the named files of `dir` if they are there, so nobody mistakes them for this run's. */
export function removeOutputs(dir: string, names: readonly string[]): void {
    for (const name of names) {
        try {
            fs.rmSync(path.join(dir, name), { force: true });
        } catch (error) {
            // Under a file there is nothing to remove; writing there fails later with its own message.
            if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") throw error;
        }
    }
}

/**
 * Writes every file into `dir` (created if missing): all are first written beside their final names, then
 * renamed over them, so a failure while writing leaves none of this run's files and no partial one.
 *
 * @throws Error in one line when `dir` cannot be created or written.
 */
export function writeOutputs(dir: string, files: Readonly<Record<string, string>>): void {
    makeDirectory(dir);
    const partials = Object.keys(files).map((name) => path.join(dir, `.${name}.${process.pid}.partial`));
    try {
        Object.values(files).forEach((text, index) => fs.writeFileSync(partials[index], text));
        Object.keys(files).forEach((name, index) => fs.renameSync(partials[index], path.join(dir, name)));
    } catch (error) {
        for (const partial of partials) fs.rmSync(partial, { force: true });
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new Error(`cannot write to ${dir} (${code})`);
    }
}
