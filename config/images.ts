import { z } from "zod";

/**
 * An image reference: `[registry[:port]/]path[:tag][@sha256:digest]`, the grammar of the distribution spec
 * without upper case.
 */
export const IMAGE_REFERENCE =
    /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * True for a tag that names one release: a full `MAJOR.MINOR.PATCH` version, with a `v` prefix or a variant
 * suffix (`1.29.3`, `1.29.3-alpine`, `v0.16.1`). Publishers move every other tag to new builds: `latest`,
 * `stable`, `mainline`, `alpine`, a bare major `1`, a major.minor `1.29`. (The policy pack's
 * `workload-image-pinned` applies the same rule to what reaches the cluster.)
 */
export function isReleaseTag(tag: string): boolean {
    return /^v?\d+\.\d+\.\d+/.test(tag);
}

const PINNED =
    "must be pinned to a release: a full version tag such as 1.29.3-alpine, or a digest (not latest, stable, 1.29)";

/** The tag of a well-formed reference; a registry port (`host:5000/app`) is not one. */
function tagOf(reference: string): string | undefined {
    const lastSegment = reference.split("@")[0].split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    return colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
}

/**
 * An image every pod of a set runs the same bits of: a digest, or a tag that names a release. A moving tag
 * would let a restarted pod pull something else than its siblings.
 */
export function pinnedImage(example: string) {
    return z
        .string()
        .regex(IMAGE_REFERENCE, `must be an image reference such as ${example}`)
        .refine((value) => {
            // A malformed reference has its own message above; only a well-formed one is checked for a pin.
            if (!IMAGE_REFERENCE.test(value) || /@sha256:[a-f0-9]{64}$/.test(value)) return true;
            const tag = tagOf(value);
            return tag !== undefined && isReleaseTag(tag);
        }, PINNED);
}

/** A tag on its own (Docker's rule) that names a release, as chart values take it. */
export const releaseTag = z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag such as v0.16.1")
    .refine(isReleaseTag, PINNED);
