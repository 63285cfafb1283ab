import { shortDigest } from "../digest";

/**
 * The name of an object a stack creates outside its own namespace (MetalLB pools, advertisements, the webhook
 * check): the stack's name first, so two stacks on one cluster never write the same object. Stack names may
 * hold characters Kubernetes names may not (`_`, `.`, capitals); those become `-`. A name longer than a
 * DNS-1123 label keeps its start and ends in a digest of the whole.
 */
export function stackObjectName(stack: string, name: string): string {
    const prefix =
        stack
            .toLowerCase()
            .replace(/[^a-z0-9-]+/g, "-")
            .replace(/^-+|-+$/g, "") || "stack";
    const full = `${prefix}-${name}`;
    if (full.length <= 63) return full;
    const digest = shortDigest(full, 8);
    return `${full.slice(0, 54).replace(/-+$/, "")}-${digest}`;
}
