import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetalLbConfig } from "../../config";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../security-context";
import { METALLB_NAMESPACE } from "./custom-resource";
import { WEBHOOK_CHECK_IMAGE } from "./webhook-check";

/**
 * What the check's Job, ServiceAccount, Role, RoleBinding and ConfigMap are called, after the stack's name
 * prefix (see stackObjectName): they live in MetalLB's namespace, which stacks share.
 */
export const ANNOUNCEMENT_CHECK_NAME = "announcement-check";

/** The check's shell script, a file of its own beside this module (linted with shellcheck). */
export const ANNOUNCEMENT_CHECK_SCRIPT = "announcement-check.sh";

/**
 * Where the shell comes from. The kubectl image (registry.k8s.io/kubectl, built FROM go-runner, a distroless
 * image: kubernetes v1.34.4, build/server-image/kubectl/Dockerfile and build/common.sh `KUBECTL_BASE_IMAGE`)
 * has kubectl and no shell. busybox's musl variant is one statically linked binary (docker-library/busybox,
 * musl/Dockerfile.builder sets `CONFIG_STATIC=y`; the default glibc variant is not static), so an init
 * container copies it into an emptyDir and the kubectl container runs the script with it.
 */
export const ANNOUNCEMENT_CHECK_SHELL_IMAGE = "busybox:1.37.0-musl";

/**
 * How long the check waits. pulumi-kubernetes gives a Job 10 minutes (4.25.0, provider/pkg/await/job.go,
 * `DefaultJobTimeoutMins`) and fails it at once on its `Failed` condition, so the whole check, image pulls
 * included, ends well inside that with the script's own line rather than Pulumi's timeout.
 */
export const ANNOUNCEMENT_CHECK_TIMING = {
    /** How long the script waits for a speaker's status object (MetalLB writes it within seconds). */
    waitSeconds: 150,
    /** The Job fails after this long, image pulls and a retry included. */
    activeDeadlineSeconds: 360,
    /** A second pod only for a pod lost for another reason (evicted); the script's verdict is not retried. */
    backoffLimit: 1,
} as const;

/** The MetalLB status objects a speaker writes for a Service it announces, by announcement mode. */
export function announcementStatusResource(mode: MetalLbConfig["mode"]): "servicel2statuses" | "servicebgpstatuses" {
    // The FRR and FRR-K8s backends change how BGP sessions are run, not the status: the same bgpController
    // feeds the ServiceBGPStatus reconciler whatever the backend (MetalLB v0.16.1, speaker/main.go).
    return mode === "l2" ? "servicel2statuses" : "servicebgpstatuses";
}

/** The check's shell script, as the ConfigMap carries it. */
export function announcementCheckScript(): string {
    return fs.readFileSync(path.join(__dirname, ANNOUNCEMENT_CHECK_SCRIPT), "utf8");
}

/** The LoadBalancer Service whose address is checked (a LoadBalancerService of components/services fits). */
export interface AnnouncedService {
    readonly service: k8s.core.v1.Service;
    readonly serviceName: pulumi.Input<string>;
    /** The address MetalLB assigned: printed, and a new one runs the check again. */
    readonly address: pulumi.Input<string | undefined>;
}

/** The script's arguments, in the order its usage line gives them. */
export function announcementCheckArgs(
    mode: MetalLbConfig["mode"],
    metallbNamespace: string,
    serviceNamespace: string,
    serviceName: string,
    address: string | undefined,
    waitSeconds: number = ANNOUNCEMENT_CHECK_TIMING.waitSeconds,
): string[] {
    return [mode, metallbNamespace, serviceNamespace, serviceName, address || "no address", String(waitSeconds)];
}

export interface MetalLbAnnouncementCheckArgs {
    mode: MetalLbConfig["mode"];
    /** The Service to check. The check's objects are created only once it is ready, i.e. has its address. */
    loadBalancer: AnnouncedService;
    /** Rerun the check when this changes (MetalLB's configuration): the Job's pod template carries it. */
    trigger?: pulumi.Input<string>;
    /** The image that runs kubectl. @default WEBHOOK_CHECK_IMAGE */
    image?: string;
    /** An image whose /bin/busybox is statically linked. @default ANNOUNCEMENT_CHECK_SHELL_IMAGE */
    shellImage?: string;
    /** Name of the Job and the objects it uses. @default ANNOUNCEMENT_CHECK_NAME */
    objectName?: string;
    /** MetalLB's namespace, where its speakers write the status objects and where the check runs. */
    namespace?: string;
}

/**
 * Proves that a MetalLB speaker announces the LoadBalancer Service's address. The in-cluster verification
 * fetches the address, but kube-proxy answers for it on every node, so that fetch succeeds even when no node
 * answers ARP/NDP or advertises a route: only a speaker's ServiceL2Status / ServiceBGPStatus says one does.
 *
 * A Job in MetalLB's namespace with its own ServiceAccount, allowed only to read the mode's status objects
 * there, runs announcement-check.sh: it waits (bounded) for a status labelled with the Service's name and
 * namespace, prints the node that announces it (and its interfaces or BGP peers), or fails with one line
 * naming the likely causes. The container's log tail becomes its termination message, which Pulumi prints when
 * the Job fails, and a failed Job fails `pulumi up`.
 */
export class MetalLbAnnouncementCheck extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: pulumi.Output<string>;
    public readonly role: k8s.rbac.v1.Role;

    constructor(name: string, args: MetalLbAnnouncementCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:baremetal:MetalLbAnnouncementCheck", name, {}, opts);
        const namespace = args.namespace ?? METALLB_NAMESPACE;
        const metadata = { name: args.objectName ?? ANNOUNCEMENT_CHECK_NAME, namespace };
        const children = { parent: this, dependsOn: [args.loadBalancer.service] };
        const lb = args.loadBalancer;

        const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata }, children);
        // `kubectl wait --for=create` lists, `--for=jsonpath` gets and watches; kubectl's discovery needs no grant.
        this.role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata,
                rules: [
                    {
                        apiGroups: ["metallb.io"],
                        resources: [announcementStatusResource(args.mode)],
                        verbs: ["get", "list", "watch"],
                    },
                ],
            },
            children,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            },
            children,
        );
        const script = announcementCheckScript();
        const scriptMap = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            { metadata, data: { [ANNOUNCEMENT_CHECK_SCRIPT]: script } },
            children,
        );

        const scriptArgs = pulumi
            .all([lb.service.metadata.namespace, lb.serviceName, lb.address])
            .apply(([serviceNamespace, serviceName, address]) =>
                announcementCheckArgs(args.mode, namespace, serviceNamespace, serviceName, address),
            );
        const securityContext = restrictedContainerSecurityContext();
        const resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            {
                // A failed Job stays failed: the next `pulumi up` replaces it instead of waiting on it again.
                metadata: { ...metadata, annotations: { "pulumi.com/replaceUnready": "true" } },
                spec: {
                    backoffLimit: ANNOUNCEMENT_CHECK_TIMING.backoffLimit,
                    activeDeadlineSeconds: ANNOUNCEMENT_CHECK_TIMING.activeDeadlineSeconds,
                    podFailurePolicy: {
                        rules: [
                            // 1 is the verdict "not announced", 2 a wrong call: another pod would say the same.
                            {
                                action: "FailJob",
                                onExitCodes: { containerName: "check", operator: "In", values: [1, 2] },
                            },
                            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
                        ],
                    },
                    template: {
                        metadata: {
                            // A new script or MetalLB configuration changes the template, and so does a new
                            // address (in the args): Pulumi replaces the Job (a Job's template is immutable) and
                            // the check runs again. Only the args wait for the address; what policies read of a
                            // pod (annotations, images, security contexts) is known in a preview.
                            annotations: { "stateful-nginx/rerun-for": args.trigger ?? "" },
                        },
                        spec: {
                            serviceAccountName: account.metadata.name,
                            restartPolicy: "Never",
                            enableServiceLinks: false,
                            // As the webhook check's pod: neither image needs a user of its own.
                            securityContext: restrictedPodSecurityContext(65532),
                            initContainers: [
                                {
                                    name: "shell",
                                    image: args.shellImage ?? ANNOUNCEMENT_CHECK_SHELL_IMAGE,
                                    command: ["/bin/cp", "/bin/busybox", "/shell/busybox"],
                                    securityContext,
                                    resources,
                                    volumeMounts: [{ name: "shell", mountPath: "/shell" }],
                                },
                            ],
                            containers: [
                                {
                                    name: "check",
                                    image: args.image ?? WEBHOOK_CHECK_IMAGE,
                                    command: ["/shell/busybox", "sh", `/check/${ANNOUNCEMENT_CHECK_SCRIPT}`],
                                    args: scriptArgs,
                                    // kubectl keeps its discovery cache under $HOME.
                                    env: [{ name: "HOME", value: "/tmp" }],
                                    // The log's tail becomes the termination message, which Pulumi's Job await
                                    // prints and adds to its error (pulumi-kubernetes 4.25.0, pkg/await/job.go,
                                    // `processPodMessages`; cloud-ready-checks v1.3.0, kubernetes/pod/check.go,
                                    // `containerTerminatedError`).
                                    terminationMessagePolicy: "FallbackToLogsOnError",
                                    securityContext,
                                    resources,
                                    volumeMounts: [
                                        { name: "script", mountPath: "/check", readOnly: true },
                                        { name: "shell", mountPath: "/shell", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "script", configMap: { name: scriptMap.metadata.name } },
                                { name: "shell", emptyDir: {} },
                                { name: "tmp", emptyDir: {} },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [lb.service, binding] },
        );
        this.jobName = this.job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
