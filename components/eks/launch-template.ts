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

/**
 * The nodes' instance metadata service: IMDSv2 only (a session token is required, so a server-side request
 * forgery that can only send a GET gets nothing), and a response hop limit of 1, so the token never reaches a
 * pod behind the node's network namespace: a pod cannot borrow the node role's credentials. What runs on the
 * nodes needs no IMDS from a pod: the VPC CNI and kube-proxy use the host network, and the EBS CSI driver gets
 * AWS credentials through IRSA and falls back to the Kubernetes API for instance metadata when IMDS does not
 * answer (aws-ebs-csi-driver pkg/cloud/metadata `NewMetadataService`).
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html
 */
export const NODE_METADATA_OPTIONS = {
    httpEndpoint: "enabled",
    httpTokens: "required",
    httpPutResponseHopLimit: 1,
} as const;

/** Burstable EC2 families (T2, T3, T3a, T4g), the only ones with CPU credits. */
export function isBurstable(instanceType: string): boolean {
    return /^t\d+[a-z]*\./.test(instanceType);
}

/**
 * CPU credits of the nodes. A T3 launches `unlimited` unless told otherwise: a node that bursts past its
 * baseline (20% of 2 vCPUs for a t3.medium) for long is billed $0.05 per vCPU-hour of surplus, with no cap,
 * which can exceed the instance's own price. `standard` throttles it to the baseline instead: the cost stays
 * the list price, and a busy node is slow rather than expensive. Only burstable types take the setting.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-performance-instances-unlimited-mode-concepts.html
 */
export function nodeCreditSpecification(instanceType: string): { cpuCredits: "standard" } | undefined {
    return isBurstable(instanceType) ? { cpuCredits: "standard" } : undefined;
}

/**
 * The hardening part of the nodes' launch template: IMDSv2 with one hop, and standard CPU credits on burstable
 * types. Both are launch-template settings EKS allows for managed node groups (its list of prohibited ones
 * names neither): https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
 */
export function nodeLaunchHardening(instanceType: string) {
    const creditSpecification = nodeCreditSpecification(instanceType);
    return {
        metadataOptions: { ...NODE_METADATA_OPTIONS },
        ...(creditSpecification ? { creditSpecification } : {}),
    };
}
