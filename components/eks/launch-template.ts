/** What EC2 launches for a node and tags at launch: the instance, its root volume and its network interface. */
export const NODE_TAGGED_RESOURCE_TYPES = ["instance", "volume", "network-interface"] as const;

/**
 * Tag specifications of the nodes' launch template. A managed node group's own tags stay on the node group
 * (and its Auto Scaling group); EC2 puts only launch-template tag specifications on the instances and volumes
 * it launches, which is what Cost Explorer bills.
 * https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
 */
export function nodeTagSpecifications(tags: Readonly<Record<string, string>>) {
    return NODE_TAGGED_RESOURCE_TYPES.map((resourceType) => ({ resourceType, tags: { ...tags } }));
}
