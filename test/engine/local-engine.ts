/**
 * The real engine on the local cluster, for specs: the binaries engine/build.sh made, a cluster started with
 * engine/cluster.sh in a folder of its own, a copy of the project that holds the test's stack files, and
 * the `pulumi` and `kubectl` commands run against them.
 */
import { execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_ROOT } from "../../tools/stack-config";

const run = promisify(execFile);
const ENGINE = path.join(PROJECT_ROOT, "engine");

/** The engine's bin folder, or why there is none (then the suite is skipped with that reason). */
export function builtEngine(): { bin: string } | { missing: string } {
    try {
        const bin = execFileSync(path.join(ENGINE, "build.sh"), ["--print"], { encoding: "utf8" }).trim();
        return { bin };
    } catch {
        return { missing: "the local engine is not built here (engine/build.sh builds it; .ci/run does)" };
    }
}

/** `export NAME="value"` lines as printed by engine/cluster.sh, with `$PATH` taken from this process. */
export function parseExports(text: string, basePath = process.env.PATH ?? ""): Record<string, string> {
    const env: Record<string, string> = {};
    for (const match of text.matchAll(/^export ([A-Z_]+)="?(.*?)"?$/gm)) {
        env[match[1]] = match[2].replace("$PATH", basePath);
    }
    return env;
}

export interface CommandResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** One engine event of `pulumi up --json` / `pulumi destroy --json` (one JSON object per line). */
export interface EngineEvent {
    readonly summaryEvent?: { result: string; resourceChanges: Record<string, number> };
    readonly diagnosticEvent?: { message: string; severity: string };
    readonly resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
    readonly policyEvent?: { policyName: string; enforcementLevel: string; message: string; resourceUrn?: string };
}

export function engineEvents(stdout: string): EngineEvent[] {
    return stdout
        .split("\n")
        .filter((line) => line.startsWith('{"sequence"'))
        .map((line) => JSON.parse(line) as EngineEvent);
}

/** The operation of every resource step of an update, by URN, from its events (`same` steps included). */
export function stepsByUrn(events: EngineEvent[]): Map<string, string> {
    const steps = new Map<string, string>();
    for (const event of events) {
        const meta = event.resourcePreEvent?.metadata;
        if (meta) steps.set(meta.urn, meta.op);
    }
    return steps;
}

export class LocalCluster {
    readonly dir: string;
    readonly project: string;
    env: Record<string, string> = {};

    constructor(
        readonly root: string,
        readonly apiPort: number,
    ) {
        this.dir = path.join(root, "cluster");
        this.project = path.join(root, "project");
    }

    private get clusterEnv(): NodeJS.ProcessEnv {
        return {
            ...process.env,
            STATEFUL_NGINX_CLUSTER_DIR: this.dir,
            STATEFUL_NGINX_APISERVER_PORT: String(this.apiPort),
        };
    }

    async start(): Promise<void> {
        const { stdout } = await run(path.join(ENGINE, "cluster.sh"), ["start"], {
            env: this.clusterEnv,
            maxBuffer: 16 << 20,
        });
        this.env = { ...parseExports(stdout), PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
        this.copyProject();
    }

    stop(remove: boolean): void {
        execFileSync(path.join(ENGINE, "cluster.sh"), [remove ? "delete" : "stop"], {
            env: this.clusterEnv,
            stdio: "ignore",
        });
    }

    /**
     * The program as the user has it, with its own stack files: everything is a link to the clone but
     * Pulumi.yaml, so `pulumi stack init` writes nothing into the clone.
     */
    private copyProject(): void {
        fs.mkdirSync(this.project, { recursive: true });
        for (const entry of [
            "index.ts",
            "components",
            "config",
            "tools",
            "tsconfig.json",
            "package.json",
            "node_modules",
        ]) {
            fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(this.project, entry));
        }
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(this.project, "Pulumi.yaml"));
    }

    stackFile(stack: string): string {
        return path.join(this.project, `Pulumi.${stack}.yaml`);
    }

    /** Runs the real `pulumi` in the project copy; never throws for a non-zero exit. */
    pulumi(...args: string[]): Promise<CommandResult> {
        return this.pulumiWithEnv({}, ...args);
    }

    /** `pulumi` with more environment variables, which the engine passes on to its plugins. */
    async pulumiWithEnv(extra: Record<string, string>, ...args: string[]): Promise<CommandResult> {
        try {
            const { stdout, stderr } = await run("pulumi", args, {
                cwd: this.project,
                env: { ...process.env, ...this.env, ...extra },
                maxBuffer: 256 << 20,
            });
            return { code: 0, stdout, stderr };
        } catch (error) {
            const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
            return { code: typeof code === "number" ? code : 1, stdout: stdout ?? "", stderr: stderr ?? String(error) };
        }
    }

    kubectl(...args: string[]): string {
        return execFileSync("kubectl", args, {
            env: { ...process.env, ...this.env },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    }

    /**
     * Watches the Ready pods that match `selector` in `namespace` until the returned function is called, which
     * gives the fewest that were Ready at any moment in between (every pod event counts: a pod being deleted
     * is no longer counted).
     */
    async watchReadyPods(namespace: string, selector: string): Promise<() => Promise<number>> {
        const template =
            '{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\\n"}';
        const watch = spawn(
            "kubectl",
            ["get", "pods", "-n", namespace, "-l", selector, "--watch", "-o", `jsonpath=${template}`],
            { env: { ...process.env, ...this.env }, stdio: ["ignore", "pipe", "ignore"] },
        );
        const ready = new Map<string, boolean>();
        const readyNow = () => [...ready.values()].filter(Boolean).length;
        let fewest = Infinity;
        let seenFirst: () => void;
        const first = new Promise<void>((resolve) => (seenFirst = resolve));
        let buffered = "";
        watch.stdout.on("data", (chunk: Buffer) => {
            buffered += chunk.toString();
            const lines = buffered.split("\n");
            buffered = lines.pop() ?? "";
            for (const line of lines) {
                const [name, status, deleting] = line.split(" ");
                if (!name) continue;
                ready.set(name, status === "True" && !deleting);
                fewest = Math.min(fewest, readyNow());
                seenFirst();
            }
        });
        // The watch lists the current pods first; wait for that before the change under watch begins.
        await first;
        await new Promise((resolve) => setTimeout(resolve, 500));
        fewest = readyNow();
        return async () => {
            watch.kill();
            return fewest;
        };
    }

    json<T = KubeObject>(...args: string[]): T {
        return JSON.parse(this.kubectl(...args, "-o", "json")) as T;
    }
}

/** The fields of Kubernetes objects the specs read. */
export interface KubeObject {
    readonly metadata: {
        readonly name: string;
        readonly uid: string;
        readonly managedFields?: { readonly manager: string; readonly operation: string }[];
    };
    readonly spec?: {
        readonly volumeName?: string;
        readonly podManagementPolicy?: string;
        readonly containers?: { readonly image?: string }[];
        readonly ports?: { readonly nodePort?: number }[];
        readonly resources?: { readonly requests?: { readonly storage?: string } };
    };
    readonly status?: {
        readonly phase?: string;
        readonly conditions?: { readonly type: string; readonly status: string }[];
        readonly loadBalancer?: { readonly ingress?: { readonly ip?: string; readonly ipMode?: string }[] };
    };
}

export interface KubeList {
    readonly items: KubeObject[];
}

/** A failed command, told in a few lines a person can act on. */
export function describeFailure(what: string, result: CommandResult): string {
    const diagnostics = engineEvents(result.stdout)
        .map((event) => event.diagnosticEvent)
        .filter((d) => d && d.severity === "error")
        .map((d) => d!.message.trim());
    const tail = (text: string) => text.trim().split("\n").slice(-15).join("\n");
    return [`${what} exited ${result.code}`, ...diagnostics, tail(result.stderr)].filter(Boolean).join("\n");
}

/** One resource as the probe pack (test/engine/probe-pack) recorded it: URN and plain properties. */
export interface ProbedResource {
    readonly urn: string;
    readonly props: Record<string, unknown>;
}

/** What the engine handed the probe pack in one preview: Analyze's resources, and AnalyzeStack's. */
export function readProbe(file: string): { analyze: ProbedResource[]; stack: ProbedResource[] } {
    const calls = fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { call: string; urn?: string; props?: object; resources?: object[] });
    const stackCall = calls.find((call) => call.call === "AnalyzeStack");
    if (!stackCall) throw new Error(`${file}: the engine never called AnalyzeStack`);
    return {
        analyze: calls
            .filter((call) => call.call === "Analyze")
            .map((call) => ({ urn: call.urn!, props: call.props as Record<string, unknown> })),
        stack: stackCall.resources as ProbedResource[],
    };
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * A model's wire value as the policy SDK hands it to a policy (what the probe records): the UNKNOWN
 * sentinel reads as "<unknown>", a secret as its value.
 */
export function asPolicySees(value: unknown, unknown: string): unknown {
    if (value === unknown) return "<unknown>";
    if (Array.isArray(value)) return value.map((item) => asPolicySees(item, unknown));
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (SECRET_SIG in record) return asPolicySees(record.value, unknown);
        return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, asPolicySees(inner, unknown)]));
    }
    return value;
}

/** One property where the model and the engine disagree: its path (`.spec.ports`) and both values. */
export interface PropertyDifference {
    readonly path: string;
    readonly model: unknown;
    readonly real: unknown;
}

/** Every leaf (or whole array) where `model` and `real` differ; absent and undefined are the same. */
export function propertyDifferences(model: unknown, real: unknown, at = ""): PropertyDifference[] {
    if (JSON.stringify(model) === JSON.stringify(real)) return [];
    const isMap = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
    if (isMap(model) && isMap(real)) {
        const m = model as Record<string, unknown>;
        const r = real as Record<string, unknown>;
        return [...new Set([...Object.keys(m), ...Object.keys(r)])]
            .sort()
            .flatMap((key) => propertyDifferences(m[key], r[key], `${at}.${key}`));
    }
    return [{ path: at, model, real }];
}
