import { shortDigest } from "../digest";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ObservabilityConfig } from "../../config/observability";

/**
 * Where nginx serves `stub_status`: the pod's loopback only. Nothing outside the pod reaches it (no Service, no
 * other pod, no node), and nothing inside the pod but the exporter needs it.
 */
export const STUB_STATUS = { address: "127.0.0.1", port: 8081, path: "/stub_status" } as const;

/** The exporter's port (its default, 9113), named `metrics`: what the PodMonitor scrapes. No Service maps it. */
export const METRICS_PORT = { name: "metrics", containerPort: 9113, protocol: "TCP" } as const;

/** The path the exporter serves metrics on (its `--web.telemetry-path` default). */
export const METRICS_PATH = "/metrics";

/** The exporter container's name in every pod. */
export const EXPORTER_CONTAINER = "nginx-exporter";

/** Where the stub_status server file lands: nginx's `http` block includes every `conf.d/*.conf`. */
export const STUB_STATUS_CONF_PATH = "/etc/nginx/conf.d/stub-status.conf";
const STUB_STATUS_CONF_KEY = "stub-status.conf";
const STUB_STATUS_CONF_VOLUME = "nginx-stub-status-conf";

/**
 * The nginx server that answers `stub_status` (ngx_http_stub_status_module, in every official nginx build) on the
 * loopback port, and nothing else. It is a server of its own, so the page Services serve on 8080 is unchanged.
 */
export function stubStatusConf(): string {
    return [
        "# stateful-nginx: nginx's connection counters for the Prometheus exporter in the same pod. Loopback only.",
        "server {",
        `    listen ${STUB_STATUS.address}:${STUB_STATUS.port};`,
        "    access_log off;",
        `    location = ${STUB_STATUS.path} {`,
        "        stub_status;",
        "    }",
        "    location / {",
        "        return 404;",
        "    }",
        "}",
        "",
    ].join("\n");
}

/**
 * The name of the ConfigMap that holds the stub_status server: the app's name and a digest of the file. The
 * provider replaces a ConfigMap whose data changes (pulumi-kubernetes v4.25.0 diff.go `forceNewProperties`:
 * `.data` forces a replacement unless the provider enables mutable ConfigMaps and the map is not immutable; this
 * one is immutable). A new name for new content makes that replacement create-before-delete, and changes the pod
 * template, so the pods roll onto it.
 */
export function stubStatusConfigMapName(appName: string, conf: string = stubStatusConf()): string {
    return `${appName}-stub-status-${shortDigest(conf, 8)}`;
}

/** The ConfigMap's `data`. */
export function stubStatusConfigMapData(): Record<string, string> {
    return { [STUB_STATUS_CONF_KEY]: stubStatusConf() };
}

/** What the pod template needs to run the exporter beside nginx. */
export interface MetricsSidecarArgs {
    readonly observability: Pick<ObservabilityConfig, "exporterImage" | "resources">;
    /** The ConfigMap that holds stubStatusConf(). */
    readonly configMapName: pulumi.Input<string>;
}

/** The volume of the stub_status server file, from its ConfigMap. */
export function stubStatusVolume(configMapName: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
    return { name: STUB_STATUS_CONF_VOLUME, configMap: { name: configMapName } };
}

/** nginx's mount of that one file into conf.d, beside the image's own default.conf (a subPath hides nothing). */
export const STUB_STATUS_CONF_MOUNT = {
    name: STUB_STATUS_CONF_VOLUME,
    mountPath: STUB_STATUS_CONF_PATH,
    subPath: STUB_STATUS_CONF_KEY,
    readOnly: true,
} as const;

/**
 * The exporter (github.com/nginx/nginx-prometheus-exporter): reads stub_status over the pod's loopback and serves
 * Prometheus metrics on 9113 (`nginx_up`, `nginx_connections_*`, `nginx_http_requests_total`). Flags as its
 * exporter.go (v1.5.1) defines them, `--web.*` through exporter-toolkit's kingpinflag. Its image (build/Dockerfile,
 * v1.5.1) is one static binary on `scratch` run as user 1001 and writes nothing, so it meets the same restricted
 * profile as nginx; the pod's user (101) replaces the image's.
 */
export function exporterContainer(
    observability: MetricsSidecarArgs["observability"],
    securityContext: k8s.types.input.core.v1.SecurityContext,
): k8s.types.input.core.v1.Container {
    // The landing page on `/` answers without asking nginx: the probes say the exporter serves, whatever nginx
    // does (nginx has its own probes, and `nginx_up` says whether the exporter reaches it).
    const probe = { httpGet: { path: "/", port: METRICS_PORT.name }, timeoutSeconds: 2 };
    return {
        name: EXPORTER_CONTAINER,
        image: observability.exporterImage,
        args: [
            `--nginx.scrape-uri=http://${STUB_STATUS.address}:${STUB_STATUS.port}${STUB_STATUS.path}`,
            `--web.listen-address=:${METRICS_PORT.containerPort}`,
            `--web.telemetry-path=${METRICS_PATH}`,
        ],
        ports: [METRICS_PORT],
        resources: { requests: observability.resources.requests, limits: observability.resources.limits },
        securityContext,
        readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
        livenessProbe: { ...probe, initialDelaySeconds: 10, periodSeconds: 20, failureThreshold: 6 },
    };
}
