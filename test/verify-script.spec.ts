import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    LIBRARY_SCRIPT,
    RUN_SCRIPT,
    shellQuote,
    VerificationPlan,
    verificationChecks,
    verificationLibrary,
    verificationScript,
} from "../components/verify";
import { parseVerificationLog } from "./e2e/cluster";

const plan: VerificationPlan = {
    namespace: "stateful-nginx",
    statefulSetName: "nginx",
    headlessServiceName: "nginx",
    replicas: 3,
    podPort: 8080,
    clusterIP: { name: "nginx-clusterip", port: 80 },
    nodePort: { name: "nginx-nodeport", nodePort: 30080 },
    loadBalancer: { name: "nginx-lb", address: "172.18.255.200", port: 80 },
    externalNames: { database: "db.dev.example.com", payments: "Sandbox.Payments.example.com." },
};

const names = (p: VerificationPlan) => verificationChecks(p).map((check) => check.name);

describe("verification checks", () => {
    it("checks every pod's own page by its stable DNS name, one check per replica", () => {
        const pods = verificationChecks(plan).filter((check) => check.kind === "pod-dns");
        assert.deepStrictEqual(
            pods.map((check) => check.name),
            ["pod-dns nginx-0", "pod-dns nginx-1", "pod-dns nginx-2"],
        );
        assert.deepStrictEqual(pods[1].command, [
            "serves",
            "http://nginx-1.nginx.stateful-nginx.svc.cluster.local:8080/",
            "nginx-1",
        ]);
        assert.strictEqual(
            verificationChecks({ ...plan, replicas: 5 }).filter((check) => check.kind === "pod-dns").length,
            5,
        );
    });

    it("expects the headless name to resolve to one address per replica", () => {
        const headless = verificationChecks({ ...plan, replicas: 2 }).find((check) => check.kind === "headless-dns");
        assert.deepStrictEqual(headless?.command, [
            "resolves_to_count",
            "nginx.stateful-nginx.svc.cluster.local.",
            "2",
        ]);
    });

    it("checks the ClusterIP Service by its DNS name and Service port", () => {
        const check = verificationChecks(plan).find((c) => c.kind === "clusterip");
        assert.strictEqual(check?.name, "clusterip nginx-clusterip");
        assert.strictEqual(check?.command[1], "http://nginx-clusterip.stateful-nginx.svc.cluster.local:80/");
    });

    it("checks the NodePort on the node's address, and the LoadBalancer on its address", () => {
        const checks = verificationChecks(plan);
        assert.deepStrictEqual(checks.find((c) => c.kind === "nodeport")?.command, [
            "node_serves",
            "30080",
            "nginx-[0-9]+",
        ]);
        assert.strictEqual(checks.find((c) => c.kind === "loadbalancer")?.command[1], "http://172.18.255.200:80/");
        const ipv6 = verificationChecks({ ...plan, loadBalancer: { name: "nginx-lb", address: "fd00::10", port: 80 } });
        assert.strictEqual(ipv6.find((c) => c.kind === "loadbalancer")?.command[1], "http://[fd00::10]:80/");
    });

    it("leaves out the NodePort and LoadBalancer checks when there is none, or no address yet", () => {
        const { nodePort: _n, loadBalancer: _l, clusterIP: _c, ...bare } = plan;
        assert.deepStrictEqual(
            names(bare).filter((name) => /^(clusterip|nodeport|loadbalancer) /.test(name)),
            [],
        );
        assert.ok(
            !names({ ...plan, loadBalancer: { name: "nginx-lb", address: "", port: 80 } }).includes(
                "loadbalancer nginx-lb",
            ),
        );
        assert.ok(names(plan).includes("loadbalancer nginx-lb"));
    });

    it("checks each ExternalName alias against its host, without a trailing dot and in lower case", () => {
        const checks = verificationChecks(plan).filter((check) => check.kind === "externalname");
        assert.deepStrictEqual(
            checks.map((check) => check.command),
            [
                ["cname", "database.stateful-nginx.svc.cluster.local.", "db.dev.example.com"],
                ["cname", "payments.stateful-nginx.svc.cluster.local.", "sandbox.payments.example.com"],
            ],
        );
        assert.deepStrictEqual(
            verificationChecks({ ...plan, externalNames: {} }).filter((check) => check.kind === "externalname"),
            [],
        );
    });

    it("uses the cluster domain it is given", () => {
        const checks = verificationChecks({ ...plan, clusterDomain: "k8s.internal" });
        const subject = (kind: string) => checks.find((check) => check.kind === kind)?.command[1];
        assert.strictEqual(subject("pod-dns"), "http://nginx-0.nginx.stateful-nginx.svc.k8s.internal:8080/");
        assert.strictEqual(subject("headless-dns"), "nginx.stateful-nginx.svc.k8s.internal.");
    });

    it("refuses names and ports that cannot be checked", () => {
        assert.throws(() => verificationChecks({ ...plan, namespace: "Bad Name" }), /namespace must be a DNS name/);
        assert.throws(() => verificationChecks({ ...plan, podPort: 0 }), /podPort must be a port number/);
        assert.throws(
            () =>
                verificationChecks({
                    ...plan,
                    loadBalancer: { name: "nginx-lb", address: "1.2.3.4; reboot", port: 80 },
                }),
            /loadBalancer.address/,
        );
    });
});

describe("verification script text", () => {
    const script = verificationScript(plan);

    it("runs every check, each value single-quoted", () => {
        for (const check of verificationChecks(plan)) {
            const line = ["check", shellQuote(check.name), check.command[0], ...check.command.slice(1).map(shellQuote)];
            assert.ok(script.includes(line.join(" ")), `missing: ${line.join(" ")}`);
        }
        assert.match(script, /^finish 9$/m);
    });

    it("quotes any word so that the shell expands nothing in it", () => {
        assert.strictEqual(shellQuote("a'b"), `'a'\\''b'`);
        const hostile = `$(touch /tmp/x) \`id\` 'quoted' "double" ; | & *`;
        const result = spawnSync("/bin/sh", ["-c", `printf '%s' ${shellQuote(hostile)}`], { encoding: "utf8" });
        assert.strictEqual(result.stdout, hostile);
    });

    it("is valid POSIX shell, and so is the library it sources", () => {
        for (const text of [script, verificationLibrary()]) {
            const result = spawnSync("/bin/sh", ["-n"], { input: text, encoding: "utf8" });
            assert.strictEqual(result.status, 0, result.stderr);
        }
    });

    it("passes shellcheck together with the library (a finding fails it)", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-lint-"));
        try {
            fs.writeFileSync(path.join(dir, RUN_SCRIPT), script);
            fs.writeFileSync(path.join(dir, LIBRARY_SCRIPT), verificationLibrary());
            const lint = (file: string) =>
                spawnSync("shellcheck", ["--shell=sh", "--external-sources", file], { cwd: dir, encoding: "utf8" });
            const clean = lint(RUN_SCRIPT);
            if (clean.error) this.skip(); // no shellcheck here; `npm run lint` requires it and fails instead
            assert.strictEqual(clean.status, 0, clean.stdout);
            // The same check on a line with an unquoted expansion: shellcheck must report it.
            fs.writeFileSync(path.join(dir, "bad.sh"), `${script}started=$(date)\necho $started\n`);
            assert.notStrictEqual(lint("bad.sh").status, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/**
 * Runs the generated script with stand-ins for busybox's `wget` and `nslookup` on the PATH: pages and DNS
 * answers come from files, so each check can be made to pass or fail.
 */
function runWithStubs(
    p: VerificationPlan,
    world: { pages: Record<string, string>; dns: Record<string, string>; nodeIp?: string },
    options: {
        retrySeconds?: number;
        totalSeconds?: number;
        pauseSeconds?: number;
        failFirst?: Record<string, number>;
    } = {},
): { status: number | null; stdout: string; log: ReturnType<typeof parseVerificationLog> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const key = (text: string) => Buffer.from(text).toString("hex");
        fs.mkdirSync(path.join(dir, "pages"));
        fs.mkdirSync(path.join(dir, "dns"));
        for (const [url, times] of Object.entries(options.failFirst ?? {}))
            fs.writeFileSync(path.join(dir, "pages", `${key(url)}.fails`), "x\n".repeat(times));
        for (const [url, body] of Object.entries(world.pages))
            fs.writeFileSync(path.join(dir, "pages", key(url)), body);
        for (const [query, answer] of Object.entries(world.dns))
            fs.writeFileSync(path.join(dir, "dns", key(query)), answer);
        const hex = `printf '%s' "$1" | od -An -tx1 | tr -d ' \\n'`;
        // wget -q -T N -O - URL
        fs.writeFileSync(
            path.join(bin, "wget"),
            `#!/bin/sh\nhex() { ${hex}; }\nfor url; do :; done\nf="${dir}/pages/$(hex "$url")"\n` +
                // A page listed in failFirst fails that many times before it answers.
                `if [ -s "$f.fails" ]; then sed -i 1d "$f.fails"; echo "wget: timed out" >&2; exit 1; fi\n` +
                `if [ -f "$f" ]; then cat "$f"; else echo "wget: can't connect to remote host" >&2; exit 1; fi\n`,
            { mode: 0o755 },
        );
        // nslookup -type=T NAME
        fs.writeFileSync(
            path.join(bin, "nslookup"),
            `#!/bin/sh\nhex() { ${hex}; }\nf="${dir}/dns/$(hex "$1 $2")"\nprintf 'Server:\\t\\t10.96.0.10\\nAddress:\\t10.96.0.10:53\\n\\n'\n` +
                `if [ -f "$f" ]; then cat "$f"; else echo "** server can't find $2: NXDOMAIN"; exit 1; fi\n`,
            { mode: 0o755 },
        );
        const env: NodeJS.ProcessEnv = {
            PATH: `${bin}:${process.env.PATH}`,
            VERIFY_RETRY_SECONDS: String(options.retrySeconds ?? 0),
            VERIFY_PAUSE_SECONDS: String(options.pauseSeconds ?? 0),
        };
        if (options.totalSeconds !== undefined) env.VERIFY_TOTAL_SECONDS = String(options.totalSeconds);
        if (world.nodeIp) env.NODE_IP = world.nodeIp;
        fs.writeFileSync(path.join(dir, RUN_SCRIPT), verificationScript(p));
        fs.writeFileSync(path.join(dir, LIBRARY_SCRIPT), verificationLibrary());
        const result = spawnSync("/bin/sh", [path.join(dir, RUN_SCRIPT)], { encoding: "utf8", env });
        return { status: result.status, stdout: result.stdout, log: parseVerificationLog(result.stdout) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A healthy cluster as the checks of `plan` see it. */
function healthyWorld(): { pages: Record<string, string>; dns: Record<string, string>; nodeIp: string } {
    const podPage = (n: number) => `<html><body><h1>nginx-${n}</h1></body></html>\n`;
    return {
        nodeIp: "172.18.0.2",
        pages: {
            "http://nginx-0.nginx.stateful-nginx.svc.cluster.local:8080/": podPage(0),
            "http://nginx-1.nginx.stateful-nginx.svc.cluster.local:8080/": podPage(1),
            "http://nginx-2.nginx.stateful-nginx.svc.cluster.local:8080/": podPage(2),
            "http://nginx-clusterip.stateful-nginx.svc.cluster.local:80/": podPage(2),
            "http://172.18.0.2:30080/": podPage(0),
            "http://172.18.255.200:80/": podPage(1),
        },
        dns: {
            "-type=A nginx.stateful-nginx.svc.cluster.local.": ["10.244.1.4", "10.244.2.7", "10.244.1.9"]
                .map((ip) => `Name:\tnginx.stateful-nginx.svc.cluster.local\nAddress: ${ip}\n`)
                .join(""),
            "-type=CNAME database.stateful-nginx.svc.cluster.local.":
                "database.stateful-nginx.svc.cluster.local\tcanonical name = db.dev.example.com\n",
            "-type=CNAME payments.stateful-nginx.svc.cluster.local.":
                "payments.stateful-nginx.svc.cluster.local\tcanonical name = sandbox.payments.example.com.\n",
        },
    };
}

describe("verification script run against stand-in wget and nslookup", function () {
    this.timeout(20000);

    it("prints PASS for every check and exits 0 on a healthy cluster", () => {
        const run = runWithStubs(plan, healthyWorld());
        assert.strictEqual(run.status, 0, run.stdout);
        assert.deepStrictEqual(run.log.failed, []);
        assert.deepStrictEqual(run.log.passed, names(plan));
        // 3 pods, the headless name, 3 Services, 2 ExternalName aliases.
        assert.match(run.stdout, /all 9 checks passed/);
    });

    it("retries a failing check until it passes within the retry window", () => {
        const url = "http://nginx-2.nginx.stateful-nginx.svc.cluster.local:8080/";
        const run = runWithStubs(plan, healthyWorld(), { retrySeconds: 10, failFirst: { [url]: 3 } });
        assert.strictEqual(run.status, 0, run.stdout);
        assert.ok(run.log.passed.includes("pod-dns nginx-2"));
    });

    it("gives each check its own retry window, however long the checks before it took", () => {
        // The library reads the clock in whole seconds (`date +%s`), so a window of 3 s closes 2-3 s after it
        // opens. With a pause of 0.2 s, each pod's page passes on its 7th try: its last failure comes 1 s into its
        // own window, which is open. One window for the whole script would be closed by then for nginx-2: its
        // last failure comes 3.4 s after the script began.
        const pod = (n: number) => `http://nginx-${n}.nginx.stateful-nginx.svc.cluster.local:8080/`;
        const run = runWithStubs(plan, healthyWorld(), {
            retrySeconds: 3,
            pauseSeconds: 0.2,
            failFirst: { [pod(0)]: 6, [pod(1)]: 6, [pod(2)]: 6 },
        });
        assert.strictEqual(run.status, 0, run.stdout);
        assert.deepStrictEqual(run.log.failed, []);
    });

    it("stops retrying once the whole run's budget is spent, and still runs every check", () => {
        const url = "http://nginx-0.nginx.stateful-nginx.svc.cluster.local:8080/";
        const run = runWithStubs(plan, healthyWorld(), {
            retrySeconds: 60,
            totalSeconds: 1,
            pauseSeconds: 0.2,
            failFirst: { [url]: 100 },
        });
        assert.deepStrictEqual(
            run.log.failed.map((f) => f.check),
            ["pod-dns nginx-0"],
        );
        assert.strictEqual(run.log.passed.length, names(plan).length - 1, run.stdout);
    });

    it("reports the last failure once the retry window has closed", () => {
        const url = "http://nginx-2.nginx.stateful-nginx.svc.cluster.local:8080/";
        const run = runWithStubs(plan, healthyWorld(), { retrySeconds: 0, failFirst: { [url]: 1 } });
        assert.deepStrictEqual(run.log.failed, [
            { check: "pod-dns nginx-2", reason: `no answer from ${url}: wget: timed out` },
        ]);
    });

    it("fails the pod check when a pod's name answers with another pod's page", () => {
        const world = healthyWorld();
        world.pages["http://nginx-1.nginx.stateful-nginx.svc.cluster.local:8080/"] = "<h1>nginx-10</h1>";
        const run = runWithStubs(plan, world);
        assert.strictEqual(run.status, 1);
        assert.deepStrictEqual(
            run.log.failed.map((f) => f.check),
            ["pod-dns nginx-1"],
        );
        assert.match(run.log.failed[0].reason, /without nginx-1 in its page/);
        assert.ok(run.log.passed.includes("pod-dns nginx-0"));
    });

    it("fails the headless check when DNS has a different number of addresses than replicas", () => {
        const world = healthyWorld();
        world.dns["-type=A nginx.stateful-nginx.svc.cluster.local."] =
            "Name:\tnginx.stateful-nginx.svc.cluster.local\nAddress: 10.244.1.4\n";
        const run = runWithStubs(plan, world);
        assert.strictEqual(run.status, 1);
        assert.deepStrictEqual(
            run.log.failed.map((f) => f.check),
            ["headless-dns nginx"],
        );
        assert.match(run.log.failed[0].reason, /resolves to 1 address\(es\), want 3/);
    });

    it("does not count the DNS server's own address as an answer", () => {
        const world = healthyWorld();
        world.dns["-type=A nginx.stateful-nginx.svc.cluster.local."] = "";
        const run = runWithStubs({ ...plan, replicas: 0 }, world);
        assert.ok(run.log.passed.includes("headless-dns nginx"), run.stdout);
    });

    it("fails the NodePort check with the reason when the node address is missing", () => {
        const { nodeIp: _, ...world } = healthyWorld();
        const run = runWithStubs(plan, world);
        assert.deepStrictEqual(
            run.log.failed.map((f) => f.check),
            ["nodeport nginx-nodeport"],
        );
        assert.match(run.log.failed[0].reason, /NODE_IP is not set/);
    });

    it("fails the LoadBalancer and ClusterIP checks when they do not answer", () => {
        const world = healthyWorld();
        delete world.pages["http://172.18.255.200:80/"];
        delete world.pages["http://nginx-clusterip.stateful-nginx.svc.cluster.local:80/"];
        const run = runWithStubs(plan, world);
        assert.deepStrictEqual(run.log.failed.map((f) => f.check).sort(), [
            "clusterip nginx-clusterip",
            "loadbalancer nginx-lb",
        ]);
        assert.match(run.stdout, /2 of 9 checks failed/);
    });

    it("fails an ExternalName check that points elsewhere, naming both hosts", () => {
        const world = healthyWorld();
        world.dns["-type=CNAME database.stateful-nginx.svc.cluster.local."] =
            "database.stateful-nginx.svc.cluster.local\tcanonical name = db.prod.example.com\n";
        const run = runWithStubs(plan, world);
        assert.deepStrictEqual(run.log.failed, [
            {
                check: "externalname database",
                reason: "database.stateful-nginx.svc.cluster.local. is a CNAME for db.prod.example.com, want db.dev.example.com",
            },
        ]);
    });

    it("keeps a FAIL line to one line however long the answer", () => {
        const world = healthyWorld();
        world.pages["http://nginx-0.nginx.stateful-nginx.svc.cluster.local:8080/"] = "x\n".repeat(500);
        const run = runWithStubs(plan, world);
        const line = run.stdout.split("\n").find((l) => l.startsWith("FAIL pod-dns nginx-0"));
        assert.ok(line && line.length < 400, line);
    });
});

describe("verification log", () => {
    it("reads PASS and FAIL lines, splitting the reason at the first ': '", () => {
        const log = parseVerificationLog(
            "PASS pod-dns nginx-0\nFAIL clusterip nginx-clusterip: no answer from http://x:80/: timed out\nall done\n",
        );
        assert.deepStrictEqual(log.passed, ["pod-dns nginx-0"]);
        assert.deepStrictEqual(log.failed, [
            { check: "clusterip nginx-clusterip", reason: "no answer from http://x:80/: timed out" },
        ]);
    });
});
