import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig } from "../../config/app";
import type { ObservabilityConfig } from "../../config/observability";
import { ownServiceNames } from "../../config";
import type { ClusterTarget } from "../target";
import { CLAIM_PATCH_ANNOTATIONS, PATCH_ANNOTATIONS, statefulSetAnnotations } from "./annotations";
import { podDnsNames } from "./dns";
import { recommendedLabels, selectorLabels } from "./labels";
import { claimNames, lifecycleAnchorName } from "./lifecycle";
import { METRICS_PORT, stubStatusConfigMapData, stubStatusConfigMapName } from "./metrics";
import { namespacePlan } from "./namespace";
import { CONTAINER_PORT, DATA_VOLUME, nginxPodTemplate } from "./pod-template";
import { claimHookProblem, storageExpandable } from "./storage";

export interface NginxStatefulSetArgs {
    /** The validated `app` block of the stack's configuration. */
    app: AppConfig;
    /** Where it runs: provider, storage class and what to wait for. */
    target: ClusterTarget;
    /**
     * The validated `observability` block: when enabled, nginx serves stub_status on the pod's loopback and an
     * exporter container serves it on the pods' `metrics` port.
     * @default none: nginx alone
     */
    observability?: ObservabilityConfig;
}

/** The port every Service of the workload exposes: 80, to the container port named `http` (8080). */
export interface ServicePort {
    readonly name: "http";
    readonly port: 80;
    readonly targetPort: "http";
}

/**
 * nginx as a StatefulSet: pods with stable names (`nginx-0`, `nginx-1`, ...), started in order, each with
 * its own PersistentVolumeClaim that outlives the pod and the set, and a stable DNS name through the set's
 * own headless Service. Each pod serves a page that names it, written once to its volume.
 *
 * Children: the namespace (optional, applied and never deleted), the lifecycle anchor, one claim per ordinal,
 * the headless Service, the StatefulSet and a PodDisruptionBudget; with observability, the ConfigMap of nginx's
 * stub_status server.
 *
 * Day 2 (docs/operations.md): a change Kubernetes can only make by recreating the set (volume claim template,
 * pod management policy) orphans the pods, and the new set adopts them; a new size grows each claim in place;
 * `pulumi destroy` deletes the anchor, whose garbage collection stops the pods; claims and namespace stay.
 */
export class NginxStatefulSet extends pulumi.ComponentResource {
    /** The namespace everything lives in; from the Namespace resource when the component creates it. */
    public readonly namespace: pulumi.Output<string>;
    /** The labels that select the pods. Services copy this object, never retype it. */
    public readonly selector: Record<string, string>;
    /** The pods' full label set (recommended labels), a superset of `selector`. */
    public readonly labels: Record<string, string>;
    /** Service port 80 to the container port named http. */
    public readonly port: ServicePort = { name: "http", port: 80, targetPort: "http" };
    /** The port the pods listen on: what a client of a pod DNS name connects to (headless means no proxy). */
    public readonly containerPort: number = CONTAINER_PORT.containerPort;
    public readonly replicas: number;
    /** The namespace, applied with server-side apply (created if missing, taken over if not); never deleted. */
    public readonly namespaceResource?: k8s.core.v1.NamespacePatch;
    /** Owns the StatefulSet: deleting it (destroy) deletes the set and its pods, and nothing else does. */
    public readonly lifecycleAnchor: k8s.core.v1.ConfigMap;
    /** Each ordinal's claim, `nginx-persistent-storage-<set>-<i>`: where its size is set and grown. */
    public readonly claims: k8s.core.v1.PersistentVolumeClaimPatch[];
    public readonly headlessService: k8s.core.v1.Service;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    /** nginx's stub_status server (loopback only), mounted into conf.d; absent when observability is off. */
    public readonly stubStatusConfig?: k8s.core.v1.ConfigMap;
    /** The pods' port the exporter serves metrics on, named `metrics`; undefined when observability is off. */
    public readonly metricsPort?: typeof METRICS_PORT;
    /** `nginx-0.nginx.<ns>.svc.cluster.local`, ... in ordinal order. */
    public readonly podDnsNames: pulumi.Output<string[]>;

    constructor(name: string, args: NginxStatefulSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stateful-nginx:workload:NginxStatefulSet", name, {}, opts);
        const { app, target } = args;
        const options = { parent: this, provider: target.provider };

        this.replicas = app.replicas;
        this.labels = recommendedLabels(app.name);
        this.selector = selectorLabels(this.labels);

        const plan = namespacePlan(app);
        if (plan.apply) {
            // Server-side apply creates a missing namespace and takes over one that is already there (after a
            // destroy, or createNamespace false -> true), where a plain create fails with AlreadyExists
            // (pulumi-kubernetes await.go `Creation`: Patch resources always send an apply PATCH). Deleting a
            // namespace deletes every claim in it, so the program never does: retainOnDelete, for destroy and
            // for createNamespace true -> false alike.
            this.namespaceResource = new k8s.core.v1.NamespacePatch(
                name,
                {
                    metadata: {
                        name: app.namespace,
                        annotations: PATCH_ANNOTATIONS,
                        labels: {
                            ...recommendedLabels(app.name, "namespace"),
                            // Every pod here meets the restricted Pod Security profile; keep it that way.
                            "pod-security.kubernetes.io/enforce": "restricted",
                            "pod-security.kubernetes.io/enforce-version": "latest",
                        },
                    },
                },
                { ...options, retainOnDelete: true },
            );
        }
        // Through the Namespace's output, so everything inside it depends on it without a dependsOn.
        this.namespace = this.namespaceResource ? this.namespaceResource.metadata.name : pulumi.output(app.namespace);

        // Owner of the StatefulSet (below): replacing it would garbage-collect the set's pods. Only its name and
        // namespace would replace it: it has no data, since the provider replaces a ConfigMap whose data changes
        // (pulumi-kubernetes diff.go, ConfigMaps immutable unless enableConfigMapMutable; snapshot v4.32.0), and
        // metadata such as the note below is updated in place.
        this.lifecycleAnchor = new k8s.core.v1.ConfigMap(
            `${name}-lifecycle`,
            {
                metadata: {
                    name: lifecycleAnchorName(app.name),
                    namespace: this.namespace,
                    labels: recommendedLabels(app.name, "lifecycle"),
                    annotations: {
                        "stateful-nginx/about":
                            "Owns the StatefulSet: deleting this ConfigMap deletes the set and its pods (the claims " +
                            "stay). pulumi destroy does; replacing the set alone leaves the pods running.",
                    },
                },
            },
            options,
        );

        // One claim per ordinal, applied before the set: created here on the first `up` (the set then uses it),
        // grown in place when the size rises. A claim is not replaced on a size change (pulumi-kubernetes
        // snapshot v4.32.0, diff.go: PersistentVolumeClaim replaces only on accessModes, selector,
        // storageClassName, volumeName; a Patch resource only on name or namespace, provider.go `Diff`). What a
        // bound claim cannot do (shrink, grow on a class without allowVolumeExpansion, change class or access
        // modes) the hook below stops before anything changes, with one line naming the config key; the API
        // server would refuse it at the claim anyway. Never deleted: scaling down or destroying leaves the data
        // (a deleted Patch would also give up the fields it set).
        // What each claim is, the same in the claims the program applies and in the set's template.
        const claimLabels = recommendedLabels(app.name, "storage");
        const claimSpec = {
            accessModes: app.storage.accessModes,
            storageClassName: app.storage.storageClassName ?? target.storageClassName,
            resources: { requests: { storage: app.storage.size } },
        };
        // Compares each claim's old and new inputs before it is updated, in preview too; the set waits for the
        // claims, so a refused change never reaches it.
        const expandable = storageExpandable(app.storage, target.storageExpandable);
        const claimCheck = new pulumi.ResourceHook(
            `${name}-claim-change-check`,
            (hook) => {
                const problem = claimHookProblem(hook, expandable);
                if (problem) throw new Error(problem);
            },
            { onDryRun: true },
        );
        this.claims = claimNames(app.name, app.replicas).map(
            (claimName, ordinal) =>
                new k8s.core.v1.PersistentVolumeClaimPatch(
                    `${name}-claim-${ordinal}`,
                    {
                        metadata: {
                            name: claimName,
                            namespace: this.namespace,
                            labels: claimLabels,
                            annotations: CLAIM_PATCH_ANNOTATIONS,
                        },
                        spec: claimSpec,
                    },
                    {
                        ...options,
                        retainOnDelete: true,
                        dependsOn: target.ready,
                        hooks: { beforeUpdate: [claimCheck] },
                    },
                ),
        );

        this.headlessService = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: {
                    name: ownServiceNames(app.name).headless,
                    namespace: this.namespace,
                    labels: recommendedLabels(app.name, "headless-service"),
                },
                spec: {
                    clusterIP: "None",
                    selector: this.selector,
                    // Records only for ready pods: a name that resolves is a pod that serves. nginx needs no
                    // peer discovery before it is ready, which is what publishing not-ready addresses is for.
                    publishNotReadyAddresses: false,
                    // No proxy in front of a headless Service: its port is the one the pods listen on.
                    ports: [
                        {
                            name: CONTAINER_PORT.name,
                            port: CONTAINER_PORT.containerPort,
                            targetPort: CONTAINER_PORT.name,
                        },
                    ],
                },
            },
            // Like the other selector Services, though the provider does not wait for a headless Service's endpoints
            // (pulumi-kubernetes await/service.go, headless Services skip the endpoint wait; snapshot v4.32.0): it
            // names nothing before the platform is there.
            { ...options, dependsOn: target.ready },
        );

        if (args.observability?.enabled) {
            this.metricsPort = METRICS_PORT;
            this.stubStatusConfig = new k8s.core.v1.ConfigMap(
                `${name}-stub-status`,
                {
                    metadata: {
                        name: stubStatusConfigMapName(app.name),
                        namespace: this.namespace,
                        labels: recommendedLabels(app.name, "metrics"),
                    },
                    // Never changed in place: new content is a new name (stubStatusConfigMapName).
                    immutable: true,
                    data: stubStatusConfigMapData(),
                },
                options,
            );
        }

        this.statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: {
                    name: app.name,
                    namespace: this.namespace,
                    labels: this.labels,
                    annotations: statefulSetAnnotations(app),
                    // Kubernetes' garbage collector deletes the set (and, through the set, its pods) once the
                    // anchor is deleted in the foreground; blockOwnerDeletion makes that delete wait for them.
                    ownerReferences: [
                        {
                            apiVersion: "v1",
                            kind: "ConfigMap",
                            name: this.lifecycleAnchor.metadata.name,
                            uid: this.lifecycleAnchor.metadata.uid,
                            blockOwnerDeletion: true,
                        },
                    ],
                },
                spec: {
                    replicas: app.replicas,
                    // The headless Service's own output: the set names the Service this component created.
                    serviceName: this.headlessService.metadata.name,
                    podManagementPolicy: app.podManagementPolicy,
                    selector: { matchLabels: this.selector },
                    template: nginxPodTemplate({
                        labels: this.labels,
                        selector: this.selector,
                        app,
                        metrics:
                            args.observability && this.stubStatusConfig
                                ? {
                                      observability: args.observability,
                                      configMapName: this.stubStatusConfig.metadata.name,
                                  }
                                : undefined,
                    }),
                    volumeClaimTemplates: [
                        {
                            metadata: { name: DATA_VOLUME, labels: claimLabels },
                            spec: claimSpec,
                        },
                    ],
                    // Neither deleting the set nor scaling it down deletes a pod's volume.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: app.partition } },
                    minReadySeconds: app.minReadySeconds,
                },
            },
            {
                ...options,
                dependsOn: [...target.ready, ...this.claims],
                // When the anchor goes too (destroy), the engine skips the set's own delete (pulumi
                // pkg/resource/deploy/step.go `DeleteStep.Apply`, v3.248.0: `isDeletedWith`) and the
                // anchor's foreground delete stops the pods; a replacement of the set alone orphans them.
                deletedWith: this.lifecycleAnchor,
            },
        );

        this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata: { name: app.name, namespace: this.namespace, labels: this.labels },
                spec: {
                    // One pod at a time may be drained: never blocks a node upgrade, even with one replica.
                    maxUnavailable: 1,
                    selector: { matchLabels: this.selector },
                    // A pod that is not ready serves nothing; evicting it never costs availability.
                    unhealthyPodEvictionPolicy: "AlwaysAllow",
                },
            },
            options,
        );

        this.podDnsNames = pulumi
            .all([this.statefulSet.metadata.name, this.headlessService.metadata.name, this.namespace])
            .apply(([set, service, namespace]) => podDnsNames(set, service, namespace, app.replicas));

        this.registerOutputs({
            namespace: this.namespace,
            statefulSetName: this.statefulSet.metadata.name,
            headlessServiceName: this.headlessService.metadata.name,
            podDnsNames: this.podDnsNames,
        });
    }
}
