import { strict as assert } from "assert";
import * as fs from "fs";
import { WORKLOAD_TYPES } from "../../policy/lib/kubernetes";
import { podSecurityBaseline, podSecurityRestricted } from "../../policy/policies/pod-security";
import { withEksChildren } from "../../tools/engine-view";
import { runProgram } from "../../tools/mock-runtime";
import {
    formatViolation,
    parsePolicyConfig,
    reconcilePolicyConfig,
    ResourceRecord,
    Violation,
} from "../../tools/policy-runner";
import { policyConfigFile, stackNames } from "../../tools/stack-config";
import { testStackConfig } from "../helpers";
import { applies, change, check, podTemplate, policyHost, resource, statefulSet, violations } from "./fixtures";

const messages = (found: { message: string }[]) => found.map((violation) => violation.message).join("\n");

/** The set with its pod template edited: `pod` is spec.template.spec, `template` the whole template. */
// Inputs are untyped JSON here, as in resources.json.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setWith(edit: (pod: any, template: any) => void): ResourceRecord[] {
    return change([statefulSet()], "nginx", (inputs) => {
        // The fixture shares one securityContext object between its containers: give each its own.
        inputs.spec.template = JSON.parse(JSON.stringify(inputs.spec.template));
        edit(inputs.spec.template.spec, inputs.spec.template);
    });
}

/** The one violation `policy` finds on `stack`, which must be exactly one. */
async function only(policy: typeof podSecurityBaseline, stack: ResourceRecord[]): Promise<string> {
    const found = await violations(policy, stack);
    assert.equal(found.length, 1, messages(found));
    return found[0].message;
}

/** The good pod template in each workload kind the pack judges, in `namespace`. */
function everyKind(namespace = "stateful-nginx", edit: (spec: Record<string, unknown>) => void = () => {}) {
    const template = podTemplate() as { spec: Record<string, unknown> };
    edit(template.spec);
    const object = (type: string, spec: unknown) => {
        const kind = type.split(":")[2];
        return resource(type, kind.toLowerCase(), {
            kind,
            metadata: { name: kind.toLowerCase(), namespace },
            spec,
        });
    };
    return WORKLOAD_TYPES.map((type) => {
        if (type.endsWith(":Pod")) return object(type, template.spec);
        if (type.endsWith(":CronJob")) return object(type, { schedule: "@daily", jobTemplate: { spec: { template } } });
        return object(type, { template });
    });
}

describe("policy pod-security-baseline", () => {
    it("passes the restricted pod template in every workload kind", async () => {
        assert.ok(await applies(podSecurityBaseline, [statefulSet()]));
        assert.deepEqual(await violations(podSecurityBaseline, everyKind()), []);
    });

    it("passes what baseline allows: default capabilities, safe sysctls, confining profiles, container SELinux types", async () => {
        const stack = setWith((pod, template) => {
            template.metadata.annotations = {
                "container.apparmor.security.beta.kubernetes.io/nginx": "runtime/default",
            };
            pod.securityContext.sysctls = [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }];
            pod.securityContext.appArmorProfile = { type: "RuntimeDefault" };
            pod.securityContext.seLinuxOptions = { type: "container_t", level: "s0:c123,c456" };
            pod.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE", "CHOWN"];
            pod.containers[0].securityContext.seccompProfile = { type: "Localhost", localhostProfile: "nginx.json" };
            pod.containers[0].securityContext.procMount = "Default";
            pod.containers[0].ports[0].hostPort = 0;
        });
        assert.deepEqual(await violations(podSecurityBaseline, stack), []);
    });

    it("catches each host namespace, naming the resource and the field", async () => {
        for (const [field, namespace] of [
            ["hostNetwork", "network"],
            ["hostPID", "process \\(PID\\)"],
            ["hostIPC", "IPC"],
        ]) {
            const message = await only(
                podSecurityBaseline,
                setWith((pod) => (pod[field] = true)),
            );
            assert.match(
                message,
                new RegExp(
                    `^StatefulSet stateful-nginx/nginx: the pod shares the node's ${namespace} namespace ` +
                        `\\(${field}: true\\) at spec.template.spec.${field}: .*\\(Pod Security baseline, hostNamespaces\\)\\.$`,
                ),
            );
        }
    });

    it("catches a hostPath of /", async () => {
        const stack = setWith((pod) => (pod.volumes = [{ name: "root", hostPath: { path: "/" } }]));
        assert.match(
            await only(podSecurityBaseline, stack),
            /the pod mounts the node's \/ \(volume root is a hostPath\) at spec.template.spec.volumes\[0\].hostPath/,
        );
        // restricted does not report it again.
        assert.deepEqual(await violations(podSecurityRestricted, stack), []);
    });

    it("catches SYS_ADMIN (once: restricted leaves capabilities beyond the default set to baseline)", async () => {
        const stack = setWith((pod) => (pod.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]));
        assert.match(
            await only(podSecurityBaseline, stack),
            /container nginx adds SYS_ADMIN, beyond the runtime's default set at spec.template.spec.containers\[0\].securityContext.capabilities.add/,
        );
        assert.deepEqual(await violations(podSecurityRestricted, stack), []);
    });

    it("catches a hostPort", async () => {
        const stack = setWith((pod) => (pod.containers[0].ports[0].hostPort = 8080));
        assert.match(
            await only(podSecurityBaseline, stack),
            /container nginx binds port 8080 of the node \(hostPort: 8080\) at spec.template.spec.containers\[0\].ports\[0\].hostPort/,
        );
    });

    it("catches a privileged init container and an unmasked procMount", async () => {
        const stack = setWith((pod) => {
            pod.initContainers[0].securityContext.privileged = true;
            pod.containers[0].securityContext.procMount = "Unmasked";
        });
        const text = messages(await violations(podSecurityBaseline, stack));
        assert.match(
            text,
            /init container write-page runs privileged \(privileged: true\) at spec.template.spec.initContainers\[0\].securityContext.privileged/,
        );
        assert.match(
            text,
            /container nginx mounts \/proc unmasked \(procMount: Unmasked\) at .*containers\[0\].securityContext.procMount/,
        );
    });

    it("catches unconfined seccomp and AppArmor (field and legacy annotation) and custom SELinux options", async () => {
        const stack = setWith((pod, template) => {
            template.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/nginx": "unconfined" };
            pod.securityContext.seccompProfile = { type: "Unconfined" };
            pod.containers[0].securityContext.appArmorProfile = { type: "Unconfined" };
            pod.containers[0].securityContext.seLinuxOptions = { type: "spc_t", user: "system_u", role: "system_r" };
        });
        const found = await violations(podSecurityBaseline, stack);
        const text = messages(found);
        assert.equal(found.length, 6, text);
        assert.match(
            text,
            /the pod sets the seccomp profile type Unconfined at spec.template.spec.securityContext.seccompProfile.type/,
        );
        assert.match(
            text,
            /container nginx sets the AppArmor profile type Unconfined at .*containers\[0\].securityContext.appArmorProfile.type/,
        );
        assert.match(
            text,
            /the pod sets the AppArmor profile unconfined through the legacy annotation at spec.template.metadata.annotations\[container.apparmor.security.beta.kubernetes.io\/nginx\]/,
        );
        assert.match(text, /container nginx sets the SELinux type spc_t at .*seLinuxOptions.type/);
        assert.match(text, /sets the SELinux user system_u at .*seLinuxOptions.user/);
        assert.match(text, /sets the SELinux role system_r at .*seLinuxOptions.role/);
    });

    it("catches unsafe sysctls, Windows host processes and probes sent to another host", async () => {
        const stack = setWith((pod) => {
            pod.securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }];
            pod.securityContext.windowsOptions = { hostProcess: true };
            pod.containers[0].livenessProbe.httpGet.host = "169.254.169.254";
        });
        const text = messages(await violations(podSecurityBaseline, stack));
        assert.match(
            text,
            /the pod sets the sysctl kernel.msgmax, outside the safe set at spec.template.spec.securityContext.sysctls\[0\].name/,
        );
        assert.match(
            text,
            /the pod runs as a Windows host process .* at spec.template.spec.securityContext.windowsOptions.hostProcess/,
        );
        assert.match(
            text,
            /container nginx sends a probe or lifecycle hook to the host 169.254.169.254 at .*livenessProbe.httpGet.host/,
        );
    });

    it("reads CronJobs, Pods and ephemeral containers, with their own paths", async () => {
        const stack = everyKind("stateful-nginx", (spec) => {
            spec.ephemeralContainers = [
                { name: "debug", image: "busybox:1.37.0", securityContext: { privileged: true } },
            ];
        });
        const found = await violations(podSecurityBaseline, stack);
        assert.equal(found.length, WORKLOAD_TYPES.length, messages(found));
        const text = messages(found);
        assert.match(
            text,
            /CronJob stateful-nginx\/cronjob: ephemeral container debug runs privileged .* at spec.jobTemplate.spec.template.spec.ephemeralContainers\[0\].securityContext.privileged/,
        );
        assert.match(
            text,
            /Pod stateful-nginx\/pod: ephemeral container debug runs privileged .* at spec.ephemeralContainers\[0\]/,
        );
        assert.match(text, /DaemonSet stateful-nginx\/daemonset: /);
    });

    it("skips the excluded namespaces: metallb-system unless the config names others", async () => {
        const hostNetwork = (namespace: string) =>
            everyKind(namespace, (spec) => (spec.hostNetwork = true)).slice(0, 1);
        assert.deepEqual(await violations(podSecurityBaseline, hostNetwork("metallb-system")), []);
        assert.equal((await violations(podSecurityBaseline, hostNetwork("metallb"))).length, 1);
        const moved = { excludedNamespaces: ["kube-system", "metallb"] };
        assert.deepEqual(await violations(podSecurityBaseline, hostNetwork("metallb"), moved), []);
        assert.equal((await violations(podSecurityBaseline, hostNetwork("metallb-system"), moved)).length, 1);
    });
});

describe("policy pod-security-restricted", () => {
    it("passes the restricted pod template in every workload kind", async () => {
        assert.ok(await applies(podSecurityRestricted, [statefulSet()]));
        assert.deepEqual(await violations(podSecurityRestricted, everyKind()), []);
    });

    it("passes runAsNonRoot and seccomp set on every container instead of the pod", async () => {
        const stack = setWith((pod) => {
            pod.securityContext = {};
            for (const container of [...pod.initContainers, ...pod.containers]) {
                container.securityContext.runAsNonRoot = true;
                container.securityContext.seccompProfile = { type: "RuntimeDefault" };
            }
            pod.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"];
        });
        assert.deepEqual(await violations(podSecurityRestricted, stack), []);
    });

    it("catches runAsUser 1000 without runAsNonRoot, on each container", async () => {
        const stack = setWith((pod) => {
            pod.securityContext = { runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } };
            for (const container of [...pod.initContainers, ...pod.containers])
                delete container.securityContext.runAsNonRoot;
        });
        const found = await violations(podSecurityRestricted, stack);
        assert.equal(found.length, 2, messages(found));
        assert.match(
            found[1].message,
            /^StatefulSet stateful-nginx\/nginx: container nginx may run as root: neither it nor the pod sets securityContext.runAsNonRoot: true \(runAsUser: 1000 alone is not enough.*\) at spec.template.spec.containers\[0\].securityContext.runAsNonRoot: .*\(Pod Security restricted, runAsNonRoot\)\.$/,
        );
        assert.match(found[0].message, /init container write-page may run as root/);
    });

    it("catches runAsNonRoot: false, and runAsUser 0 that a pod-level runAsNonRoot does not hide", async () => {
        const stack = setWith((pod) => {
            pod.initContainers[0].securityContext.runAsNonRoot = false;
            pod.containers[0].securityContext.runAsUser = 0;
        });
        const text = messages(await violations(podSecurityRestricted, stack));
        assert.match(
            text,
            /init container write-page allows root \(runAsNonRoot: false\) at .*initContainers\[0\].securityContext.runAsNonRoot/,
        );
        assert.match(
            text,
            /container nginx runs as root \(runAsUser: 0\) at spec.template.spec.containers\[0\].securityContext.runAsUser/,
        );
    });

    it("catches privilege escalation, no seccomp profile, capabilities not dropped or added, and restricted volumes", async () => {
        const stack = setWith((pod) => {
            delete pod.securityContext.seccompProfile;
            delete pod.containers[0].securityContext.allowPrivilegeEscalation;
            pod.containers[0].securityContext.capabilities = { add: ["CHOWN"] };
            pod.volumes = [{ name: "share", nfs: { server: "nfs.example.com", path: "/" } }, { name: "scratch" }];
        });
        const found = await violations(podSecurityRestricted, stack);
        const text = messages(found);
        assert.match(
            text,
            /container nginx may gain privileges .* at spec.template.spec.containers\[0\].securityContext.allowPrivilegeEscalation/,
        );
        assert.match(
            text,
            /init container write-page runs without a seccomp profile.* at .*initContainers\[0\].securityContext.seccompProfile.type/,
        );
        assert.match(
            text,
            /container nginx keeps the runtime's default capabilities .* at .*containers\[0\].securityContext.capabilities.drop/,
        );
        assert.match(
            text,
            /container nginx adds CHOWN at .*containers\[0\].securityContext.capabilities.add: add at most NET_BIND_SERVICE/,
        );
        // A volume with no source is an emptyDir, which restricted allows.
        assert.match(text, /the pod mounts a nfs volume \(share\) at spec.template.spec.volumes\[0\].nfs/);
        assert.equal(found.length, 6, text);
    });

    it("exempts Windows pods from the Linux-only controls, as pod-security-admission does", async () => {
        const stack = setWith((pod) => {
            pod.os = { name: "windows" };
            delete pod.securityContext.seccompProfile;
            for (const container of [...pod.initContainers, ...pod.containers]) {
                delete container.securityContext.allowPrivilegeEscalation;
                delete container.securityContext.capabilities;
            }
        });
        assert.deepEqual(await violations(podSecurityRestricted, stack), []);
    });
});

describe("pod policies' excluded namespaces", () => {
    it("exempt, in each shipped stack's policy config, the namespace the stack installs MetalLB into", async () => {
        const info = (await policyHost()).info;
        const podPolicies = info.policies.filter((policy) => policy.configSchema?.properties.excludedNamespaces);
        assert.ok(podPolicies.length >= 6, podPolicies.map((policy) => policy.name).join(", "));
        let checked = 0;
        for (const stack of stackNames()) {
            const metallb = JSON.parse(testStackConfig(stack).config["stateful-nginx:metallb"] ?? "{}") as {
                install?: boolean;
                namespace?: string;
            };
            if (metallb.install !== true) continue;
            const file = policyConfigFile(stack);
            const given = parsePolicyConfig(file ? JSON.parse(fs.readFileSync(file, "utf8")) : {});
            const { config } = reconcilePolicyConfig(info.policies, info.initialConfig, given);
            for (const policy of podPolicies) {
                const excluded = config.get(policy.name)?.properties.excludedNamespaces as string[];
                assert.ok(excluded.includes(metallb.namespace ?? "metallb-system"), `${stack} ${policy.name}`);
                checked++;
            }
        }
        assert.ok(checked > 0, "no shipped stack installs MetalLB");
    });
});

/** What the engine would be shown for a shipped stack during a preview (see stacks.spec.ts). */
async function synthesized(stack: string): Promise<ResourceRecord[]> {
    const { config, secretKeys } = testStackConfig(stack);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = () => (require("../../index") as () => Promise<unknown>)();
    const run = await runProgram(program, { stack, config, secretKeys, preview: true });
    return withEksChildren(run.resources, { preview: true });
}

function stackPolicyConfig(stack: string): unknown {
    const file = policyConfigFile(stack);
    return file && JSON.parse(fs.readFileSync(file, "utf8"));
}

const POD_POLICIES = /^(pod-security-|workload-)/;

describe("policy pack on synthesized stacks with a violation injected", () => {
    const records = new Map<string, ResourceRecord[]>();
    before(async function () {
        this.timeout(120_000);
        for (const stack of ["dev", "prod"]) records.set(stack, await synthesized(stack));
    });

    /** The shipped stack with the StatefulSet's pod spec edited. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    function withSet(stack: string, edit: (pod: any) => void): { stack: ResourceRecord[]; urn: string } {
        const all = records.get(stack) ?? [];
        const set = all.find((record) => record.type === "kubernetes:apps/v1:StatefulSet");
        assert.ok(set, `${stack} has no StatefulSet`);
        const edited = change(all, set.name, (inputs) => {
            if (inputs.kind === "StatefulSet") edit(inputs.spec.template.spec);
        });
        return { stack: edited, urn: set.urn };
    }

    const named = (found: Violation[]) => found.map((v) => `${v.enforcementLevel} ${v.policyName}`).sort();

    for (const stack of ["dev", "prod"]) {
        it(`runs the ${stack} stack's own pods without any pod violation, advisory included`, async () => {
            const report = await check(records.get(stack) ?? [], stackPolicyConfig(stack), "preview");
            const pods = report.violations.filter((violation) => POD_POLICIES.test(violation.policyName));
            assert.deepEqual(pods.map(formatViolation), []);
            const jobs = records.get(stack)?.filter((record) => record.type === "kubernetes:batch/v1:Job") ?? [];
            // dev verifies itself with a Job in the workload's namespace; prod runs no Job.
            assert.equal(
                jobs.some((job) => /-verify$/.test(job.name)),
                stack === "dev",
            );
        });
    }

    it("runs dev's own Job in MetalLB's namespace (the webhook check) without a pod violation, exempt or not", async () => {
        const all = records.get("dev") ?? [];
        const job = all.find((record) => record.type.endsWith(":Job") && /webhook-check/.test(record.name));
        assert.ok(job, "dev has no webhook check Job");
        const config = JSON.parse(JSON.stringify(stackPolicyConfig("dev"))) as Record<string, Record<string, unknown>>;
        for (const entry of Object.values(config)) {
            if (entry.excludedNamespaces) entry.excludedNamespaces = [];
        }
        const report = await check(all, config, "preview");
        const pods = report.violations.filter((violation) => POD_POLICIES.test(violation.policyName));
        assert.deepEqual(pods.map(formatViolation), []);
        // Judged, not skipped.
        const skipped = report.notApplicable.filter((entry) => entry.urn === job.urn);
        assert.ok(!skipped.some((entry) => entry.policyName === "pod-security-restricted"), JSON.stringify(skipped));
    });

    it("names hostNetwork on dev's StatefulSet by pod-security-baseline, mandatory, and nothing else", async () => {
        const { stack, urn } = withSet("dev", (pod) => (pod.hostNetwork = true));
        const report = await check(stack, stackPolicyConfig("dev"), "preview");
        const pods = report.violations.filter((violation) => POD_POLICIES.test(violation.policyName));
        assert.deepEqual(named(pods), ["mandatory pod-security-baseline"], pods.map(formatViolation).join("\n"));
        assert.equal(pods[0].urn, urn);
        assert.match(pods[0].message, /hostNetwork: true/);
    });

    it("names runAsUser 1000 without runAsNonRoot on prod's StatefulSet by pod-security-restricted, mandatory", async () => {
        const { stack, urn } = withSet("prod", (pod) => {
            pod.securityContext.runAsUser = 1000;
            delete pod.securityContext.runAsNonRoot;
            for (const container of [...pod.initContainers, ...pod.containers])
                delete container.securityContext.runAsNonRoot;
        });
        const report = await check(stack, stackPolicyConfig("prod"), "preview");
        const pods = report.violations.filter((violation) => POD_POLICIES.test(violation.policyName));
        // One per container: write-page, nginx and the nginx-exporter sidecar.
        assert.deepEqual(named(pods), Array(3).fill("mandatory pod-security-restricted"));
        assert.ok(pods.every((violation) => violation.urn === urn));
        assert.ok(
            pods.some((violation) => violation.message.includes("nginx-exporter")),
            pods.map(formatViolation).join("\n"),
        );
    });

    it("names nginx:stable on prod's StatefulSet by workload-image-pinned, mandatory", async () => {
        const { stack, urn } = withSet("prod", (pod) => {
            for (const container of [...pod.initContainers, ...pod.containers]) container.image = "nginx:stable";
        });
        const report = await check(stack, stackPolicyConfig("prod"), "preview");
        const pods = report.violations.filter((violation) => POD_POLICIES.test(violation.policyName));
        // One per container: write-page, nginx and the nginx-exporter sidecar.
        assert.deepEqual(named(pods), Array(3).fill("mandatory workload-image-pinned"));
        assert.ok(pods.every((violation) => violation.urn === urn && /nginx:stable/.test(violation.message)));
        assert.ok(
            pods.some((violation) => violation.message.includes("nginx-exporter")),
            pods.map(formatViolation).join("\n"),
        );
    });

    it("names a hostPath of / and SYS_ADMIN on dev's StatefulSet by pod-security-baseline only", async () => {
        const { stack } = withSet("dev", (pod) => {
            pod.volumes.push({ name: "host", hostPath: { path: "/" } });
            pod.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"];
        });
        const report = await check(stack, stackPolicyConfig("dev"), "preview");
        const pods = report.violations.filter((violation) => POD_POLICIES.test(violation.policyName));
        assert.deepEqual(named(pods), ["mandatory pod-security-baseline", "mandatory pod-security-baseline"]);
    });

    it("names minAvailable 90% on prod's three pods by statefulset-disruption-budget, mandatory", async () => {
        const all = records.get("prod") ?? [];
        const budget = all.find((record) => record.type === "kubernetes:policy/v1:PodDisruptionBudget");
        assert.ok(budget, "prod has no PodDisruptionBudget");
        // Stack policies judge what the provider reported: the budget's outputs change with its inputs.
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const ninetyPercent = (props: any) => {
            if (props?.kind !== "PodDisruptionBudget") return;
            delete props.spec.maxUnavailable;
            props.spec.minAvailable = "90%";
        };
        const stack = change(all, budget.name, ninetyPercent).map((record) => {
            if (record.urn !== budget.urn || !record.outputs) return record;
            const outputs = structuredClone(record.outputs);
            ninetyPercent(outputs);
            return { ...record, outputs };
        });
        const found = (await check(stack, stackPolicyConfig("prod"), "preview")).violations;
        const mandatory = found.filter((violation) => violation.enforcementLevel === "mandatory");
        assert.deepEqual(
            named(mandatory),
            ["mandatory statefulset-disruption-budget"],
            found.map(formatViolation).join("\n"),
        );
        assert.equal(mandatory[0].urn, budget.urn);
        assert.match(mandatory[0].message, /minAvailable: "90%" on 3 replicas is 3 pods/);
    });
});
