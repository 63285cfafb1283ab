import type * as k8s from "@pulumi/kubernetes";

/**
 * The Pod Security "restricted" profile as every pod of the program carries it
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted): the pod runs as a non-root
 * user and group with the runtime's default seccomp profile; each of its containers (see
 * restrictedContainerSecurityContext) cannot escalate, drops every capability and cannot write its root filesystem.
 * `user` is the image's own non-root user where it has one, else 65534 (`nobody`).
 */
export function restrictedPodSecurityContext(
    user: number,
    group: number = user,
): k8s.types.input.core.v1.PodSecurityContext & { seccompProfile: { type: string } } {
    if (!Number.isInteger(user) || user < 1 || !Number.isInteger(group) || group < 0) {
        throw new Error(`a restricted pod runs as a non-root user, got user ${user} and group ${group}`);
    }
    return { runAsNonRoot: true, runAsUser: user, runAsGroup: group, seccompProfile: { type: "RuntimeDefault" } };
}

/** The container half of the restricted profile (restrictedPodSecurityContext sets seccomp for the whole pod). */
export function restrictedContainerSecurityContext(): k8s.types.input.core.v1.SecurityContext & {
    capabilities: { drop: string[] };
} {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
    };
}
