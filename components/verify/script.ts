/**
 * The verification script: plain functions that turn what the program created (names, ports, addresses)
 * into the checks a person would run by hand from inside a pod, and into the POSIX shell script (run.sh) that
 * runs them with the library in checks.sh, using busybox's `wget` and `nslookup`.
 */
import * as fs from "fs";
import * as path from "path";
import { CLUSTER_DOMAIN, podDnsName, serviceDnsName } from "../dns";

/** Everything the checks need, as plain values (resolved Outputs). */
export interface VerificationPlan {
    /** Namespace of the workload and its Services. */
    readonly namespace: string;
    /** The StatefulSet's name: pods are `<name>-0`, `<name>-1`, ... */
    readonly statefulSetName: string;
    /** The headless Service that gives each pod its DNS name. */
    readonly headlessServiceName: string;
    /** How many pods answer. */
    readonly replicas: number;
    /** The port a pod listens on (pod DNS names reach the pod directly, not through a Service port). */
    readonly podPort: number;
    /** The ClusterIP Service, when the stack has one. */
    readonly clusterIP?: { readonly name: string; readonly port: number };
    /** The NodePort Service and its node port, when the stack has one. */
    readonly nodePort?: { readonly name: string; readonly nodePort: number };
    /**
     * The LoadBalancer Service and its address (an IP, or a hostname on AWS), when the stack has one.
     * An empty address means none was assigned, and the check is left out.
     */
    readonly loadBalancer?: { readonly name: string; readonly address: string; readonly port: number };
    /** ExternalName aliases: alias (a Service name) -> the host it is a CNAME for. */
    readonly externalNames?: Readonly<Record<string, string>>;
    /** @default CLUSTER_DOMAIN */
    readonly clusterDomain?: string;
}

export type CheckKind = "pod-dns" | "headless-dns" | "clusterip" | "nodeport" | "loadbalancer" | "externalname";

/** One check of the script. Its `name` is what the log prints after PASS or FAIL. */
export interface VerificationCheck {
    readonly kind: CheckKind;
    /** `<kind> <subject>`, e.g. `pod-dns nginx-1`. */
    readonly name: string;
    /** What the check proves, in one sentence. */
    readonly description: string;
    /** The shell words after `check <name>`: a check function of the script, then its arguments (unquoted). */
    readonly command: readonly string[];
}

/** The name of the environment variable that carries the node's address (downward API `status.hostIP`). */
export const NODE_IP_ENV = "NODE_IP";

/** Quotes one word for a POSIX shell: nothing inside is expanded. */
export function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Escapes a literal for `grep -E`. */
function ereLiteral(text: string): string {
    return text.replace(/[.[\]()*+?{}|^$\\]/g, "\\$&");
}

/** `host:port` for a URL: IPv6 addresses go in brackets. */
function hostPort(host: string, port: number): string {
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function requireName(value: string, what: string): void {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
        throw new Error(`verification: ${what} must be a DNS name, got ${JSON.stringify(value)}`);
    }
}

function requirePort(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new Error(`verification: ${what} must be a port number (1-65535), got ${value}`);
    }
}

/**
 * The checks for a plan, in the order the script runs them: every pod's own page, the headless name, then
 * each Service that exists. Throws on a plan that cannot be checked (a name or port that is not one).
 */
export function verificationChecks(plan: VerificationPlan): VerificationCheck[] {
    requireName(plan.namespace, "namespace");
    requireName(plan.statefulSetName, "statefulSetName");
    requireName(plan.headlessServiceName, "headlessServiceName");
    const clusterDomain = plan.clusterDomain ?? CLUSTER_DOMAIN;
    requireName(clusterDomain, "clusterDomain");
    requirePort(plan.podPort, "podPort");
    if (!Number.isInteger(plan.replicas) || plan.replicas < 0) {
        throw new Error(`verification: replicas must be a whole number, got ${plan.replicas}`);
    }

    const service = (name: string, absolute = false) =>
        serviceDnsName(name, plan.namespace, { clusterDomain, absolute });

    // Any pod's page: a Service in front of the set answers with one of them.
    const anyPod = `${ereLiteral(plan.statefulSetName)}-[0-9]+`;
    const checks: VerificationCheck[] = [];

    for (let ordinal = 0; ordinal < plan.replicas; ordinal++) {
        const pod = `${plan.statefulSetName}-${ordinal}`;
        const url = `http://${hostPort(podDnsName(plan.statefulSetName, ordinal, plan.headlessServiceName, plan.namespace, clusterDomain), plan.podPort)}/`;
        checks.push({
            kind: "pod-dns",
            name: `pod-dns ${pod}`,
            description: `${url} answers with the page of ${pod}`,
            command: ["serves", url, ereLiteral(pod)],
        });
    }

    const headless = service(plan.headlessServiceName, true);
    checks.push({
        kind: "headless-dns",
        name: `headless-dns ${plan.headlessServiceName}`,
        description: `${headless} resolves to ${plan.replicas} address(es), one per ready pod`,
        command: ["resolves_to_count", headless, String(plan.replicas)],
    });

    if (plan.clusterIP) {
        requireName(plan.clusterIP.name, "clusterIP.name");
        requirePort(plan.clusterIP.port, "clusterIP.port");
        const url = `http://${hostPort(service(plan.clusterIP.name), plan.clusterIP.port)}/`;
        checks.push({
            kind: "clusterip",
            name: `clusterip ${plan.clusterIP.name}`,
            description: `${url} answers with a pod's page`,
            command: ["serves", url, anyPod],
        });
    }

    if (plan.nodePort) {
        requireName(plan.nodePort.name, "nodePort.name");
        requirePort(plan.nodePort.nodePort, "nodePort.nodePort");
        checks.push({
            kind: "nodeport",
            name: `nodeport ${plan.nodePort.name}`,
            description: `the node's address ($${NODE_IP_ENV}) on port ${plan.nodePort.nodePort} answers with a pod's page`,
            command: ["node_serves", String(plan.nodePort.nodePort), anyPod],
        });
    }

    if (plan.loadBalancer && plan.loadBalancer.address !== "") {
        requireName(plan.loadBalancer.name, "loadBalancer.name");
        requirePort(plan.loadBalancer.port, "loadBalancer.port");
        if (!/^[0-9a-zA-Z.:-]+$/.test(plan.loadBalancer.address)) {
            throw new Error(
                `verification: loadBalancer.address must be an IP or a host name, got ${JSON.stringify(plan.loadBalancer.address)}`,
            );
        }
        const url = `http://${hostPort(plan.loadBalancer.address, plan.loadBalancer.port)}/`;
        checks.push({
            kind: "loadbalancer",
            name: `loadbalancer ${plan.loadBalancer.name}`,
            description: `${url} answers with a pod's page`,
            command: ["serves", url, anyPod],
        });
    }

    for (const [alias, host] of Object.entries(plan.externalNames ?? {})) {
        requireName(alias, `externalNames alias`);
        const target = host.replace(/\.$/, "").toLowerCase();
        checks.push({
            kind: "externalname",
            name: `externalname ${alias}`,
            description: `${service(alias)} is a CNAME for ${target}`,
            command: ["cname", service(alias, true), target],
        });
    }
    return checks;
}

/** The file names inside the mounted ConfigMap: the generated script and the library it sources. */
export const RUN_SCRIPT = "run.sh";
export const LIBRARY_SCRIPT = "checks.sh";

/**
 * The check functions (`check`, `serves`, `node_serves`, `resolves_to_count`, `cname`) and `finish`: a
 * shell file of their own beside this module, linted with shellcheck, that the Job mounts next to run.sh.
 */
export function verificationLibrary(): string {
    return fs.readFileSync(path.join(__dirname, LIBRARY_SCRIPT), "utf8");
}

/**
 * The generated run.sh: it sources the library from its own directory, runs one `check` line per check
 * (every value from the plan single-quoted, so no name can inject shell), and `finish` prints the summary
 * and exits 1 if any check failed.
 */
export function verificationScript(plan: VerificationPlan): string {
    const checks = verificationChecks(plan);
    const lines = [
        "#!/bin/sh",
        "# stateful-nginx in-cluster verification: every `check` line prints one PASS or FAIL line.",
        "set -u",
        `# shellcheck source=${LIBRARY_SCRIPT}`,
        `. "$(dirname "$0")/${LIBRARY_SCRIPT}"`,
        "",
        ...checks.map((c) =>
            ["check", shellQuote(c.name), c.command[0], ...c.command.slice(1).map(shellQuote)].join(" "),
        ),
        "",
        `finish ${checks.length}`,
        "",
    ];
    return lines.join("\n");
}
