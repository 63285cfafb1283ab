import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policy/pack";
import { PackInfo, parsePolicyConfig, reconcilePolicyConfig } from "../../tools/policy-runner";
import { policyHost } from "./fixtures";

const POLICY_DIR = path.resolve(__dirname, "../../policy");
const LEVEL_RANK = { disabled: 0, advisory: 1, remediate: 2, mandatory: 2 } as const;

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory())
            return entry.name === "node_modules" || entry.name === "config" ? [] : filesUnder(full);
        return entry.name.endsWith(".ts") ? [full] : [];
    });
}

let info: PackInfo;

function configFor(stack: string) {
    const raw = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "config", `${stack}.json`), "utf8"));
    return reconcilePolicyConfig(info.policies, info.initialConfig, parsePolicyConfig(raw));
}

/** The bare package a module specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

describe("policy pack", () => {
    before(async () => {
        info = (await policyHost()).info;
    });

    it("is what the analyzer host serves: every policy, with its level, kind and config schema", () => {
        assert.equal(info.name, "stateful-nginx");
        assert.deepEqual(
            info.policies.map((policy) => policy.name),
            policies.map((policy) => policy.name),
        );
        for (const policy of policies) {
            const served = info.policies.find((candidate) => candidate.name === policy.name);
            assert.equal(served?.enforcementLevel, policy.enforcementLevel, policy.name);
            assert.equal(served?.kind, "validateStack" in policy ? "stack" : "resource", policy.name);
            assert.deepEqual(
                Object.keys(served?.configSchema?.properties ?? {}).sort(),
                Object.keys(policy.configSchema?.properties ?? {}).sort(),
            );
        }
    });

    it("names every policy in kebab-case, once, with a description, a level and remediation steps", () => {
        const names = policies.map((policy) => policy.name);
        assert.equal(new Set(names).size, names.length);
        for (const policy of policies) {
            assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(policy.description.length > 20, policy.name);
            assert.ok(policy.enforcementLevel, policy.name);
            assert.ok((policy.remediationSteps ?? "").length > 20, policy.name);
            assert.match(policy.url ?? "", /^https:\/\//, policy.name);
        }
    });

    it("holds every policy each module under policy/policies exports", () => {
        for (const file of fs.readdirSync(path.join(POLICY_DIR, "policies"))) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exported = Object.values(require(path.join(POLICY_DIR, "policies", file)) as Record<string, unknown>);
            const own = exported.filter(
                (value): value is { name: string } =>
                    typeof value === "object" && value !== null && !Array.isArray(value) && "description" in value,
            );
            assert.ok(own.length > 0, `${file} exports no policy`);
            for (const policy of own)
                assert.ok(policies.includes(policy as never), `${policy.name} of ${file} is not in the pack`);
        }
    });

    it("imports nothing from outside policy/, and declares every package it imports", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")) as {
            dependencies?: Record<string, string>;
        };
        const declared = Object.keys(manifest.dependencies ?? {});
        const imported = new Set<string>();
        for (const file of filesUnder(POLICY_DIR)) {
            const source = fs.readFileSync(file, "utf8");
            for (const [, specifier] of source.matchAll(/(?:from\s+|require\()"([^"]+)"/g)) {
                if (specifier.startsWith(".")) {
                    const target = path.resolve(path.dirname(file), specifier);
                    assert.ok(target.startsWith(POLICY_DIR + path.sep), `${file} imports ${specifier}`);
                } else {
                    imported.add(packageOf(specifier));
                    assert.ok(
                        declared.includes(packageOf(specifier)),
                        `${file} imports ${specifier}, not in policy/package.json`,
                    );
                }
            }
        }
        assert.ok(imported.has("ipaddr.js") && imported.has("@pulumi/policy"));
        // A TypeScript pack: run-policy-pack loads it through ts-node and typescript from the pack's own
        // dependencies (@pulumi/pulumi tsutils.ts, typeScriptRequireStrings), else an old vendored copy.
        for (const needed of ["@pulumi/pulumi", "ts-node", "typescript"]) assert.ok(declared.includes(needed), needed);
        // Pinned at the root's versions, so the workspace keeps one copy of each.
        const root = JSON.parse(fs.readFileSync(path.resolve(POLICY_DIR, "..", "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
            devDependencies: Record<string, string>;
            workspaces: string[];
        };
        assert.ok(root.workspaces.includes("policy"));
        for (const [name, version] of Object.entries(manifest.dependencies ?? {})) {
            assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is not pinned`);
            const atRoot = root.dependencies[name] ?? root.devDependencies[name];
            if (atRoot !== undefined) assert.equal(version, atRoot, name);
        }
    });

    it("has a tsconfig of its own that extends nothing outside policy/", () => {
        const tsconfig = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "tsconfig.json"), "utf8")) as {
            extends?: string;
            compilerOptions?: Record<string, unknown>;
        };
        assert.equal(tsconfig.extends, undefined);
        // The host's ts-node would otherwise type-check the pack at every pulumi preview.
        assert.equal(tsconfig.compilerOptions?.noCheck, true);
    });

    it("has a valid config for each stack, naming only policies of the pack", () => {
        for (const stack of ["dev", "prod"]) {
            const { config, warnings } = configFor(stack);
            assert.deepEqual(warnings, [], stack);
            assert.equal([...config.keys()].filter((name) => name !== "all").length, policies.length);
        }
    });

    it("is at least as strict in prod as in dev, and stricter somewhere", () => {
        const dev = configFor("dev").config;
        const prod = configFor("prod").config;
        const stricter: string[] = [];
        for (const policy of policies) {
            const [devLevel, prodLevel] = [dev.get(policy.name), prod.get(policy.name)].map(
                (entry) => LEVEL_RANK[entry?.enforcementLevel ?? "advisory"],
            );
            assert.ok(prodLevel >= devLevel, policy.name);
            if (prodLevel > devLevel) stricter.push(policy.name);
        }
        assert.ok(stricter.includes("loadbalancer-source-ranges"));
        assert.equal(dev.get("loadbalancer-source-ranges")?.enforcementLevel, "advisory");
        assert.equal(prod.get("eks-endpoint-restricted")?.enforcementLevel, "mandatory");
    });

    it("lets each environment's ExternalName hosts point only at its own domains", () => {
        const suffixes = (stack: string) =>
            (configFor(stack).config.get("externalname-safe")?.properties.allowedSuffixes ?? []) as string[];
        const readHosts = (stack: string) =>
            [
                ...fs
                    .readFileSync(path.resolve(POLICY_DIR, "..", `Pulumi.${stack}.yaml`), "utf8")
                    .matchAll(/^\s+\w+: ([a-z0-9.-]+\.example\.com)$/gm),
            ].map((match) => match[1]);
        for (const stack of ["dev", "prod"]) {
            const hosts = readHosts(stack);
            assert.ok(hosts.length >= 2, stack);
            const other = stack === "dev" ? "prod" : "dev";
            for (const host of hosts) {
                assert.ok(
                    suffixes(stack).some((suffix) => host.endsWith(suffix.replace(/^\./, ""))),
                    `${stack} ${host}`,
                );
                assert.ok(
                    !suffixes(other).some((suffix) => host === suffix || host.endsWith(suffix)),
                    `${other} ${host}`,
                );
            }
        }
    });
});
