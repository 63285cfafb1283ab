import { z } from "zod";
import { checkRequestsWithinLimits, resourceList } from "./app";
import { labelMap } from "./fields";
import { pinnedImage } from "./images";

/** NGINX's own Prometheus exporter, at the release its README's `docker run` names (v1.5.1, October 2025). */
export const DEFAULT_EXPORTER_IMAGE = "nginx/nginx-prometheus-exporter:1.5.1";

/** Metrics and alerts: `observability` in the stack file (docs/observability.md). */
export const observabilitySchema = z
    .strictObject({
        /**
         * nginx's `stub_status` on the pod's loopback and the exporter beside nginx in every pod; with it, the
         * PodMonitor and the PrometheusRule. False: none of them (the pods restart once without the sidecar).
         */
        enabled: z.boolean().default(true),
        /** A pinned `nginx/nginx-prometheus-exporter` image (or a copy of it in the operator's registry). */
        exporterImage: pinnedImage(DEFAULT_EXPORTER_IMAGE).default(DEFAULT_EXPORTER_IMAGE),
        /** The exporter container's requests and limits. */
        resources: z
            .strictObject({
                requests: resourceList.default({ cpu: "10m", memory: "16Mi" }),
                limits: resourceList.default({ cpu: "100m", memory: "64Mi" }),
            })
            .prefault({}),
        /**
         * Whether to create the Prometheus Operator's PodMonitor and PrometheusRule: `auto` when the cluster serves
         * both kinds (asked before anything changes; an EKS stack makes its own cluster, so `auto` skips there),
         * `true` always (the operator is installed), `false` never.
         */
        prometheusOperator: z
            .union([z.literal("auto"), z.boolean()], { error: "must be one of auto, true, false" })
            .default("auto"),
        /** Labels for the PodMonitor and the PrometheusRule: what the Prometheus resource's selectors pick. */
        labels: labelMap.default({}),
        /** A claim fuller than this many percent raises the claim-usage alert. */
        claimUsagePercent: z
            .number()
            .int("must be a whole number")
            .min(1, "must be at least 1")
            .max(99, "must be at most 99")
            .default(80),
    })
    .superRefine((observability, ctx) => {
        checkRequestsWithinLimits(observability.resources, ["resources"], ctx);
        if (!observability.enabled && observability.prometheusOperator === true) {
            ctx.addIssue({
                code: "custom",
                path: ["prometheusOperator"],
                input: true,
                message: "asks for the PodMonitor and PrometheusRule, but observability.enabled is false; drop one",
            });
        }
    });

export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
