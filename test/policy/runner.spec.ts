import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineView, wireValue, withEksChildren } from "../../tools/engine-view";
import { SECRET_PLACEHOLDER } from "../../tools/mock-runtime";
import { renderResources } from "../../tools/synth-render";
import { runStack } from "../helpers";
import { main, parsePolicyOptions, USAGE } from "../../tools/policy";
import {
    firstErrorLine,
    formatSummary,
    formatViolation,
    hasMandatoryViolations,
    PACK_DIR,
    parsePolicyConfig,
    PolicyConfigError,
    PolicyInfo,
    readResourcesFile,
    reconcilePolicyConfig,
} from "../../tools/policy-runner";
import { change, check, goodStack, policyHost, resource, service, UNKNOWN } from "./fixtures";

const sizeLimit: PolicyInfo = {
    name: "size-limit",
    description: "size limit",
    enforcementLevel: "mandatory",
    kind: "resource",
    configSchema: { properties: { limit: { type: "integer", default: 3 } }, required: [] },
};
const other: PolicyInfo = { name: "other", description: "other", enforcementLevel: "advisory", kind: "stack" };
const none = new Map();

describe("policy runner: config as the CLI reconciles it (pkg/resource/analyzer/config.go)", () => {
    it("starts from each policy's level and schema defaults", () => {
        const { config } = reconcilePolicyConfig([sizeLimit, other], none, parsePolicyConfig(undefined));
        assert.deepEqual(config.get("size-limit"), { enforcementLevel: "mandatory", properties: { limit: 3 } });
        assert.deepEqual(config.get("other"), { enforcementLevel: "advisory", properties: {} });
    });

    it("applies the pack's initial config, then `all`, then each policy's own entry on top", () => {
        const initial = parsePolicyConfig({ "size-limit": { limit: 5 } });
        const given = parsePolicyConfig({ all: "disabled", other: { enforcementLevel: "mandatory", limit: 7 } });
        const { config } = reconcilePolicyConfig([sizeLimit, other], initial, given);
        assert.deepEqual(config.get("size-limit"), { enforcementLevel: "disabled", properties: { limit: 5 } });
        assert.deepEqual(config.get("other"), { enforcementLevel: "mandatory", properties: { limit: 7 } });
    });

    it("rejects invalid levels and values that break the schema, naming the key and what is allowed", () => {
        assert.throws(
            () => parsePolicyConfig({ all: "strict" }),
            /all: "strict" is not a valid enforcement level \(allowed: advisory, mandatory, remediate, disabled\)/,
        );
        assert.throws(() => parsePolicyConfig({ other: { enforcementLevel: 1 } }), PolicyConfigError);
        assert.throws(() => parsePolicyConfig({ other: 3 }), /must be a string or object/);
        assert.throws(
            () => reconcilePolicyConfig([sizeLimit], none, parsePolicyConfig({ "size-limit": { limit: "7" } })),
            /size-limit.limit: invalid type. Expected: integer, given: string/,
        );
    });

    it("warns about an entry that names no policy of the pack, and passes it on as the engine does", () => {
        const { config, warnings } = reconcilePolicyConfig([sizeLimit], none, parsePolicyConfig({ sise: "advisory" }));
        assert.deepEqual(warnings, ["the policy config names sise, which is no policy of the pack (ignored)"]);
        assert.equal(config.get("sise")?.enforcementLevel, "advisory");
    });
});

describe("policy runner: the engine's view of the resources", () => {
    it("keeps a Service the stack reads away from every policy, from synth's resources.json as from the stack", async function () {
        this.timeout(30000);
        const run = await runStack("dev", {
            "stateful-nginx:services": { exposures: [{ name: "web-np", from: "legacy/web", type: "NodePort" }] },
        });
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "resources-")), "resources.json");
        fs.writeFileSync(file, renderResources(run.resources));
        const [fromStack, fromFile] = [run.resources, readResourcesFile(file)].map((records) =>
            engineView(records, { preview: false }),
        );
        const read = run.resources.find((record) => record.read)!;
        for (const view of [fromStack, fromFile]) {
            // Neither analyzed as a resource of the stack nor shown to stack policies, as on the real engine.
            assert.ok(!view.analyze.some((item) => item.urn === read.urn));
            assert.ok(!view.stack.some((item) => item.urn === read.urn));
        }
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it("sends remote components with empty properties and shows no policy what the stack only reads", () => {
        const cluster = { ...resource("eks:index:Cluster", "eks", { publicAccessCidrs: ["0.0.0.0/0"] }), remote: true };
        const chart = resource("kubernetes:helm.sh/v4:Chart", "metallb", { chart: "metallb" });
        const live = { kind: "Service", metadata: { name: "web", namespace: "legacy" } };
        const read = { ...resource("kubernetes:core/v1:Service", "web", {}), read: true, outputs: live };
        const view = engineView([cluster, chart, read], { preview: true });
        assert.deepEqual(
            view.analyze.map((item) => [item.type, item.properties]),
            [
                ["eks:index:Cluster", {}],
                ["kubernetes:helm.sh/v4:Chart", {}],
            ],
        );
        assert.deepEqual(
            view.stack.map((item) => item.type),
            ["eks:index:Cluster", "kubernetes:helm.sh/v4:Chart"],
        );
    });

    it("passes the resource options the program set (protect, ignoreChanges, deleteBeforeReplace)", () => {
        const lb = {
            ...service("nginx-lb", { type: "LoadBalancer", selector: { app: "nginx" } }),
            options: { deleteBeforeReplace: true, ignoreChanges: ["metadata.annotations"] },
        };
        const plain = service("nginx-clusterip", { type: "ClusterIP", selector: { app: "nginx" } });
        const [withOptions, without] = engineView([lb, plain], { preview: true }).analyze;
        assert.deepEqual(
            [withOptions.deleteBeforeReplace, withOptions.ignoreChanges, withOptions.protect],
            [true, ["metadata.annotations"], false],
        );
        assert.deepEqual([without.deleteBeforeReplace, without.ignoreChanges], [undefined, []]);
    });

    it("gives resource policies the inputs and stack policies the outputs (an allocated cluster IP)", () => {
        const clusterIp = service("nginx-clusterip", { type: "ClusterIP", selector: { app: "nginx" } });
        const update = engineView([clusterIp], { preview: false });
        assert.equal((update.analyze[0].properties.spec as { clusterIP?: string }).clusterIP, undefined);
        assert.match((update.stack[0].properties.spec as { clusterIP: string }).clusterIP, /^10\.96\./);
        // The Kubernetes provider previews a create as its inputs: nothing allocated yet.
        const preview = engineView([clusterIp], { preview: true });
        assert.equal((preview.stack[0].properties.spec as { clusterIP?: string }).clusterIP, undefined);
    });

    it("adds the children pulumi-eks 4.3.0 creates under its components, with the components' arguments", () => {
        const cluster = resource("eks:index:Cluster", "eks", {
            endpointPublicAccess: true,
            publicAccessCidrs: ["203.0.113.0/24"],
            subnetIds: ["subnet-0a", "subnet-0b"],
            version: "1.34",
            enabledClusterLogTypes: ["audit", "authenticator"],
            encryptionConfigKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0a1b",
        });
        const nodes = resource("eks:index:ManagedNodeGroup", "eks-nodes", {
            instanceTypes: ["t3.medium"],
            scalingConfig: { minSize: 1 },
        });
        const [, child, , nodeGroup] = withEksChildren([cluster, nodes], { preview: true });
        assert.equal(child.type, "aws:eks/cluster:Cluster");
        assert.equal(child.name, "eks-eksCluster");
        assert.equal(child.parent, cluster.urn);
        assert.equal(
            child.urn,
            "urn:pulumi:test::stateful-nginx::eks:index:Cluster$aws:eks/cluster:Cluster::eks-eksCluster",
        );
        assert.deepEqual((child.inputs.vpcConfig as Record<string, unknown>).publicAccessCidrs, ["203.0.113.0/24"]);
        assert.equal(child.inputs.roleArn, UNKNOWN);
        // createCore's encryptionConfig from encryptionConfigKeyArn, and the log types as given.
        assert.deepEqual(child.inputs.encryptionConfig, {
            provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/0a1b" },
            resources: ["secrets"],
        });
        assert.deepEqual(child.inputs.enabledClusterLogTypes, ["audit", "authenticator"]);
        const [, plain] = withEksChildren([resource("eks:index:Cluster", "eks", {})], { preview: false });
        assert.equal(plain.inputs.encryptionConfig, undefined);
        assert.equal(nodeGroup.type, "aws:eks/nodeGroup:NodeGroup");
        assert.equal(nodeGroup.name, "eks-nodes");
        assert.deepEqual(nodeGroup.inputs.scalingConfig, { desiredSize: 2, minSize: 1, maxSize: 2 });
        assert.deepEqual(nodeGroup.inputs.instanceTypes, ["t3.medium"]);
        // Components that already come with their children (the engine's own view) get no second copy.
        assert.equal(withEksChildren(withEksChildren([cluster], { preview: false }), { preview: false }).length, 2);
    });

    it("keeps secrets marked (shown as [secret]) and unknowns as the wire's unknown sentinel", () => {
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        assert.deepEqual(wireValue({ kubeconfig: secret, name: UNKNOWN, gone: undefined }), {
            kubeconfig: {
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                value: SECRET_PLACEHOLDER,
            },
            name: UNKNOWN,
        });
    });
});

describe("policy runner: the pack in the analyzer host", () => {
    const withExternalIp = () =>
        change(goodStack(), "nginx-clusterip", (inputs) => (inputs.spec.externalIPs = ["203.0.113.10"]));

    it("reports a resource policy's violation on that resource, at the configured level", async () => {
        const stack = withExternalIp();
        const report = await check(stack, { all: "disabled", "service-no-external-ips": "mandatory" });
        assert.deepEqual(
            report.violations.map((v) => [v.enforcementLevel, v.policyName, v.urn]),
            [["mandatory", "service-no-external-ips", stack[2].urn]],
        );
        assert.match(report.violations[0].message, /^Service stateful-nginx\/nginx-clusterip sets spec.externalIPs/);
        assert.ok(hasMandatoryViolations(report));
        const relaxed = await check(stack, { all: "disabled", "service-no-external-ips": "advisory" });
        assert.equal(relaxed.violations[0].enforcementLevel, "advisory");
        assert.ok(!hasMandatoryViolations(relaxed));
    });

    it("runs no disabled policy, and reports remediate as mandatory", async () => {
        const stack = withExternalIp();
        const disabled = await check(stack, { all: "disabled" });
        assert.equal(disabled.policiesRun, 0);
        assert.deepEqual(disabled.violations, []);
        const remediate = await check(stack, { all: "disabled", "service-no-external-ips": "remediate" });
        assert.equal(remediate.violations[0].enforcementLevel, "mandatory");
    });

    it("hands out inputs behind the unknown-checking proxy: an unknown value is an advisory, not a pass", async () => {
        const stack = change(goodStack(), "nginx-clusterip", (inputs) => (inputs.spec.externalIPs = UNKNOWN));
        const report = await check(stack, { all: "disabled", "service-no-external-ips": "mandatory" });
        assert.equal(report.violations.length, 1);
        assert.equal(report.violations[0].enforcementLevel, "advisory");
        assert.match(
            report.violations[0].message,
            /can't run policy 'service-no-external-ips' from policy pack 'stateful-nginx@v0.1.0' during preview: string value at .spec.externalIPs/,
        );
    });

    it("still catches a StatefulSet without its headless Service when another resource's namespace is unknown", async () => {
        const stack = change(
            goodStack().filter((item) => !(item.type.endsWith(":Service") && item.name === "nginx")),
            "nginx-clusterip",
            (inputs) => (inputs.metadata.namespace = UNKNOWN),
        );
        const report = await check(stack, { all: "disabled", "statefulset-headless-service": "mandatory" });
        const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
        assert.deepEqual(
            mandatory.map((v) => v.urn),
            [stack[0].urn],
        );
        assert.match(mandatory[0].message, /creates no Service of that name in its namespace/);
    });

    it("names the resources a stack policy could not judge in one advisory line, after what it found", async () => {
        const stack = change(goodStack(), "nginx-nodeport", (inputs) => {
            inputs.metadata.namespace = UNKNOWN;
            inputs.spec.ports[0].nodePort = UNKNOWN;
        });
        const lbPort = change(stack, "nginx-lb", (inputs) => (inputs.spec.ports[0].nodePort = 30090));
        const withBadPort = change(lbPort, "nginx-clusterip", (inputs) => (inputs.spec.ports[0].nodePort = 30090));
        const report = await check(withBadPort, { all: "disabled", "nodeport-unique": "mandatory" });
        assert.deepEqual(
            report.violations.map((v) => v.enforcementLevel),
            ["mandatory", "advisory"],
        );
        assert.match(report.violations[0].message, /asks for node port 30090, which Service .* already uses/);
        const unjudged = report.violations[1];
        assert.equal(unjudged.urn, undefined);
        assert.match(unjudged.message, /1 resource not judged, with values known only after the update: /);
        assert.ok(unjudged.message.includes(withBadPort[3].urn), unjudged.message);
    });
});

describe("policy runner: which policy config a stack gets", () => {
    it("takes policy/config/<stack>.json when the stack has one", () => {
        const options = parsePolicyOptions(["--stack", "dev"]);
        assert.ok(options !== "help");
        assert.equal(options.policyConfigFile, path.resolve(__dirname, "../../policy/config/dev.json"));
    });

    it("runs the pack's own levels and settings for a stack without one, as --policy-pack alone does", () => {
        // A stack without a stack file here, judged from a resources file (as CI's per-stack job does).
        const options = parsePolicyOptions(["--stack", "staging", "--resources", "out/staging/resources.json"]);
        assert.ok(options !== "help");
        assert.equal(options.policyConfigFile, undefined);
    });

    it("takes --policy-config over the stack's own file", () => {
        const options = parsePolicyOptions(["--stack", "dev", "--policy-config", "policy/config/prod.json"]);
        assert.ok(options !== "help");
        assert.equal(options.policyConfigFile, path.resolve("policy/config/prod.json"));
    });
});

describe("policy runner: output and exit codes (npm run policy)", () => {
    let dir: string;
    const lines: string[] = [];
    const errors: string[] = [];
    const out = { log: (line: string) => lines.push(line), error: (line: string) => errors.push(line) };
    const file = (name: string) => path.join(dir, name);

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-runner-"));
        const bad = change(goodStack(), "nginx-clusterip", (inputs) => (inputs.spec.externalIPs = ["203.0.113.10"]));
        fs.writeFileSync(file("bad.json"), JSON.stringify(bad));
        fs.writeFileSync(file("good.json"), JSON.stringify(goodStack()));
        fs.writeFileSync(file("advisory.json"), JSON.stringify({ all: "advisory" }));
        fs.writeFileSync(file("typo.json"), JSON.stringify({ "service-no-external-ip": "mandatory" }));
        fs.writeFileSync(file("broken.json"), "{ not json");
        fs.writeFileSync(file("level.json"), JSON.stringify({ all: "strict" }));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => {
        lines.length = 0;
        errors.length = 0;
    });

    const run = async (...args: string[]) => main(["--stack", "dev", ...args], out, { host: await policyHost() });

    it("prints the usage and exits 0 for --help; an unknown option gets the usage and exit 2", async () => {
        assert.equal(await main(["--help"], out), 0);
        assert.deepEqual(lines, [USAGE]);
        assert.match(USAGE, /--stack NAME/);
        assert.equal(await main(["--stack", "dev", "--verbose"], out), 2);
        assert.match(errors[0], /^policy: Unknown option '--verbose'/);
        assert.equal(errors[1], USAGE);
    });

    it("--engine runs the pulumi on PATH: one line saying how to get it when there is none", async () => {
        const saved = process.env.PATH;
        process.env.PATH = dir; // a directory without pulumi
        try {
            assert.equal(await main(["--stack", "local", "--engine"], out), 2);
        } finally {
            process.env.PATH = saved;
        }
        assert.equal(errors.length, 1, errors.join("\n"));
        assert.match(
            errors[0],
            /^policy: --engine needs the Pulumi CLI on PATH \(.*ENOENT.*\); .*engine\/cluster\.sh start/,
        );
        assert.equal(await main(["--stack", "dev", "--engine", "--update"], out), 2);
        assert.match(
            errors[1],
            /^policy: --engine runs the real preview of the stack: it takes neither --resources nor --update/,
        );
    });

    it("--engine passes the stack, the pack and its config to pulumi preview, and its verdict back", async () => {
        // A stand-in pulumi that records its arguments and fails when asked to.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "policy-engine-"));
        const record = path.join(bin, "args");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\n[ -z "$FAIL" ]\n`, {
            mode: 0o755,
        });
        const saved = { PATH: process.env.PATH, FAIL: process.env.FAIL };
        process.env.PATH = `${bin}:${saved.PATH}`;
        try {
            assert.equal(
                await main(["--stack", "local", "--engine", "--policy-config", file("advisory.json")], out),
                0,
            );
            assert.deepEqual(fs.readFileSync(record, "utf8").trim().split("\n"), [
                "preview",
                "--stack",
                "local",
                "--policy-pack",
                PACK_DIR,
                "--policy-pack-config",
                file("advisory.json"),
            ]);
            process.env.FAIL = "1";
            assert.equal(await main(["--stack", "local", "--engine"], out), 1);
        } finally {
            process.env.PATH = saved.PATH;
            if (saved.FAIL === undefined) delete process.env.FAIL;
            else process.env.FAIL = saved.FAIL;
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("exits 0 and prints only the summary when nothing is violated", async () => {
        assert.equal(await run("--resources", file("good.json"), "--update"), 0);
        const count = (await policyHost()).info.policies.length;
        assert.deepEqual(lines, [
            `policy: stack dev (update): passed: 0 mandatory, 0 advisory violations (${count} policies on 9 resources)`,
        ]);
    });

    it("prints LEVEL policy-name urn: message and exits 1 on a mandatory violation", async () => {
        assert.equal(await run("--resources", file("bad.json")), 1);
        const line = lines.find((text) => text.includes("service-no-external-ips"));
        assert.match(
            line ?? "",
            /^MANDATORY service-no-external-ips urn:pulumi:test::stateful-nginx::kubernetes:core\/v1:Service::nginx-clusterip: Service stateful-nginx\/nginx-clusterip sets spec.externalIPs/,
        );
        assert.match(lines[lines.length - 1], /^policy: stack dev \(preview\): FAILED: 1 mandatory/);
    });

    it("exits 0 on the same violation when the policy config makes it advisory", async () => {
        assert.equal(await run("--resources", file("bad.json"), "--policy-config", file("advisory.json")), 0);
        assert.ok(lines.some((text) => text.startsWith("ADVISORY service-no-external-ips ")));
    });

    it("warns, in one line, about a config entry that names no policy of the pack", async () => {
        assert.equal(await run("--resources", file("good.json"), "--policy-config", file("typo.json")), 0);
        assert.deepEqual(errors, [
            "policy: warning: the policy config names service-no-external-ip, which is no policy of the pack (ignored)",
        ]);
    });

    it("exits 2 with one line for a missing stack or value, bad JSON, a bad level or a missing config file", async () => {
        // A wrong command line also prints the usage; any other problem is its one line.
        const [usage, alone] = [true, false];
        const cases: [string[], RegExp, boolean][] = [
            [["--resources", file("good.json")], /^policy: --stack NAME is required/, usage],
            [
                ["--stack", "dev", "--policy-config", file("broken.json")],
                /^policy: --policy-config .*broken.json is not valid JSON \(line 1, column 3\)$/,
                alone,
            ],
            [
                ["--stack", "dev", "--policy-config", file("level.json")],
                /all: "strict" is not a valid enforcement level/,
                alone,
            ],
            [
                ["--stack", "dev", "--policy-config", file("missing.json")],
                /^policy: --policy-config .*missing.json does not exist$/,
                alone,
            ],
            [["--stack", "dev", "--resources", ""], /^policy: --resources needs a value/, usage],
            [["--stack", "qa"], /^policy: no stack qa: there is no Pulumi\.qa\.yaml \(stacks: dev, /, usage],
            [["--stack", "../dev"], /^policy: --stack "\.\.\/dev" is not a stack name/, usage],
        ];
        for (const [args, expected, withUsage] of cases) {
            errors.length = 0;
            assert.equal(await main(args, out), 2, args.join(" "));
            assert.equal(errors.length, withUsage ? 2 : 1, errors.join("\n"));
            assert.match(errors[0], expected);
        }
    });

    it("exits 2 with one line naming the option and the path for a file it cannot use, never Node's message", async () => {
        fs.mkdirSync(file("folder.json"), { recursive: true });
        fs.writeFileSync(file("object.json"), JSON.stringify({ urn: "x" }));
        const cases: [string, string, RegExp][] = [
            ["--resources", file("missing.json"), /^policy: --resources \S*missing.json does not exist$/],
            ["--resources", file("folder.json"), /^policy: --resources \S*folder.json is a directory$/],
            [
                "--resources",
                file("broken.json"),
                /^policy: --resources \S*broken.json is not valid JSON \(line 1, column 3\)$/,
            ],
            [
                "--resources",
                file("object.json"),
                /^policy: --resources \S*object.json must be a JSON array of resources$/,
            ],
            // A path through a regular file: the error's code, as synth names it, not Node's syscall text.
            [
                "--resources",
                path.join(file("good.json"), "x.json"),
                /^policy: --resources \S*x.json cannot be read \(ENOTDIR\)$/,
            ],
            ["--policy-config", file("folder.json"), /^policy: --policy-config \S*folder.json is a directory$/],
        ];
        for (const [option, value, expected] of cases) {
            errors.length = 0;
            const args = option === "--resources" ? [option, value] : ["--resources", file("good.json"), option, value];
            assert.equal(await main(["--stack", "dev", ...args], out), 2, `${option} ${value}`);
            assert.equal(errors.length, 1, errors.join("\n"));
            assert.match(errors[0], expected);
            assert.doesNotMatch(errors[0], /ENOENT:|EISDIR|Unexpected token|Expected property name/);
        }
    });

    it("exits 2 naming --policy-config for a file it may not read", async function () {
        // root reads any file whatever its mode: nothing to show there.
        if (process.getuid?.() === 0) this.skip();
        fs.writeFileSync(file("secret.json"), "{}");
        fs.chmodSync(file("secret.json"), 0o000);
        errors.length = 0;
        assert.equal(await main(["--stack", "dev", "--policy-config", file("secret.json")], out), 2);
        assert.match(errors[0], /^policy: --policy-config \S*secret.json cannot be read \(EACCES\)$/);
    });

    it("exits 2 with the host's own error on one line when the pack fails to start", async function () {
        this.timeout(60000);
        const broken = path.resolve(__dirname, "broken-pack");
        assert.equal(await main(["--stack", "dev", "--resources", file("good.json")], out, { packDir: broken }), 2);
        assert.equal(errors.length, 1);
        assert.match(
            errors[0],
            /^policy: the policy pack failed to start: .*failed with an unhandled exception: Error: the pack could not load its policies$/,
        );
        assert.equal(
            firstErrorLine("\u001b[90mnoise\u001b[39m\nTSError: Unable to compile TypeScript:\nindex.ts(1,1): x"),
            "TSError: Unable to compile TypeScript: index.ts(1,1): x",
        );
    });

    it("formats a stack violation without a URN and a multi-line message on one line", () => {
        const text = formatViolation({
            policyName: "p",
            enforcementLevel: "advisory",
            message: "first\n  second",
            description: "d",
        });
        assert.equal(text, "ADVISORY p (stack): first second");
        const summary = formatSummary(
            { violations: [], notApplicable: [], warnings: [], policiesRun: 2, resources: 4 },
            "policy: stack x",
        );
        assert.equal(
            summary,
            "policy: stack x: passed: 0 mandatory, 0 advisory violations (2 policies on 4 resources)",
        );
    });
});
