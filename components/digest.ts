import { createHash } from "crypto";

/**
 * The first `length` hex digits of the SHA-256 of `text`: what the program puts in a name or an annotation so
 * that a change of its source gives a new value (and the same source the same one). Each caller keeps its own
 * length: changing one would rename, or rerun, what is already deployed.
 */
export function shortDigest(text: string, length: number): string {
    if (!Number.isInteger(length) || length < 1 || length > 64) {
        throw new Error(`a short digest has 1 to 64 hex digits, got ${length}`);
    }
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}
