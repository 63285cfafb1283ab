/**
 * Small stacks of resources, in the synth's resources.json shape, for the policy specs: a good stack that
 * every policy passes, and `change` to make one resource bad. Policies are called through the same
 * engine-like runner as `npm run policy` (proxied props, config reconciliation, enforcement levels).
 */
import type { Policies } from "@pulumi/policy";
import { PolicyReport, ResourceRecord, runPolicies, Violation } from "../../tools/policy-runner";

type Inputs = Record<string, unknown>;

const STACK = "urn:pulumi:test::stateful-nginx::";

export function resource(type: string, name: string, inputs: Inputs, parent: string | null = null): ResourceRecord {
    return { urn: `${STACK}${type}::${name}`, type, name, parent, dependencies: [], provider: null, inputs };
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
            securityContext: { runAsNonRoot: true, runAsUser: 101, fsGroup: 101 },
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

/** An EKS stack's cluster and node group, as the program declares them. */
export function eksResources(): ResourceRecord[] {
    return [
        resource("eks:index:Cluster", "eks-cluster", {
            version: "1.34",
            endpointPublicAccess: true,
            endpointPrivateAccess: true,
            publicAccessCidrs: ["203.0.113.0/24"],
        }),
        resource("eks:index:ManagedNodeGroup", "eks-nodes", {
            instanceTypes: ["t3.medium"],
            scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 },
        }),
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

/** Runs the policies the way the engine does and returns the report. */
export function check(policies: Policies, stack: ResourceRecord[], config?: unknown): Promise<PolicyReport> {
    return runPolicies(policies, stack, { config });
}

/** The violations of one policy on `stack`, run alone with `config`. */
export async function violations(
    policy: Policies[number],
    stack: ResourceRecord[],
    config?: Record<string, unknown>,
): Promise<Violation[]> {
    const report = await check([policy], stack, config === undefined ? undefined : { [policy.name]: config });
    return report.violations.filter((violation) => violation.policyName === policy.name);
}

/** True when the policy looked at something (was not "not applicable" everywhere it could run). */
export async function applies(policy: Policies[number], stack: ResourceRecord[]): Promise<boolean> {
    const report = await check([policy], stack);
    const skipped = report.notApplicable.filter((entry) => entry.policyName === policy.name).length;
    return "validateStack" in policy ? skipped === 0 : skipped < stack.length;
}
