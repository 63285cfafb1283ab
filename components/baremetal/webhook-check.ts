import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { shortDigest } from "../digest";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../security-context";
import { METALLB_NAMESPACE } from "./custom-resource";

/** A pinned kubectl image (from the Kubernetes project's registry; it has no shell, only kubectl). */
export const WEBHOOK_CHECK_IMAGE = "registry.k8s.io/kubectl:v1.34.1";

/**
 * What the check's Job, ServiceAccount, Role, RoleBinding and ConfigMap are called, after the stack's name
 * prefix (see stackObjectName): they live in MetalLB's namespace, which stacks share.
 */
export const WEBHOOK_CHECK_NAME = "metallb-webhook-check";

/**
 * How long the check may take. pulumi-kubernetes waits 10 minutes for a Job (provider/pkg/await/job.go,
 * `DefaultJobTimeoutMins = 10`, v4.32.0; the same wait is documented on batch/v1 Job in @pulumi/kubernetes 4.34.2)
 * and fails it at once when the Job's `Failed` condition is set. Kubernetes waits 10 s, 20 s, 40 s, ... between
 * failed pods (https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy), so six
 * retries alone took about 630 s and Pulumi gave up first, with a timeout instead of the check's own error. The
 * deadline makes the Job fail (DeadlineExceeded) well inside Pulumi's wait, whatever the backoff does.
 */
export const WEBHOOK_CHECK_TIMING = {
    /** Retries after the first failed pod: waits of 10+20+40+80 = 150 s between them. */
    backoffLimit: 4,
    /** The Job fails after this long, retries included. */
    activeDeadlineSeconds: 300,
    /** One attempt gives up on an API request after this long (kubectl's --request-timeout). */
    requestTimeoutSeconds: 20,
} as const;

/**
 * What the Job's pod template carries so that the check runs again when MetalLB changes: the chart version and
 * a digest of every value given to the chart (FRR-K8s on or off replaces the speakers and the webhook's pods).
 * A Job's pod template cannot change in place, so Pulumi replaces the Job.
 */
export function webhookCheckTrigger(chartVersion: string, values: object): string {
    return `${chartVersion}-${shortDigest(canonicalJson(values), 12)}`;
}

/** JSON with object keys sorted, so the same values always give the same digest. */
function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value)
            .filter(([, inner]) => inner !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

/**
 * What the check sends through MetalLB's admission webhook: an empty L2Advertisement, created with
 * `--dry-run=server` so it is validated (the webhook is called) but never stored. An empty spec is valid
 * whatever pools exist, so the only way the request fails is the webhook not answering.
 */
export function webhookCheckManifest(namespace: string = METALLB_NAMESPACE): string {
    return stringify({
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: "webhook-check", namespace },
        spec: {},
    });
}

export interface MetalLbWebhookCheckArgs {
    /**
     * What the check runs after: MetalLB's chart (which also creates metallb-system). Every child waits for
     * these; a component's own `dependsOn` does not order its children.
     */
    after: pulumi.Resource[];
    /** Rerun the check when this changes (see webhookCheckTrigger): the Job's pod template carries it. */
    trigger: pulumi.Input<string>;
    /** @default WEBHOOK_CHECK_IMAGE */
    image?: string;
    /** Name of the Job and the objects it uses. @default WEBHOOK_CHECK_NAME */
    objectName?: string;
    /** MetalLB's namespace, where the check runs. @default METALLB_NAMESPACE */
    namespace?: string;
}

/**
 * Waits until MetalLB's validating webhook answers, so the custom resources that depend on this are not
 * created into the webhook race.
 *
 * Right after the chart is installed, creating an IPAddressPool or advertisement can fail with
 * "failed calling webhook ... connect: connection refused" (https://github.com/metallb/metallb/issues/1540,
 * https://github.com/metallb/metallb/issues/1597, https://github.com/metallb/metallb/issues/1612): the
 * controller's readiness probe (its metrics port) passes before its webhook server listens with a certificate
 * the API server trusts, and Pulumi retries a failed create only when a CRD is missing. Waiting for the chart
 * (controller ready, webhook Service with endpoints) narrows the window; this Job closes it by sending the
 * API server a server-side dry-run of an L2Advertisement until the webhook admits it. Each failed attempt is
 * a new pod (`restartPolicy: Never`) with the error in its log, and Pulumi waits for the Job to complete.
 */
export class MetalLbWebhookCheck extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: MetalLbWebhookCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:baremetal:MetalLbWebhookCheck", name, {}, opts);
        const namespace = args.namespace ?? METALLB_NAMESPACE;
        const metadata = { name: args.objectName ?? WEBHOOK_CHECK_NAME, namespace };
        const children = { parent: this, dependsOn: args.after };

        const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata }, children);
        // Creating with --dry-run=server needs the create verb; nothing is stored.
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata,
                rules: [{ apiGroups: ["metallb.io"], resources: ["l2advertisements"], verbs: ["create"] }],
            },
            children,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            },
            children,
        );
        const manifest = new k8s.core.v1.ConfigMap(
            `${name}-manifest`,
            { metadata, data: { "l2advertisement.yaml": webhookCheckManifest(namespace) } },
            children,
        );

        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            {
                metadata: { ...metadata, annotations: { "pulumi.com/replaceUnready": "true" } },
                spec: {
                    backoffLimit: WEBHOOK_CHECK_TIMING.backoffLimit,
                    activeDeadlineSeconds: WEBHOOK_CHECK_TIMING.activeDeadlineSeconds,
                    template: {
                        metadata: { annotations: { "stateful-nginx/rerun-for": args.trigger } },
                        spec: {
                            serviceAccountName: account.metadata.name,
                            restartPolicy: "Never",
                            // kubectl needs no user of its own; 65532 is "nonroot" in distroless images.
                            securityContext: restrictedPodSecurityContext(65532),
                            containers: [
                                {
                                    name: "check",
                                    image: args.image ?? WEBHOOK_CHECK_IMAGE,
                                    // The image's entrypoint is kubectl.
                                    args: [
                                        "create",
                                        "--dry-run=server",
                                        "--filename=/check/l2advertisement.yaml",
                                        "--output=name",
                                        `--request-timeout=${WEBHOOK_CHECK_TIMING.requestTimeoutSeconds}s`,
                                    ],
                                    env: [{ name: "HOME", value: "/tmp" }],
                                    securityContext: restrictedContainerSecurityContext(),
                                    resources: {
                                        requests: { cpu: "10m", memory: "32Mi" },
                                        limits: { cpu: "100m", memory: "64Mi" },
                                    },
                                    volumeMounts: [
                                        { name: "manifest", mountPath: "/check", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "manifest", configMap: { name: manifest.metadata.name } },
                                { name: "tmp", emptyDir: {} },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [...args.after, binding] },
        );
        this.jobName = this.job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
