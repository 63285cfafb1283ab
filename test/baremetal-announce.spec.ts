import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    ANNOUNCEMENT_CHECK_SCRIPT,
    ANNOUNCEMENT_CHECK_SHELL_IMAGE,
    ANNOUNCEMENT_CHECK_TIMING,
    announcementCheckArgs,
    announcementCheckScript,
    announcementStatusResource,
    WEBHOOK_CHECK_IMAGE,
} from "../components/baremetal";
import { readStackFile, stackFilePath } from "../tools/stack-config";
import { configErrorOf, metadataOf, runStack, specOf, StackRun } from "./helpers";

const TYPES = {
    check: "stateful-nginx:baremetal:MetalLbAnnouncementCheck",
    job: "kubernetes:batch/v1:Job",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    account: "kubernetes:core/v1:ServiceAccount",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
} as const;

const devMetallb = JSON.parse(readStackFile(stackFilePath("dev")).config["stateful-nginx:metallb"]);

const bgpMetallb = {
    ...devMetallb,
    mode: "bgp",
    l2: undefined,
    bgp: {
        peers: [{ name: "tor-a", myASN: 64500, peerASN: 64501, peerAddress: "172.18.0.2" }],
        advertisements: [{ name: "all" }],
    },
};

/** The announcement check's objects of a run: those whose parent chain reaches the check component. */
function checkObjects(run: StackRun) {
    const [component] = run.ofType(TYPES.check);
    assert.ok(component, "no announcement check");
    const children = run.resources.filter((resource) => resource.parent === component.urn);
    const one = (type: string) => {
        const found = children.filter((child) => child.type === type);
        assert.strictEqual(found.length, 1, `${found.length} ${type} in the check`);
        return found[0];
    };
    return {
        component,
        children,
        job: one(TYPES.job),
        role: one(TYPES.role),
        binding: one(TYPES.roleBinding),
        account: one(TYPES.account),
        script: one(TYPES.configMap),
    };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const podSpecOf = (job: { inputs: unknown }): any => specOf(job as never).template.spec;
const container = (job: { inputs: unknown }, name: string): any =>
    [...(podSpecOf(job).initContainers ?? []), ...podSpecOf(job).containers].find((c: any) => c.name === name);
/* eslint-enable @typescript-eslint/no-explicit-any */

describe("MetalLB announcement check (mock runtime)", function () {
    this.timeout(60000);
    let dev: StackRun;
    before(async () => {
        dev = await runStack("dev");
    });

    it("runs in MetalLB's namespace under its own account, allowed only to read the L2 statuses there", () => {
        const { job, role, binding, account } = checkObjects(dev);
        for (const object of [job, role, binding, account]) {
            assert.strictEqual(metadataOf(object).namespace, "metallb-system", object.name);
            assert.strictEqual(metadataOf(object).name, "dev-announcement-check", object.name);
        }
        assert.deepStrictEqual((role.inputs as { rules: unknown }).rules, [
            { apiGroups: ["metallb.io"], resources: ["servicel2statuses"], verbs: ["get", "list", "watch"] },
        ]);
        const bindingInputs = binding.inputs as { roleRef: { kind: string; name: string }; subjects: unknown[] };
        assert.deepStrictEqual(bindingInputs.roleRef, {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: "dev-announcement-check",
        });
        assert.deepStrictEqual(bindingInputs.subjects, [
            { kind: "ServiceAccount", name: "dev-announcement-check", namespace: "metallb-system" },
        ]);
        assert.strictEqual(podSpecOf(job).serviceAccountName, "dev-announcement-check");
        // Nothing cluster-wide: no ClusterRole or ClusterRoleBinding anywhere under the check.
        const { children } = checkObjects(dev);
        assert.deepStrictEqual(
            children.filter((child) => child.type === TYPES.clusterRole || child.type === TYPES.clusterRoleBinding),
            [],
        );
    });

    it("is created only after the LoadBalancer Service has its address", () => {
        const { children, job } = checkObjects(dev);
        const lb = dev.object(TYPES.service, "nginx-lb");
        for (const child of children) assert.ok(dev.dependsOn(child, lb), `${child.name} waits for nginx-lb`);
        const args: string[] = container(job, "check").args;
        assert.deepStrictEqual(args.slice(0, 4), ["l2", "metallb-system", "stateful-nginx", "nginx-lb"]);
        assert.match(args[4], /^\d+\.\d+\.\d+\.\d+$/, "the address MetalLB assigned");
        assert.strictEqual(args[5], String(ANNOUNCEMENT_CHECK_TIMING.waitSeconds));
    });

    it("runs the shell script from its ConfigMap with a static shell beside kubectl, and shows its last line on failure", () => {
        const { job, script } = checkObjects(dev);
        assert.strictEqual(
            (script.inputs as { data: Record<string, string> }).data[ANNOUNCEMENT_CHECK_SCRIPT],
            announcementCheckScript(),
        );
        const check = container(job, "check");
        const shell = container(job, "shell");
        assert.strictEqual(check.image, WEBHOOK_CHECK_IMAGE);
        assert.strictEqual(shell.image, ANNOUNCEMENT_CHECK_SHELL_IMAGE);
        assert.deepStrictEqual(check.command, ["/shell/busybox", "sh", `/check/${ANNOUNCEMENT_CHECK_SCRIPT}`]);
        assert.deepStrictEqual(shell.command, ["/bin/cp", "/bin/busybox", "/shell/busybox"]);
        assert.strictEqual(check.terminationMessagePolicy, "FallbackToLogsOnError");
        for (const c of [check, shell]) {
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
        }
        // Bounded well inside Pulumi's 10-minute wait for a Job.
        const spec = specOf(job);
        assert.ok(
            spec.activeDeadlineSeconds < 600 && spec.activeDeadlineSeconds > ANNOUNCEMENT_CHECK_TIMING.waitSeconds,
        );
    });

    it("reads BGP statuses in bgp mode, with MetalLB's native speaker and with FRR-K8s", async () => {
        for (const frrk8s of [false, true]) {
            const run = await runStack("dev", { "stateful-nginx:metallb": { ...bgpMetallb, frrk8s } });
            const { job, role } = checkObjects(run);
            assert.deepStrictEqual((role.inputs as { rules: { resources: string[] }[] }).rules[0].resources, [
                "servicebgpstatuses",
            ]);
            assert.strictEqual(container(job, "check").args[0], "bgp");
        }
    });

    it("takes its images from a mirror: metallb.announcementImages, else webhookCheckImage for kubectl", async () => {
        const webhookImage = "registry.example.com:5000/kubectl:v1.34.1";
        const run = await runStack("dev", {
            "stateful-nginx:metallb": { ...devMetallb, webhookCheckImage: webhookImage },
        });
        assert.strictEqual(container(checkObjects(run).job, "check").image, webhookImage);
        const images = {
            kubectl: "mirror.example.com/kubectl:v1.34.1",
            shell: "mirror.example.com/busybox:1.37.0-musl",
        };
        // Also without an install of MetalLB, where webhookCheckImage is refused.
        const { l2: _l2, ...existing } = devMetallb;
        const mirrored = await runStack("dev", {
            "stateful-nginx:metallb": {
                install: false,
                namespace: "metallb-system",
                mode: "l2",
                pools: existing.pools,
                announcementImages: images,
            },
        });
        const { job } = checkObjects(mirrored);
        assert.strictEqual(container(job, "check").image, images.kubectl);
        assert.strictEqual(container(job, "shell").image, images.shell);
    });

    it("is left out with metallb.announcementCheck: false, and on EKS", async () => {
        const off = await runStack("dev", { "stateful-nginx:metallb": { ...devMetallb, announcementCheck: false } });
        assert.deepStrictEqual(off.ofType(TYPES.check), []);
        assert.ok(!off.ofType(TYPES.job).some((job) => metadataOf(job).name === "dev-announcement-check"));
        const prod = await runStack("prod");
        assert.deepStrictEqual(prod.ofType(TYPES.check), []);
        assert.ok(dev.ofType(TYPES.check).length === 1, "on by default on bare metal");
    });

    it("leaves the in-cluster verification Job without an API token", () => {
        const verification = dev.ofType(TYPES.job).filter((job) => metadataOf(job).namespace === "stateful-nginx");
        assert.strictEqual(verification.length, 1);
        assert.strictEqual(podSpecOf(verification[0]).automountServiceAccountToken, false);
    });

    it("refuses a value other than true or false, naming the key", () => {
        const message = configErrorOf({
            platform: "baremetal",
            metallb: JSON.stringify({ ...devMetallb, announcementCheck: "no" }),
        });
        assert.strictEqual(message, 'stateful-nginx:metallb.announcementCheck: got "no"; must be true or false');
        assert.match(
            configErrorOf({
                platform: "baremetal",
                metallb: JSON.stringify({ ...devMetallb, announcementImages: { shell: "busybox:latest" } }),
            }),
            /^stateful-nginx:metallb\.announcementImages\.shell: got "busybox:latest"; must be pinned to a release/,
        );
    });
});

describe("announcement check functions", () => {
    it("maps the mode to the status MetalLB writes", () => {
        assert.strictEqual(announcementStatusResource("l2"), "servicel2statuses");
        assert.strictEqual(announcementStatusResource("bgp"), "servicebgpstatuses");
    });

    it("gives the script its arguments in order, naming a missing address", () => {
        assert.deepStrictEqual(announcementCheckArgs("bgp", "metallb", "web", "nginx-lb", "10.0.0.7", 20), [
            "bgp",
            "metallb",
            "web",
            "nginx-lb",
            "10.0.0.7",
            "20",
        ]);
        assert.strictEqual(announcementCheckArgs("l2", "m", "w", "s", undefined)[4], "no address");
    });
});

/**
 * A stand-in `kubectl` on the PATH that logs every call and answers from files in its directory:
 * `statuses` holds the `node;detail` lines the jsonpath query would print (its presence means a status
 * object exists), `error` a message every call fails with. `wait --for=create` polls for `statuses` every
 * 0.2 s until its --timeout, like kubectl's own poll, then fails with kubectl's timeout message.
 */
function runScript(
    args: string[],
    world: { statuses?: string; appearAfterSeconds?: number; error?: string },
): { status: number | null; stdout: string; calls: string[][]; seconds: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "announce-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "kubectl"),
            [
                "#!/bin/sh",
                `d=${dir}`,
                `printf '%s\\n' "$*" >> "$d/calls"`,
                `if [ -f "$d/error" ]; then cat "$d/error" >&2; exit 1; fi`,
                `timeout=0; for a; do case $a in --timeout=*) timeout=\${a#--timeout=}; timeout=\${timeout%s};; esac; done`,
                `case "$1 $2" in`,
                `"wait --for=create")`,
                `  polls=$(( timeout * 5 ))`,
                `  while [ ! -f "$d/statuses" ]; do`,
                `    if [ "$polls" -le 0 ]; then echo "error: timed out waiting for the condition" >&2; exit 1; fi`,
                `    sleep 0.2; polls=$(( polls - 1 ))`,
                `  done`,
                `  echo "servicel2status.metallb.io/l2-x7k2p condition met";;`,
                `"wait --for=jsonpath={.status.node}") echo "servicel2status.metallb.io/l2-x7k2p condition met";;`,
                `get*) echo "Warning: a warning kubectl may print" >&2; cat "$d/statuses";;`,
                `*) echo "unexpected call" >&2; exit 3;;`,
                `esac`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        if (world.error !== undefined) fs.writeFileSync(path.join(dir, "error"), world.error);
        if (world.statuses !== undefined && !world.appearAfterSeconds)
            fs.writeFileSync(path.join(dir, "statuses"), world.statuses);
        const scriptPath = path.join(dir, ANNOUNCEMENT_CHECK_SCRIPT);
        fs.writeFileSync(scriptPath, announcementCheckScript());
        const started = Date.now();
        // The speaker writes its status while the script waits.
        const writer =
            world.statuses !== undefined && world.appearAfterSeconds
                ? `sleep ${world.appearAfterSeconds}; printf '%s' '${world.statuses}' > ${dir}/statuses & `
                : "";
        const result = spawnSync(
            "/bin/sh",
            ["-c", `${writer}/bin/sh "$0" "$@"; s=$?; wait; exit $s`, scriptPath, ...args],
            {
                encoding: "utf8",
                env: { PATH: `${bin}:${process.env.PATH}` },
            },
        );
        const log = path.join(dir, "calls");
        const calls = fs.existsSync(log)
            ? fs
                  .readFileSync(log, "utf8")
                  .trim()
                  .split("\n")
                  .map((line) => line.split(" "))
            : [];
        return { status: result.status, stdout: result.stdout, calls, seconds: (Date.now() - started) / 1000 };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("announcement script run against a stand-in kubectl", function () {
    this.timeout(20000);
    const l2 = ["l2", "metallb-system", "stateful-nginx", "nginx-lb", "172.18.255.200", "5"];
    const bgp = ["bgp", "metallb", "web", "nginx-lb", "10.0.0.7", "5"];

    it("passes and names the node that answers for the address in L2 mode", () => {
        const run = runScript(l2, { statuses: "kind-worker;\n" });
        assert.strictEqual(run.status, 0, run.stdout);
        assert.strictEqual(
            run.stdout,
            "PASS announcement stateful-nginx/nginx-lb (172.18.255.200): node kind-worker answers for the address (L2, interfaces: all)\n",
        );
        // Every call reads ServiceL2Status in MetalLB's namespace, by the Service's labels.
        assert.strictEqual(run.calls.length, 3);
        for (const call of run.calls) {
            assert.ok(call.includes("servicel2statuses.metallb.io"), call.join(" "));
            assert.deepStrictEqual(call.slice(call.indexOf("-n"), call.indexOf("-n") + 4), [
                "-n",
                "metallb-system",
                "-l",
                "metallb.io/service-name=nginx-lb,metallb.io/service-namespace=stateful-nginx",
            ]);
        }
        assert.ok(run.calls[0].includes("--timeout=5s"), "the wait is bounded by the given seconds");
    });

    it("passes with one line per node and its BGP peers in bgp mode", () => {
        const run = runScript(bgp, { statuses: "node-a;tor-a tor-b\nnode-b;tor-a\n" });
        assert.strictEqual(run.status, 0, run.stdout);
        assert.deepStrictEqual(run.stdout.trim().split("\n"), [
            "PASS announcement web/nginx-lb (10.0.0.7): node node-a advertises the address (BGP peers: tor-a tor-b)",
            "PASS announcement web/nginx-lb (10.0.0.7): node node-b advertises the address (BGP peers: tor-a)",
        ]);
        for (const call of run.calls) {
            assert.ok(call.includes("servicebgpstatuses.metallb.io"), call.join(" "));
            assert.ok(call.includes("metallb.io/service-name=nginx-lb,metallb.io/service-namespace=web"));
            assert.ok(!call.includes("servicel2statuses.metallb.io"));
        }
    });

    it("waits for a status that a speaker writes a moment later", () => {
        const run = runScript(l2, { statuses: "kind-worker;eth0", appearAfterSeconds: 1 });
        assert.strictEqual(run.status, 0, run.stdout);
        assert.match(run.stdout, /node kind-worker answers for the address \(L2, interfaces: eth0\)/);
    });

    it("fails after the given seconds with one line naming the likely causes when no node announces", () => {
        const run = runScript([...l2.slice(0, 5), "1"], {});
        assert.strictEqual(run.status, 1);
        const lines = run.stdout.trim().split("\n");
        assert.strictEqual(lines.length, 1, run.stdout);
        assert.match(
            lines[0],
            /^FAIL announcement stateful-nginx\/nginx-lb \(172\.18\.255\.200\): no ServiceL2Status for it in metallb-system after 1s, so no node announces the address; /,
        );
        for (const cause of [
            "an L2Advertisement selects its pool",
            "nodeSelectors",
            "speaker pods run",
            "node.kubernetes.io/exclude-from-external-load-balancers",
        ])
            assert.ok(lines[0].includes(cause), cause);
        assert.ok(run.seconds >= 1 && run.seconds < 5, `waited ${run.seconds}s`);
        const bgpRun = runScript([...bgp.slice(0, 5), "1"], {});
        assert.match(bgpRun.stdout, /no ServiceBGPStatus .* a BGPAdvertisement selects its pool/);
    });

    it("says to turn the check off when MetalLB has no status API, and gives kubectl's own line on any other error", () => {
        const old = runScript(l2, {
            error: 'error: the server doesn\'t have a resource type "servicel2statuses"\n',
        });
        assert.strictEqual(old.status, 1);
        assert.match(old.stdout, /has no ServiceL2Status API .* set metallb\.announcementCheck: false\n$/);
        const forbidden = runScript(l2, {
            error: 'Error from server (Forbidden): servicel2statuses.metallb.io is forbidden: User "x" cannot list\n',
        });
        assert.strictEqual(forbidden.status, 1);
        assert.match(
            forbidden.stdout,
            /^FAIL announcement .*: could not list servicel2statuses\.metallb\.io in metallb-system: Error from server \(Forbidden\)/,
        );
    });

    it("refuses a mode it does not know, and a wrong number of arguments", () => {
        assert.strictEqual(runScript(["arp", ...l2.slice(1)], {}).status, 2);
        assert.strictEqual(runScript(l2.slice(0, 4), {}).status, 2);
    });

    it("passes shellcheck (a finding fails it)", function () {
        const lint = spawnSync(
            "shellcheck",
            ["--shell=sh", path.join(__dirname, "..", "components", "baremetal", ANNOUNCEMENT_CHECK_SCRIPT)],
            { encoding: "utf8" },
        );
        if (lint.error) this.skip(); // no shellcheck here; `npm run lint:shell` requires it and fails instead
        assert.strictEqual(lint.status, 0, lint.stdout);
    });
});
