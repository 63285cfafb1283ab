import { z } from "zod";
import { pinnedImage } from "./images";
import { dnsLabel, quantity, removedKey } from "./fields";

/** A container's `{cpu?, memory?}`, as requests or limits. */
export const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

const QUANTITY_SUFFIX: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The value of a quantity that matched `quantity` (`250m` is 0.25, `1Gi` is 1073741824). */
export function quantityValue(text: string): number {
    const [, number, suffix] = /^([0-9.]+)([A-Za-z]*)$/.exec(text) ?? [];
    return parseFloat(number) * (QUANTITY_SUFFIX[suffix] ?? NaN);
}

/**
 * A storage size: a Kubernetes quantity of bytes above zero, such as `1Gi` or `500Mi`. The generic quantity
 * also allows `250m` (milli), which for bytes is a mistake, and `0`, which no provisioner can create.
 */
const storageSize = quantity
    .refine((value) => !/^[0-9.]+m$/.test(value), "must be a size in bytes such as 1Gi or 500Mi, not milli-units")
    .refine((value) => !/^[0.]+[A-Za-z]*$/.test(value), "must be more than zero, such as 1Gi");

/** The nginx StatefulSet: `app` in the stack file. */
export const appSchema = z
    .strictObject({
        /** Name of the StatefulSet and its headless Service; pods are `<name>-0`, `<name>-1`, ... */
        name: dnsLabel.default("nginx"),
        /** Namespace of the workload and its Services. */
        namespace: dnsLabel.default("stateful-nginx"),
        /** Create the namespace (never `default` or a `kube-*` namespace, which every cluster has). */
        createNamespace: z.boolean().default(true),
        /** Removed: the namespace holds the claims, so the program never deletes it (docs/operations.md). */
        retainNamespaceOnDelete: removedKey(
            "is no longer a setting: the namespace is never deleted (it holds the claims); remove the key " +
                "(a stack that set false: first pulumi up with true on the previous version)",
        ),
        replicas: z
            .number()
            .int("must be a whole number")
            .min(1, "must be at least 1")
            .max(100, "must be at most 100")
            .default(3),
        /** A pinned non-root nginx image that listens on 8080 (the nginx-unprivileged images do). */
        image: pinnedImage("nginxinc/nginx-unprivileged:1.29.3-alpine").default(
            "nginxinc/nginx-unprivileged:1.29.3-alpine",
        ),
        podManagementPolicy: z.enum(["OrderedReady", "Parallel"]).default("OrderedReady"),
        /**
         * Pods with an ordinal at or above the partition are updated by a rolling update; the others keep the
         * old template (a staged rollout). Above 0, `pulumi up` does not wait for the rollout (docs/operations.md).
         */
        partition: z.number().int("must be a whole number").min(0, "must be 0 or more").default(0),
        /** Seconds a new pod must be ready before it counts as available. */
        minReadySeconds: z
            .number()
            .int("must be a whole number")
            .min(0, "must be 0 or more")
            .max(3600, "must be at most 3600")
            .default(5),
        /** Removed: every replacement of the set orphans its pods, and destroy stops them (docs/operations.md). */
        orphanPodsOnDelete: removedKey(
            "is no longer a setting: replacing the StatefulSet always leaves its pods serving, and pulumi destroy " +
                "always stops them; remove the key",
        ),
        storage: z
            .strictObject({
                size: storageSize.default("1Gi"),
                /** Overrides the platform's storage class. */
                storageClassName: dnsLabel.optional(),
                /**
                 * Whether the class allows volume expansion (its `allowVolumeExpansion`). Absent: the platform's
                 * answer for its own class (EKS gp3: yes), else unknown, and the API server decides.
                 */
                allowsExpansion: z.boolean().optional(),
                /** ReadOnlyMany is not offered: each pod writes its page to its own volume. */
                accessModes: z
                    .array(z.enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"]))
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
    })
    .superRefine((app, ctx) => checkRequestsWithinLimits(app.resources, ["resources"], ctx));

type ResourceList = z.infer<typeof resourceList>;

/**
 * Adds an issue at `path`.requests.<resource> for each request above its limit. The API server accepts the
 * StatefulSet but refuses every pod whose request exceeds its limit, and `pulumi up` would then wait 10 minutes
 * for pods that never come.
 */
export function checkRequestsWithinLimits(
    resources: { requests: ResourceList; limits: ResourceList },
    path: (string | number)[],
    ctx: z.RefinementCtx,
): void {
    for (const resource of ["cpu", "memory"] as const) {
        const request = resources.requests[resource];
        const limit = resources.limits[resource];
        if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
            ctx.addIssue({
                code: "custom",
                path: [...path, "requests", resource],
                input: request,
                message: `must not exceed the limit (${limit})`,
            });
        }
    }
}

export type AppConfig = z.infer<typeof appSchema>;
