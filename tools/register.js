// Loads TypeScript for synth, the policy runner, the benchmarks and mocha: sucrase transpiles (no type-check;
// `tsc` does that in `npm test`), keeping line numbers so stack traces need no source map, and each result is
// cached by content hash under node_modules/.cache, so an unchanged file is never transpiled twice.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { addHook } = require("pirates");
const { transform } = require("sucrase");

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "stateful-nginx-ts");
const SALT = `sucrase ${require("sucrase/package.json").version}`;

function transpile(code, filePath) {
    return transform(code, { transforms: ["imports", "typescript"], filePath }).code;
}

addHook(
    (code, filePath) => {
        const key = crypto.createHash("sha256").update(SALT).update(filePath).update(code).digest("hex");
        const cached = path.join(CACHE, `${key}.js`);
        try {
            return fs.readFileSync(cached, "utf8");
        } catch {
            const output = transpile(code, filePath);
            try {
                // Write then rename, so a parallel run never reads half a file.
                fs.mkdirSync(CACHE, { recursive: true });
                const partial = `${cached}.${process.pid}`;
                fs.writeFileSync(partial, output);
                fs.renameSync(partial, cached);
            } catch {
                // A read-only tree only loses the cache.
            }
            return output;
        }
    },
    { exts: [".ts"], ignoreNodeModules: true },
);
