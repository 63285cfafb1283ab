import { z } from "zod";
import { dnsLabel, quantity } from "./fields";

const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

/** The nginx StatefulSet: `app` in the stack file. */
export const appSchema = z.strictObject({
    /** Name of the StatefulSet and its headless Service; pods are `<name>-0`, `<name>-1`, ... */
    name: dnsLabel.default("nginx"),
    /** Namespace of the workload and its Services. */
    namespace: dnsLabel.default("stateful-nginx"),
    /** Create the namespace (never for `default`). */
    createNamespace: z.boolean().default(true),
    /**
     * Keep the namespace in the cluster when the stack is destroyed. Deleting a namespace deletes every
     * PersistentVolumeClaim in it, so this is on unless a stack opts out.
     */
    retainNamespaceOnDelete: z.boolean().default(true),
    replicas: z
        .number()
        .int("must be a whole number")
        .min(1, "must be at least 1")
        .max(100, "must be at most 100")
        .default(3),
    /** A pinned non-root nginx image that listens on 8080. */
    image: z
        .string()
        .regex(
            /^[^\s:@]+(:[^\s:@]+)?(@sha256:[a-f0-9]{64})?$/,
            "must be an image reference such as nginxinc/nginx-unprivileged:1.29.3-alpine",
        )
        .refine(
            (value) => /@sha256:|:[^/:@]+$/.test(value) && !/:latest$/.test(value),
            "must be pinned to a tag other than latest or a digest",
        )
        .default("nginxinc/nginx-unprivileged:1.29.3-alpine"),
    podManagementPolicy: z.enum(["OrderedReady", "Parallel"]).default("OrderedReady"),
    /** Pods with an ordinal at or above the partition are updated by a rolling update. */
    partition: z.number().int("must be a whole number").min(0, "must be 0 or more").default(0),
    minReadySeconds: z.number().int("must be a whole number").min(0, "must be 0 or more").default(5),
    /** Delete the StatefulSet without deleting its pods (`kubectl delete statefulset --cascade=orphan`). */
    orphanPodsOnDelete: z.boolean().default(false),
    storage: z
        .strictObject({
            size: quantity.default("1Gi"),
            /** Overrides the platform's storage class. */
            storageClassName: dnsLabel.optional(),
            accessModes: z
                .array(z.enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadOnlyMany", "ReadWriteMany"]))
                .min(1, "must name at least one access mode")
                .default(["ReadWriteOnce"]),
        })
        .prefault({}),
    resources: z
        .strictObject({
            requests: resourceList.default({ cpu: "50m", memory: "64Mi" }),
            limits: resourceList.default({ cpu: "250m", memory: "128Mi" }),
        })
        .prefault({}),
});

export type AppConfig = z.infer<typeof appSchema>;
