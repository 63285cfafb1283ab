import { z } from "zod";
import * as ipaddr from "ipaddr.js";
import { isCidr } from "./addresses";
import { cidr, dnsLabel, documentationRangeOf, ipAddress } from "./fields";

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/**
 * The host an ExternalName alias stands for: a DNS name, since the cluster's DNS answers with a CNAME and an
 * IP string is not resolved (https://kubernetes.io/docs/concepts/services-networking/service/#externalname);
 * never localhost (CVE-2021-25740). Each check stops at its own failure, so the error names one problem.
 */
export const externalNameHost = z
    .string()
    .refine((value) => !ipaddr.isValid(value.replace(/\.$/, "")), {
        message: "must be a DNS name, not an IP address (ExternalName does not resolve IPs)",
        abort: true,
    })
    .refine((value) => !/^localhost\.?$/i.test(value) && !/\.localhost\.?$/i.test(value), {
        message: "must not be localhost (CVE-2021-25740)",
        abort: true,
    })
    .refine(
        (value) =>
            value.length <= 253 &&
            /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?\.?$/i.test(value),
        "must be a fully qualified DNS name such as db.example.com",
    );

/** The type of each Service the program creates, by the name an exposure's `from` uses. */
const OWN_SERVICE_TYPES: Partial<Record<string, string>> = {
    clusterip: "ClusterIP",
    nodeport: "NodePort",
    loadbalancer: "LoadBalancer",
};

const exposureSchema = z
    .strictObject({
        /** Name of the new Service. */
        name: dnsLabel,
        /**
         * The Service to re-expose: `clusterip`, `nodeport`, `loadbalancer` or `headless` for the program's own
         * Services, or `namespace/name` for a Service that already exists in the cluster.
         */
        from: z
            .string()
            .regex(
                /^(clusterip|nodeport|loadbalancer|headless|[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/,
                {
                    message:
                        "must be clusterip, nodeport, loadbalancer, headless or namespace/name of an existing Service",
                    // An unknown source is the one problem to report, not also a Service the stack lacks.
                    abort: true,
                },
            ),
        type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]),
    })
    .superRefine((exposure, ctx) => {
        // A copy of the same type adds nothing but a second name (the headless Service, a ClusterIP without
        // an IP, may be re-exposed as ClusterIP: that gives it one).
        const ownType = OWN_SERVICE_TYPES[exposure.from];
        if (ownType !== undefined && ownType === exposure.type) {
            ctx.addIssue({
                code: "custom",
                path: ["type"],
                input: exposure.type,
                message: `must differ from the type of the ${exposure.from} Service it re-exposes`,
            });
        }
    });

/** A CIDR some real client can come from: never a documentation range, which would admit nobody. */
const clientRange = cidr.refine((value) => !isCidr(value) || documentationRangeOf(value) === undefined, {
    error: (issue) =>
        `is inside the documentation range ${documentationRangeOf(issue.input as string)}, which no client has; list your clients' CIDRs`,
});

/** The Services in front of the StatefulSet: `services` in the stack file. */
export const servicesSchema = z.strictObject({
    clusterIP: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
    nodePort: z
        .strictObject({
            enabled: z.boolean().default(true),
            /** A fixed node port; absent means Kubernetes allocates one. */
            port: z
                .number()
                .int("must be a whole number")
                .min(NODE_PORT_RANGE.min, `must be in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`)
                .max(NODE_PORT_RANGE.max, `must be in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`)
                .optional(),
        })
        .prefault({}),
    loadBalancer: z
        .strictObject({
            enabled: z.boolean().default(true),
            /** Bare metal: the MetalLB pool to take the address from (default: the pool holding `addresses`, else the first pool). */
            pool: dnsLabel.optional(),
            /** Bare metal: fixed addresses from that pool (one per IP family). */
            addresses: z.array(ipAddress).max(2, "takes at most one IPv4 and one IPv6 address").default([]),
            /**
             * Client CIDRs allowed to reach the load balancer; empty means everyone (on EKS an internet-facing
             * one needs them said: see the stack check in config/index.ts).
             */
            sourceRanges: z.array(clientRange).default([]),
            externalTrafficPolicy: z.enum(["Cluster", "Local"]).default("Cluster"),
        })
        .prefault({}),
    /** ExternalName aliases: alias (a Service name) -> the external host it stands for. */
    externalNames: z.record(dnsLabel, externalNameHost).default({}),
    /** Services that re-expose another Service under another type (`kubectl expose service`). */
    exposures: z.array(exposureSchema).default([]),
});

export type ServicesConfig = z.infer<typeof servicesSchema>;
export type ExposureConfig = z.infer<typeof exposureSchema>;
