import type * as k8s from "@pulumi/kubernetes";
import type { AppConfig } from "../../config/app";
import { exporterContainer, MetricsSidecarArgs, STUB_STATUS_CONF_MOUNT, stubStatusVolume } from "./metrics";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../security-context";

/** The volume claim template's name, and so the prefix of every pod's PVC: `nginx-persistent-storage-nginx-0`. */
export const DATA_VOLUME = "nginx-persistent-storage";
/** Where nginx serves from, and where each pod's volume is mounted. */
export const HTML_ROOT = "/usr/share/nginx/html";
/** The nginx-unprivileged images listen on 8080 as user and group 101 (nginx). */
export const CONTAINER_PORT = { name: "http", containerPort: 8080, protocol: "TCP" } as const;
export const NGINX_UID = 101;

/**
 * Writable scratch space nginx-unprivileged needs on a read-only root filesystem: its pid file and temp
 * paths are under /tmp, its proxy and FastCGI caches under /var/cache/nginx. Size-limited so a runaway
 * cache cannot fill the node's disk.
 */
export const SCRATCH_VOLUMES = [
    { name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi" },
    { name: "cache", mountPath: "/var/cache/nginx", sizeLimit: "128Mi" },
] as const;

/**
 * The init container's script: writes a page that names the pod to the pod's own volume, once. A page that
 * is already there is kept, so a recreated pod shows its old page (with the date it was first written):
 * proof that `nginx-1` got its own volume back. Written to a temporary name and renamed, so a pod killed
 * mid-write never leaves half a page that would then be kept forever. Plain POSIX sh and printf: no
 * heredocs (some shells back them with files under /tmp), nothing written outside the volume.
 */
export function pageScript(root: string = HTML_ROOT): string {
    const html = [
        "<!doctype html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><title>%s</title></head>',
        "<body><h1>%s</h1>",
        "<p>Pod %s of namespace %s, served from its own volume.</p>",
        "<p>Written once, %s, when the volume was new.</p>",
        "</body></html>",
    ].join(String.raw`\n`);
    return [
        "set -eu",
        `page=${root}/index.html`,
        'if [ -e "$page" ]; then echo "$POD_NAME: keeping the page already on this volume"; exit 0; fi',
        `printf '${html}\\n' "$POD_NAME" "$POD_NAME" "$POD_NAME" "$POD_NAMESPACE" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$page.tmp"`,
        'mv "$page.tmp" "$page"',
        'echo "$POD_NAME: wrote $page"',
    ].join("\n");
}

export interface PodTemplateArgs {
    /** The pods' labels; must include the selector. */
    readonly labels: Record<string, string>;
    /** The labels that select this instance's pods (spreading and anti-affinity count these). */
    readonly selector: Record<string, string>;
    readonly app: Pick<AppConfig, "image" | "resources">;
    /**
     * nginx's stub_status server and the Prometheus exporter beside nginx (metrics.ts).
     * @default none: nginx alone, with the image's own configuration
     */
    readonly metrics?: MetricsSidecarArgs;
}

/**
 * The nginx pod: non-root, read-only root filesystem, no privilege escalation, no capabilities, seccomp
 * RuntimeDefault (the Pod Security "restricted" profile), probes, resources, spread across nodes, and an
 * init container that writes the pod's page to its volume. With `metrics`, nginx also serves stub_status on the
 * pod's loopback and the exporter container serves it to Prometheus on the pod's `metrics` port.
 */
export function nginxPodTemplate({
    labels,
    selector,
    app,
    metrics,
}: PodTemplateArgs): k8s.types.input.core.v1.PodTemplateSpec {
    const resources = { requests: app.resources.requests, limits: app.resources.limits };
    const securityContext = restrictedContainerSecurityContext();
    const data = { name: DATA_VOLUME, mountPath: HTML_ROOT };
    const scratch = SCRATCH_VOLUMES.map(({ name, mountPath }) => ({ name, mountPath }));
    const probe = { httpGet: { path: "/", port: CONTAINER_PORT.name }, timeoutSeconds: 2 };

    return {
        metadata: { labels },
        spec: {
            securityContext: {
                ...restrictedPodSecurityContext(NGINX_UID),
                // The volume's files belong to the nginx group, so the init container can write the page.
                fsGroup: NGINX_UID,
                fsGroupChangePolicy: "OnRootMismatch",
            },
            // nginx never talks to the Kubernetes API, and needs no Service environment variables.
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            initContainers: [
                {
                    name: "write-page",
                    image: app.image,
                    command: ["sh", "-c", pageScript()],
                    env: [
                        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                    ],
                    resources,
                    securityContext,
                    volumeMounts: [data],
                },
            ],
            containers: [
                {
                    name: "nginx",
                    image: app.image,
                    ports: [CONTAINER_PORT],
                    resources,
                    securityContext,
                    // Readiness gates OrderedReady (pod N+1 starts once pod N is ready) and the DNS records.
                    readinessProbe: { ...probe, periodSeconds: 5, failureThreshold: 3 },
                    // More patient than readiness: a slow pod leaves the endpoints long before it is restarted.
                    livenessProbe: { ...probe, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
                    // nginx only serves the page; only the init container may write to the volume.
                    volumeMounts: [
                        { ...data, readOnly: true },
                        ...scratch,
                        ...(metrics ? [STUB_STATUS_CONF_MOUNT] : []),
                    ],
                },
                ...(metrics ? [exporterContainer(metrics.observability, securityContext)] : []),
            ],
            volumes: [
                ...SCRATCH_VOLUMES.map(({ name, sizeLimit }) => ({ name, emptyDir: { sizeLimit } })),
                ...(metrics ? [stubStatusVolume(metrics.configMapName)] : []),
            ],
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                        {
                            weight: 100,
                            podAffinityTerm: {
                                labelSelector: { matchLabels: selector },
                                topologyKey: "kubernetes.io/hostname",
                            },
                        },
                    ],
                },
            },
            // Preferred, like the anti-affinity: a cluster with one node or one zone still runs every pod.
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: selector },
                },
            ],
        },
    };
}
