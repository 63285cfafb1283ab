import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    LIBRARY_SCRIPT,
    NODE_IP_ENV,
    RUN_SCRIPT,
    VerificationPlan,
    verificationLibrary,
    verificationScript,
} from "./script";
import { CLUSTER_DOMAIN } from "../dns";
import { shortDigest } from "../digest";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../security-context";

export interface ClusterVerificationArgs {
    /** Namespace of the workload; the Job runs there too. */
    namespace: pulumi.Input<string>;
    /** The StatefulSet's name: pods are `<name>-0`, `<name>-1`, ... */
    statefulSetName: pulumi.Input<string>;
    /** The headless Service that gives each pod its DNS name. */
    headlessServiceName: pulumi.Input<string>;
    replicas: pulumi.Input<number>;
    /** The port the pods listen on. */
    podPort: pulumi.Input<number>;
    /** The ClusterIP Service. @default none: no ClusterIP check */
    clusterIP?: pulumi.Input<{ name: pulumi.Input<string>; port: pulumi.Input<number> }>;
    /** The NodePort Service and its allocated node port. @default none: no NodePort check */
    nodePort?: pulumi.Input<{ name: pulumi.Input<string>; nodePort: pulumi.Input<number> }>;
    /**
     * The LoadBalancer Service and its address (`status.loadBalancer.ingress[0]`, IP or hostname).
     * @default none: no LoadBalancer check (also when the address is empty)
     */
    loadBalancer?: pulumi.Input<{
        name: pulumi.Input<string>;
        address: pulumi.Input<string | undefined>;
        port: pulumi.Input<number>;
    }>;
    /** ExternalName aliases: alias -> the host it is a CNAME for. @default {} */
    externalNames?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** A pinned image with `sh`, `wget` and `nslookup` (busybox) that runs as any user. */
    image: pulumi.Input<string>;
    /**
     * What the Job waits for: the StatefulSet and the Services. Pulumi creates the Job only once each of
     * them is ready (all replicas ready, Services with endpoints, the LoadBalancer with an address).
     */
    waitFor: pulumi.Input<pulumi.Resource>[];
    /**
     * Any value whose change should run the checks again, e.g. the workload's configuration.
     * @default "" (only a changed check set or image runs them again)
     */
    revision?: pulumi.Input<string>;
    /** @default CLUSTER_DOMAIN */
    clusterDomain?: pulumi.Input<string>;
    /** The Kubernetes provider of the cluster to check. @default the default provider (ambient kubeconfig) */
    provider?: pulumi.ProviderResource;
}

/** Where the Job mounts its scripts. */
export const SCRIPTS_DIR = "/verify";

/** Labels of the verification pod: its own `app.kubernetes.io/name`, so no Service of the workload selects it. */
export function verificationLabels(name: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": "verification",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/**
 * The Job's name: the component's name and a fingerprint of what it checks, with which image, at which
 * revision. A changed check set gives a new name, so Pulumi replaces the Job and the checks run again;
 * an unchanged one keeps the finished Job (and its log) in place.
 */
export function verificationJobName(name: string, script: string, image: string, revision = ""): string {
    const fingerprint = shortDigest(`${script}\n${image}\n${revision}`, 8);
    const jobName = `${name}-${fingerprint}`;
    // A Job's name is copied into its pods' `job-name` label, which allows at most 63 characters.
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(jobName) || jobName.length > 63) {
        throw new Error(`verification: ${JSON.stringify(name)} must be a DNS label of at most 54 characters`);
    }
    return jobName;
}

/**
 * A Kubernetes Job that checks, from inside the cluster, what a person would check by hand after
 * `pulumi up`: each pod's stable DNS name answers with its own page, the headless name has one address per
 * pod, every Service answers, every ExternalName is the right CNAME. Pulumi waits for Jobs, so a failed
 * check fails `pulumi up`; `kubectl logs job/<jobName> -n <namespace>` says which (`FAIL <check>: <why>`).
 */
export class ClusterVerification extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    /** The Job's `metadata.name`, for `kubectl logs job/<name>`. */
    public readonly jobName: pulumi.Output<string>;
    /** The ConfigMap that holds the scripts the Job mounts (same name as the Job). */
    public readonly scripts: k8s.core.v1.ConfigMap;
    /** The generated run.sh: one `check` line per check; it sources the library checks.sh. */
    public readonly script: pulumi.Output<string>;

    constructor(name: string, args: ClusterVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:verify:ClusterVerification", name, {}, opts);

        const plan = pulumi
            .output({
                namespace: args.namespace,
                statefulSetName: args.statefulSetName,
                headlessServiceName: args.headlessServiceName,
                replicas: args.replicas,
                podPort: args.podPort,
                clusterIP: args.clusterIP,
                nodePort: args.nodePort,
                loadBalancer: args.loadBalancer,
                externalNames: args.externalNames ?? {},
                clusterDomain: args.clusterDomain ?? CLUSTER_DOMAIN,
            })
            .apply(
                (values): VerificationPlan => ({
                    ...values,
                    loadBalancer: values.loadBalancer && {
                        ...values.loadBalancer,
                        address: values.loadBalancer.address ?? "",
                    },
                }),
            );
        this.script = plan.apply(verificationScript);
        const library = verificationLibrary();
        this.jobName = pulumi
            .all([this.script, args.image, args.revision ?? ""])
            .apply(([script, image, revision]) => verificationJobName(name, `${library}\n${script}`, image, revision));

        const labels = verificationLabels(name);
        // Named like the Job and immutable: a changed script gives both a new name, so the finished Job of
        // the old checks never points at a script it did not run.
        this.scripts = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: { name: this.jobName, namespace: args.namespace, labels },
                immutable: true,
                data: { [RUN_SCRIPT]: this.script, [LIBRARY_SCRIPT]: library },
            },
            { parent: this, provider: args.provider },
        );
        this.job = new k8s.batch.v1.Job(
            name,
            {
                metadata: {
                    name: this.jobName,
                    namespace: args.namespace,
                    labels,
                    annotations: {
                        // A Job that failed stays failed; without this, the next `pulumi up` would wait on it
                        // again instead of running the checks anew.
                        // https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/
                        "pulumi.com/replaceUnready": "true",
                    },
                },
                spec: {
                    // The script retries each check for up to two minutes itself; a second pod only helps when
                    // the first was lost for another reason (evicted, node gone), so one retry is enough.
                    backoffLimit: 1,
                    podFailurePolicy: {
                        rules: [
                            // Exit 1 is the verdict "a check failed": running the same checks again would only
                            // double the time until `pulumi up` reports it.
                            {
                                action: "FailJob",
                                onExitCodes: { containerName: "checks", operator: "In", values: [1] },
                            },
                            // A drained or preempted node is not a failed check.
                            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
                        ],
                    },
                    activeDeadlineSeconds: 600,
                    // No ttlSecondsAfterFinished: Kubernetes would delete the finished Job, Pulumi would see it
                    // gone on the next refresh and create it again, and its log would be lost. The Job is
                    // replaced (and the old one deleted) when what it checks changes.
                    template: {
                        metadata: { labels },
                        spec: {
                            restartPolicy: "Never",
                            // The checks use DNS and HTTP only; no Kubernetes API, so no token in the pod.
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            // busybox images declare no user; 65534 is "nobody".
                            securityContext: restrictedPodSecurityContext(65534),
                            volumes: [{ name: "scripts", configMap: { name: this.scripts.metadata.name } }],
                            containers: [
                                {
                                    name: "checks",
                                    image: args.image,
                                    command: ["/bin/sh", `${SCRIPTS_DIR}/${RUN_SCRIPT}`],
                                    volumeMounts: [{ name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true }],
                                    env: [
                                        {
                                            // The NodePort check calls the node the pod runs on.
                                            name: NODE_IP_ENV,
                                            valueFrom: { fieldRef: { fieldPath: "status.hostIP" } },
                                        },
                                    ],
                                    securityContext: restrictedContainerSecurityContext(),
                                    resources: {
                                        requests: { cpu: "10m", memory: "16Mi" },
                                        limits: { cpu: "100m", memory: "32Mi" },
                                    },
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this, provider: args.provider, dependsOn: args.waitFor },
        );

        this.registerOutputs({ jobName: this.jobName, script: this.script });
    }
}
