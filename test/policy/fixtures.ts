/**
 * Small stacks of resources, in the synth's resources.json shape, for the policy specs: a good stack that
 * every policy passes, and `change` to make one resource bad. The policies run in the real analyzer host
 * (one per test run, or per file in parallel mode; started on first use), called as the engine calls it, in both the preview
 * and the update view.
 */
import { strict as assert } from "assert";
import type { Policies } from "@pulumi/policy";
import { UNKNOWN } from "../../tools/mock-runtime";
import { PolicyHost, PolicyReport, ResourceRecord, runPolicies, Violation } from "../../tools/policy-runner";

export { UNKNOWN };

let started: Promise<PolicyHost> | undefined;

/** The analyzer host on policy/, shared by every spec (Configure is sent before each run). */
export function policyHost(): Promise<PolicyHost> {
    started ??= PolicyHost.start({ stack: "test" });
    return started;
}

/**
 * Stops the host, if one runs; the next `policyHost()` starts another. test/root-hooks.ts calls it once the
 * specs are done: after the whole run, or after each file in mocha's parallel mode.
 */
export async function closePolicyHost(): Promise<void> {
    const host = started;
    started = undefined;
    if (host) (await host).close();
}

type Inputs = Record<string, unknown>;

const STACK = "urn:pulumi:test::stateful-nginx::";

export function resource(type: string, name: string, inputs: Inputs, parent: string | null = null): ResourceRecord {
    const qualified = parent ? `${parent.split("::")[2]}$${type}` : type;
    return { urn: `${STACK}${qualified}::${name}`, type, name, parent, dependencies: [], provider: null, inputs };
}

const SELECTOR = { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "nginx" };
const LABELS = { ...SELECTOR, "app.kubernetes.io/part-of": "stateful-nginx" };
const NAMESPACE = "stateful-nginx";

function object(type: string, kind: string, name: string, spec: Inputs, metadata: Inputs = {}): ResourceRecord {
    const apiVersion = type.split(":")[1].replace(/^core\//, "");
    return resource(type, name, {
        apiVersion,
        kind,
        metadata: { name, namespace: NAMESPACE, labels: LABELS, ...metadata },
        spec,
    });
}

const securityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
};
const resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } };
const probe = { httpGet: { path: "/", port: "http" }, timeoutSeconds: 2 };

export function podTemplate(labels: Inputs = LABELS): Inputs {
    return {
        metadata: { labels },
        spec: {
            securityContext: {
                runAsNonRoot: true,
                runAsUser: 101,
                fsGroup: 101,
                seccompProfile: { type: "RuntimeDefault" },
            },
            initContainers: [
                {
                    name: "write-page",
                    image: "nginxinc/nginx-unprivileged:1.29.3-alpine",
                    resources,
                    securityContext,
                },
            ],
            containers: [
                {
                    name: "nginx",
                    image: "nginxinc/nginx-unprivileged:1.29.3-alpine",
                    ports: [{ name: "http", containerPort: 8080 }],
                    resources,
                    securityContext,
                    readinessProbe: { ...probe, periodSeconds: 5 },
                    livenessProbe: { ...probe, periodSeconds: 10, failureThreshold: 6 },
                },
            ],
        },
    };
}

export function statefulSet(name = "nginx", labels: Inputs = LABELS): ResourceRecord {
    return object("kubernetes:apps/v1:StatefulSet", "StatefulSet", name, {
        serviceName: name,
        replicas: 3,
        selector: { matchLabels: SELECTOR },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: podTemplate(labels),
        volumeClaimTemplates: [
            {
                metadata: { name: "nginx-persistent-storage" },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: "standard",
                    resources: { requests: { storage: "1Gi" } },
                },
            },
        ],
    });
}

export function service(name: string, spec: Inputs, metadata: Inputs = {}): ResourceRecord {
    return object("kubernetes:core/v1:Service", "Service", name, spec, metadata);
}

export function pool(name: string, addresses: string[]): ResourceRecord {
    return resource("kubernetes:metallb.io/v1beta1:IPAddressPool", name, {
        apiVersion: "metallb.io/v1beta1",
        kind: "IPAddressPool",
        metadata: { name, namespace: "metallb-system" },
        spec: { addresses, autoAssign: true },
    });
}

export function l2Advertisement(name: string, pools: string[]): ResourceRecord {
    return resource("kubernetes:metallb.io/v1beta1:L2Advertisement", name, {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name, namespace: "metallb-system" },
        spec: { ipAddressPools: pools },
    });
}

const http = [{ name: "http", port: 80, targetPort: "http" }];

/** A bare-metal stack every policy passes: the set, its Services, its budget and a MetalLB pool. */
export function goodStack(): ResourceRecord[] {
    return [
        statefulSet(),
        service("nginx", { clusterIP: "None", selector: SELECTOR, ports: http }),
        service("nginx-clusterip", { type: "ClusterIP", selector: SELECTOR, ports: http }),
        service("nginx-nodeport", { type: "NodePort", selector: SELECTOR, ports: [{ ...http[0], nodePort: 30080 }] }),
        service("nginx-lb", {
            type: "LoadBalancer",
            selector: SELECTOR,
            ports: http,
            loadBalancerSourceRanges: ["203.0.113.0/24"],
        }),
        service("database", { type: "ExternalName", externalName: "db.dev.example.com" }),
        object("kubernetes:policy/v1:PodDisruptionBudget", "PodDisruptionBudget", "nginx", {
            maxUnavailable: 1,
            selector: { matchLabels: SELECTOR },
        }),
        pool("default-pool", ["172.18.255.200-172.18.255.250"]),
        l2Advertisement("default-l2", ["default-pool"]),
    ];
}

/**
 * An EKS stack as the engine shows it: the eks components (remote, so no properties) and the children
 * pulumi-eks 4.3.0 creates for them, with the values the prod stack gives (nodejs/eks/cluster/cluster.ts
 * `createCore` and nodejs/eks/nodes/nodegroup.ts `createManagedNodeGroup` at v4.3.0).
 */
export function eksResources(): ResourceRecord[] {
    const cluster = { ...resource("eks:index:Cluster", "eks-cluster", {}), remote: true };
    const nodes = { ...resource("eks:index:ManagedNodeGroup", "eks-nodes", {}), remote: true };
    const tags = { environment: "prod", project: "stateful-nginx" };
    return [
        cluster,
        resource(
            "aws:eks/cluster:Cluster",
            "eks-cluster-eksCluster",
            {
                roleArn: "arn:aws:iam::123456789012:role/eks-cluster-eksRole-0f1e2d3",
                bootstrapSelfManagedAddons: true,
                vpcConfig: {
                    securityGroupIds: ["sg-0a1b2c3d4e5f60718"],
                    subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
                    endpointPrivateAccess: true,
                    endpointPublicAccess: true,
                    publicAccessCidrs: ["203.0.113.0/24"],
                },
                version: "1.34",
                tags: { Name: "eks-cluster-eksCluster", ...tags },
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
                upgradePolicy: { supportType: "STANDARD" },
            },
            cluster.urn,
        ),
        nodes,
        resource(
            "aws:eks/nodeGroup:NodeGroup",
            "eks-nodes",
            {
                nodeGroupName: "eks-cluster-nodegroup",
                instanceTypes: ["t3.medium"],
                tags,
                clusterName: "eks-cluster-eksCluster-6a1c0f2",
                nodeRoleArn: "arn:aws:iam::123456789012:role/eks-nodes-role-4b2d9e1",
                scalingConfig: { desiredSize: 2, minSize: 1, maxSize: 3 },
                subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
            },
            nodes.urn,
        ),
    ];
}

/** A deep copy of `stack` with `edit` applied to the inputs of the resource named `name`. */
// Inputs are untyped JSON here, as in resources.json: tests reach into them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function change(stack: ResourceRecord[], name: string, edit: (inputs: any) => void): ResourceRecord[] {
    let found = false;
    const copy = stack.map((item) => {
        if (item.name !== name) return item;
        found = true;
        const inputs = structuredClone(item.inputs);
        edit(inputs);
        return { ...item, inputs };
    });
    if (!found) throw new Error(`no resource named ${name} in the fixture`);
    return copy;
}

export type View = "preview" | "update";

/** Runs the pack on `stack` in one view, as the engine does, with the policy config `config`. */
export async function check(stack: ResourceRecord[], config?: unknown, view: View = "preview"): Promise<PolicyReport> {
    return runPolicies(await policyHost(), stack, { config, preview: view === "preview" });
}

/** The config that runs one policy alone, at its own level, with `config` as its properties. */
async function alone(policy: Policies[number], config: Record<string, unknown> = {}) {
    const info = (await policyHost()).info.policies.find((candidate) => candidate.name === policy.name);
    assert.ok(info, `${policy.name} is not in the pack the host serves`);
    return { all: "disabled", [policy.name]: { enforcementLevel: info.enforcementLevel, ...config } };
}

const verdict = (found: Violation[]) => found.map((v) => `${v.enforcementLevel} ${v.urn ?? "(stack)"}`).sort();

/**
 * The violations of one policy on `stack`, run alone with `config`, in one view; without a view, in both,
 * which must agree on what is violated where (a message may differ: an allocated cluster IP is known only
 * after the update). Returns the preview's.
 */
export async function violations(
    policy: Policies[number],
    stack: ResourceRecord[],
    config?: Record<string, unknown>,
    view?: View,
): Promise<Violation[]> {
    const run = async (which: View) =>
        (await check(stack, await alone(policy, config), which)).violations.filter((v) => v.policyName === policy.name);
    if (view) return run(view);
    // Both views send the same Configure, so they may share the host at once.
    const [preview, update] = await Promise.all([run("preview"), run("update")]);
    assert.deepEqual(verdict(preview), verdict(update), `${policy.name}: the preview and the update disagree`);
    return preview;
}

/** True when the policy looked at something (was not "not applicable" everywhere it could run). */
export async function applies(policy: Policies[number], stack: ResourceRecord[]): Promise<boolean> {
    const report = await check(stack, await alone(policy), "update");
    const skipped = report.notApplicable.filter((entry) => entry.policyName === policy.name).length;
    const analyzed = stack.filter((item) => !item.read).length;
    return "validateStack" in policy ? skipped === 0 : skipped < analyzed;
}
