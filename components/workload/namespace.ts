import type { AppConfig } from "../../config/app";

/** Namespaces every cluster already has: the program never creates (and so never deletes) them. */
export const SYSTEM_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface NamespacePlan {
    /** Whether the program creates the namespace (and so owns its lifecycle). */
    readonly create: boolean;
    /**
     * Whether `pulumi destroy` (or a replacement) leaves the namespace in the cluster. Deleting a namespace
     * deletes every PersistentVolumeClaim in it, whatever the StatefulSet's retention policy says.
     */
    readonly retainOnDelete: boolean;
}

/** What the program does with the workload's namespace. */
export function namespacePlan(
    app: Pick<AppConfig, "namespace" | "createNamespace" | "retainNamespaceOnDelete">,
): NamespacePlan {
    const create = app.createNamespace && !SYSTEM_NAMESPACES.includes(app.namespace);
    return { create, retainOnDelete: create && app.retainNamespaceOnDelete };
}
