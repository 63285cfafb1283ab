/** DNS names, as an ExternalName Service's `spec.externalName` must be one. */

/** A DNS-1123 subdomain: dot-separated labels of a-z, 0-9 and '-', at most 253 characters. */
export function isDnsName(name: string): boolean {
    const host = name.endsWith(".") ? name.slice(0, -1) : name;
    if (host.length === 0 || host.length > 253) return false;
    return host.split(".").every((label) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label));
}

/** Lower case, no trailing dot: how two names are compared. */
export function normalizeHost(name: string): string {
    return name.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * True when `host` is `suffix` or a name under it. A leading dot in the suffix is optional:
 * `.dev.example.com` and `dev.example.com` both allow `db.dev.example.com`.
 */
export function hostMatchesSuffix(host: string, suffix: string): boolean {
    const wanted = normalizeHost(suffix).replace(/^\./, "");
    const name = normalizeHost(host);
    return wanted.length > 0 && (name === wanted || name.endsWith(`.${wanted}`));
}
