import type { AppConfig } from "../../config/app";

/** Namespaces every cluster already has: the program never applies (and so never labels) them. */
export const SYSTEM_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface NamespacePlan {
    /**
     * Whether the program applies the namespace: creates it when missing, takes it over (labels) when it is
     * already there. Never deleted either way: see `NginxStatefulSet`.
     */
    readonly apply: boolean;
}

/** What the program does with the workload's namespace. */
export function namespacePlan(app: Pick<AppConfig, "namespace" | "createNamespace">): NamespacePlan {
    return { apply: app.createNamespace && !SYSTEM_NAMESPACES.includes(app.namespace) };
}
