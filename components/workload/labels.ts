/** The project, as `app.kubernetes.io/part-of` names it. */
export const PART_OF = "stateful-nginx";

/**
 * The recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/)
 * for one of the program's objects.
 *
 * @param instance the instance's name, unique in the namespace (the StatefulSet's name)
 * @param component the object's role in the architecture
 */
export function recommendedLabels(instance: string, component = "web"): Record<string, string> {
    return {
        "app.kubernetes.io/name": "nginx",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/**
 * The labels that select an instance's pods: the subset of its labels that never changes while the instance
 * exists. A StatefulSet's selector is immutable, and every Service selects its pods by the same labels, so
 * nothing that may be renamed or added later (component, part-of, managed-by) belongs here.
 */
export function selectorLabels(labels: Record<string, string>): Record<string, string> {
    const selector: Record<string, string> = {};
    for (const key of ["app.kubernetes.io/name", "app.kubernetes.io/instance"]) {
        if (labels[key] === undefined) throw new Error(`the labels have no ${key} to select pods by`);
        selector[key] = labels[key];
    }
    return selector;
}
