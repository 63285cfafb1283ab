import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, parseConfig, RawConfig } from "../config";
import { INSTALL_ONLY_DEFAULTS } from "../config/metallb";
import { localStackFile } from "../tools/local-stack";
import { PROJECT_ROOT, readStackFile, stackFilePath } from "../tools/stack-config";
import { asPolicySees, parseExports, propertyDifferences } from "./engine/local-engine";

const dev = fs.readFileSync(stackFilePath("dev"), "utf8");

describe("the local engine's stack and pins (offline)", () => {
    it("makes the local stack from dev: MetalLB present (install: false), no install-only key, the rest dev's", () => {
        const local = parse(localStackFile(dev)).config;
        const devConfig = parse(dev).config;
        const metallb = local[`${CONFIG_NAMESPACE}:metallb`];
        assert.strictEqual(metallb.install, false);
        for (const key of Object.keys(INSTALL_ONLY_DEFAULTS)) assert.ok(!(key in metallb), `${key} is still set`);
        const { install: _a, ...devRest } = devConfig[`${CONFIG_NAMESPACE}:metallb`];
        const { install: _b, ...localRest } = metallb;
        for (const key of Object.keys(INSTALL_ONLY_DEFAULTS)) delete (devRest as Record<string, unknown>)[key];
        assert.deepStrictEqual(localRest, devRest);
        for (const key of Object.keys(devConfig).filter((k) => k !== `${CONFIG_NAMESPACE}:metallb`)) {
            assert.deepStrictEqual(local[key], devConfig[key], key);
        }
    });

    it("makes a local stack the program's config accepts", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "local-stack-")), "Pulumi.local.yaml");
        fs.writeFileSync(file, localStackFile(dev));
        const raw: RawConfig = {};
        for (const [key, value] of Object.entries(readStackFile(file).config)) {
            if (key.startsWith(`${CONFIG_NAMESPACE}:`)) raw[key.slice(CONFIG_NAMESPACE.length + 1)] = value;
        }
        const config = parseConfig(raw);
        assert.strictEqual(config.platform, "baremetal");
        fs.rmSync(path.dirname(file), { recursive: true });
    });

    it("pins the Pulumi CLI the engine builds to the @pulumi/pulumi version of package-lock.json", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));
        const sdk = lock.packages["node_modules/@pulumi/pulumi"].version as string;
        const goMod = fs.readFileSync(path.join(PROJECT_ROOT, "engine", "pulumi", "go.mod"), "utf8");
        assert.match(goMod, new RegExp(`github\\.com/pulumi/pulumi/pkg/v3 v${sdk.replace(/\./g, "\\.")}\\b`));
    });

    it("reads engine/cluster.sh's exports, with $PATH taken from the caller", () => {
        const env = parseExports('export PATH="/cache/bin:$PATH"\nexport PULUMI_SKIP_UPDATE_CHECK=true\n', "/usr/bin");
        assert.deepStrictEqual(env, { PATH: "/cache/bin:/usr/bin", PULUMI_SKIP_UPDATE_CHECK: "true" });
    });

    it("compares the model's properties with the engine's leaf by leaf, as a policy reads them", () => {
        const sentinel = "unknown-sentinel";
        const model = asPolicySees(
            {
                spec: { ports: [{ port: 80 }], ip: sentinel, flag: false },
                secret: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s" },
            },
            sentinel,
        );
        assert.deepStrictEqual(
            propertyDifferences(model, { spec: { ports: [{ port: 80 }], ip: "<unknown>", flag: false }, secret: "s" }),
            [],
        );
        assert.deepStrictEqual(
            propertyDifferences(model, { spec: { ports: [{ port: 81 }], ip: "<unknown>" }, secret: "s" }),
            [
                { path: ".spec.flag", model: false, real: undefined },
                { path: ".spec.ports", model: [{ port: 80 }], real: [{ port: 81 }] },
            ],
        );
    });
});
