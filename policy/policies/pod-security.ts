/**
 * The Pod Security Standards, judged on the pod template of every workload before it is applied, as the
 * API server's Pod Security admission judges a namespace labelled `pod-security.kubernetes.io/enforce`.
 *
 * The controls and their allowed values are those of k8s.io/pod-security-admission v0.34.4 (the module
 * Kubernetes v1.34.4 vendors from staging/src/k8s.io/pod-security-admission), policy/check_*.go at the
 * newest version of each check (`VersionedCheck.MinimumVersion` <= 1.34); the constants come from
 * k8s.io/api v0.34.4 core/v1 (types.go, annotation_key_constants.go). Like its `visitContainers`, every
 * check reads init containers, containers and ephemeral containers.
 *
 * Two policies, one per level, that never report the same thing twice: `pod-security-baseline` holds the
 * baseline controls, `pod-security-restricted` what the restricted level adds on top of them (where a
 * restricted check overrides a baseline one, `OverrideCheckIDs` in check_*_restricted.go and
 * check_restrictedVolumes.go, only the part baseline does not already refuse). Both together are the
 * restricted level; baseline alone is the baseline level. So a stack can enforce baseline and be warned
 * about restricted, as a namespace labelled `enforce: baseline, warn: restricted` is.
 *
 * Not modelled: the relaxation for pods with `hostUsers: false` (runAsNonRoot, runAsUser, procMount), which
 * kube-apiserver applies only with the alpha feature gate UserNamespacesPodSecurityStandards (off by
 * default in 1.34, pkg/features/kube_features.go).
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import {
    Container,
    containerLabel,
    containersOf,
    DEFAULT_EXCLUDED_NAMESPACES,
    EXCLUDED_NAMESPACES_SCHEMA,
    PodTemplate,
    WORKLOAD_TYPES,
    workloadOf,
} from "../lib/kubernetes";
import { configOf, schemaWithDefaults, validateResourceOfTypes } from "../lib/validation";
import { int, isRecord, list, Props, record, strings, text } from "../lib/values";

export type PodSecurityLevel = "baseline" | "restricted";

/** One thing a control refuses: who (the pod or a container), which field, what is wrong, how to fix it. */
interface Finding {
    readonly container?: Container;
    /** The field, relative to the pod spec or to the container (`hostNetwork`, `securityContext.privileged`). */
    readonly field: string;
    readonly problem: string;
    readonly fix: string;
}

/** The pod as the controls read it. */
interface Pod {
    readonly template: PodTemplate;
    readonly spec: Props;
    readonly securityContext: Props;
    readonly containers: Container[];
    /** `spec.os.name: windows`: some restricted checks exempt Windows pods (Linux-only fields). */
    readonly windows: boolean;
}

interface Control {
    /** The check's ID in pod-security-admission (`hostNamespaces`, `capabilities_restricted`). */
    readonly id: string;
    readonly level: PodSecurityLevel;
    readonly check: (pod: Pod) => Finding[];
}

const securityContextOf = (container: Container): Props => record(container.props.securityContext);

// check_hostNamespaces.go
const HOST_NAMESPACES = { hostNetwork: "network", hostPID: "process (PID)", hostIPC: "IPC" } as const;

// check_capabilities_baseline.go, capabilities_allowed_1_0: the container runtimes' default set.
export const BASELINE_CAPABILITIES: readonly string[] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

// check_capabilities_restricted.go: capabilityAll, capabilityNetBindService.
const RESTRICTED_CAPABILITY = "NET_BIND_SERVICE";

// check_seccompProfile_baseline.go validSeccomp; check_appArmorProfile.go allowedProfileType.
const CONFINING_PROFILE_TYPES: readonly string[] = ["RuntimeDefault", "Localhost"];

// check_appArmorProfile.go allowedAnnotationValue, with core/v1 DeprecatedAppArmorBeta* constants.
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const allowedAppArmorAnnotation = (value: string) =>
    value === "" || value === "runtime/default" || value.startsWith("localhost/");

// check_seLinuxOptions.go selinuxAllowedTypes1_31 (the empty type is allowed too).
export const SELINUX_TYPES: readonly string[] = [
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

// check_sysctls.go sysctlsAllowedV1Dot32: the namespaced sysctls that cannot affect other pods.
export const SAFE_SYSCTLS: readonly string[] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

// check_restrictedVolumes.go restrictedVolumes_1_0: the volume sources restricted allows.
export const RESTRICTED_VOLUME_SOURCES: readonly string[] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/**
 * The source of a volume: its one key besides `name`. None at all is an emptyDir: the API server defaults
 * an empty VolumeSource to one (pkg/apis/core/v1/defaults.go SetDefaults_Volume, k8s.io/kubernetes v1.34.4).
 */
function volumeSource(volume: Props): string {
    return Object.keys(volume).find((key) => key !== "name" && volume[key] !== undefined) ?? "emptyDir";
}

/** Probes and lifecycle handlers that name a host (check_hostProbesAndhostLifecycle.go). */
function hostHandlers(container: Container): { field: string; host: string }[] {
    const handlers = [
        ...["livenessProbe", "readinessProbe", "startupProbe"].map((field) => [field, container.props[field]]),
        ...["postStart", "preStop"].map((field) => [`lifecycle.${field}`, record(container.props.lifecycle)[field]]),
    ] as [string, unknown][];
    return handlers.flatMap(([field, handler]) =>
        ["httpGet", "tcpSocket"].flatMap((kind) => {
            const host = text(record(record(handler)[kind]).host);
            return host ? [{ field: `${field}.${kind}.host`, host }] : [];
        }),
    );
}

/** The pod's and each container's `securityContext.<field>` when it is an object: where both may set it. */
function podAndContainers(pod: Pod, field: string): { container?: Container; value: Props }[] {
    const found: { container?: Container; value: Props }[] = [];
    if (isRecord(pod.securityContext[field])) found.push({ value: pod.securityContext[field] as Props });
    for (const container of pod.containers) {
        const value = securityContextOf(container)[field];
        if (isRecord(value)) found.push({ container, value });
    }
    return found;
}

export const CONTROLS: readonly Control[] = [
    {
        id: "hostNamespaces",
        level: "baseline",
        check: (pod) =>
            Object.entries(HOST_NAMESPACES)
                .filter(([field]) => pod.spec[field] === true)
                .map(([field, namespace]) => ({
                    field,
                    problem: `shares the node's ${namespace} namespace (${field}: true)`,
                    fix: `remove ${field}: the pod would see and reach what the node's own processes do`,
                })),
    },
    {
        id: "privileged",
        level: "baseline",
        check: (pod) =>
            pod.containers
                .filter((container) => securityContextOf(container).privileged === true)
                .map((container) => ({
                    container,
                    field: "securityContext.privileged",
                    problem: "runs privileged (privileged: true)",
                    fix: "remove privileged: it gives the container every device and capability of the node",
                })),
    },
    {
        id: "capabilities_baseline",
        level: "baseline",
        check: (pod) =>
            pod.containers.flatMap((container) => {
                const added = strings(record(securityContextOf(container).capabilities).add);
                const beyond = added.filter((capability) => !BASELINE_CAPABILITIES.includes(capability));
                if (beyond.length === 0) return [];
                return [
                    {
                        container,
                        field: "securityContext.capabilities.add",
                        problem: `adds ${beyond.join(", ")}, beyond the runtime's default set`,
                        fix: `add none of them (baseline allows only ${BASELINE_CAPABILITIES.join(", ")})`,
                    },
                ];
            }),
    },
    {
        id: "hostPathVolumes",
        level: "baseline",
        check: (pod) =>
            list(pod.spec.volumes)
                .map((volume, index) => ({ volume: record(volume), index }))
                .filter(({ volume }) => isRecord(volume.hostPath))
                .map(({ volume, index }) => ({
                    field: `volumes[${index}].hostPath`,
                    problem:
                        `mounts the node's ${text(record(volume.hostPath).path) ?? "file system"} ` +
                        `(volume ${text(volume.name) ?? `#${index}`} is a hostPath)`,
                    fix: "use a persistentVolumeClaim, emptyDir, configMap or secret volume instead",
                })),
    },
    {
        id: "hostPorts",
        level: "baseline",
        check: (pod) =>
            pod.containers.flatMap((container) =>
                list(container.props.ports)
                    .map((port, index) => ({ hostPort: int(record(port).hostPort), index }))
                    .filter(({ hostPort }) => hostPort !== undefined && hostPort !== 0)
                    .map(({ hostPort, index }) => ({
                        container,
                        field: `ports[${index}].hostPort`,
                        problem: `binds port ${hostPort} of the node (hostPort: ${hostPort})`,
                        fix: "remove hostPort and reach the pod through a Service (NodePort or LoadBalancer)",
                    })),
            ),
    },
    {
        id: "appArmorProfile",
        level: "baseline",
        check: (pod) => [
            ...podAndContainers(pod, "appArmorProfile")
                .filter(({ value }) => !CONFINING_PROFILE_TYPES.includes(text(value.type) ?? ""))
                .map(({ container, value }) => ({
                    container,
                    field: "securityContext.appArmorProfile.type",
                    problem: `sets the AppArmor profile type ${text(value.type) ?? "(none)"}`,
                    fix: "use RuntimeDefault or Localhost, or leave appArmorProfile unset",
                })),
            ...Object.entries(pod.template.annotations)
                .filter(
                    ([key, value]) => key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(value),
                )
                .map(([key, value]) => ({
                    field: `metadata.annotations[${key}]`,
                    problem: `sets the AppArmor profile ${value} through the legacy annotation`,
                    fix: "use runtime/default or localhost/<profile>, or better securityContext.appArmorProfile",
                })),
        ],
    },
    {
        id: "seLinuxOptions",
        level: "baseline",
        check: (pod) =>
            podAndContainers(pod, "seLinuxOptions").flatMap(({ container, value }) => {
                const found: Finding[] = [];
                const type = text(value.type) ?? "";
                if (type !== "" && !SELINUX_TYPES.includes(type)) {
                    found.push({
                        container,
                        field: "securityContext.seLinuxOptions.type",
                        problem: `sets the SELinux type ${type}`,
                        fix: `use one of ${SELINUX_TYPES.join(", ")}, or leave it unset`,
                    });
                }
                for (const field of ["user", "role"]) {
                    const given = text(value[field]) ?? "";
                    if (given !== "") {
                        found.push({
                            container,
                            field: `securityContext.seLinuxOptions.${field}`,
                            problem: `sets the SELinux ${field} ${given}`,
                            fix: `remove seLinuxOptions.${field}: no custom SELinux ${field} is allowed`,
                        });
                    }
                }
                return found;
            }),
    },
    {
        id: "procMount",
        level: "baseline",
        check: (pod) =>
            pod.containers
                .map((container) => ({ container, procMount: text(securityContextOf(container).procMount) }))
                .filter(({ procMount }) => procMount !== undefined && procMount !== "Default")
                .map(({ container, procMount }) => ({
                    container,
                    field: "securityContext.procMount",
                    problem: `mounts /proc unmasked (procMount: ${procMount})`,
                    fix: "remove procMount or set it to Default",
                })),
    },
    {
        id: "seccompProfile_baseline",
        level: "baseline",
        check: (pod) =>
            podAndContainers(pod, "seccompProfile")
                .filter(({ value }) => !CONFINING_PROFILE_TYPES.includes(text(value.type) ?? ""))
                .map(({ container, value }) => ({
                    container,
                    field: "securityContext.seccompProfile.type",
                    problem: `sets the seccomp profile type ${text(value.type) ?? "(none)"}`,
                    fix: "use RuntimeDefault (or Localhost with a profile on the node)",
                })),
    },
    {
        id: "sysctls",
        level: "baseline",
        check: (pod) =>
            list(pod.securityContext.sysctls)
                .map((sysctl, index) => ({ name: text(record(sysctl).name) ?? "", index }))
                .filter(({ name }) => !SAFE_SYSCTLS.includes(name))
                .map(({ name, index }) => ({
                    field: `securityContext.sysctls[${index}].name`,
                    problem: `sets the sysctl ${name}, outside the safe set`,
                    fix: `set only ${SAFE_SYSCTLS.join(", ")}; tune the others on the node`,
                })),
    },
    {
        id: "windowsHostProcess",
        level: "baseline",
        check: (pod) =>
            podAndContainers(pod, "windowsOptions")
                .filter(({ value }) => value.hostProcess === true)
                .map(({ container }) => ({
                    container,
                    field: "securityContext.windowsOptions.hostProcess",
                    problem: "runs as a Windows host process (hostProcess: true)",
                    fix: "remove hostProcess",
                })),
    },
    {
        id: "hostProbesAndHostLifecycle",
        level: "baseline",
        check: (pod) =>
            pod.containers.flatMap((container) =>
                hostHandlers(container).map(({ field, host }) => ({
                    container,
                    field,
                    problem: `sends a probe or lifecycle hook to the host ${host}`,
                    fix: "remove host: probes and hooks go to the pod's own address",
                })),
            ),
    },
    {
        id: "restrictedVolumes",
        level: "restricted",
        // hostPath is the baseline's (hostPathVolumes, which this check overrides).
        check: (pod) =>
            list(pod.spec.volumes)
                .map((volume, index) => ({ volume: record(volume), index }))
                .map(({ volume, index }) => ({ volume, index, source: volumeSource(volume) }))
                .filter(({ source }) => source !== "hostPath" && !RESTRICTED_VOLUME_SOURCES.includes(source))
                .map(({ volume, index, source }) => ({
                    field: `volumes[${index}].${source}`,
                    problem: `mounts a ${source} volume (${text(volume.name) ?? `#${index}`})`,
                    fix:
                        `use a persistentVolumeClaim (or ${RESTRICTED_VOLUME_SOURCES.filter((s) => s !== "persistentVolumeClaim").join(", ")}) ` +
                        "volume: restricted allows no other source",
                })),
    },
    {
        id: "allowPrivilegeEscalation",
        level: "restricted",
        check: (pod) =>
            pod.windows
                ? []
                : pod.containers
                      .filter((container) => securityContextOf(container).allowPrivilegeEscalation !== false)
                      .map((container) => ({
                          container,
                          field: "securityContext.allowPrivilegeEscalation",
                          problem:
                              "may gain privileges through setuid binaries (allowPrivilegeEscalation is not false)",
                          fix: "set allowPrivilegeEscalation: false",
                      })),
    },
    {
        id: "runAsNonRoot",
        level: "restricted",
        check: (pod) => {
            const found: Finding[] = [];
            const podValue = pod.securityContext.runAsNonRoot;
            if (podValue === false) {
                found.push({
                    field: "securityContext.runAsNonRoot",
                    problem: "allows root (runAsNonRoot: false)",
                    fix: "set runAsNonRoot: true",
                });
            }
            for (const container of pod.containers) {
                const own = securityContextOf(container).runAsNonRoot;
                if (own === false) {
                    found.push({
                        container,
                        field: "securityContext.runAsNonRoot",
                        problem: "allows root (runAsNonRoot: false)",
                        fix: "set runAsNonRoot: true",
                    });
                } else if (own !== true && podValue !== true) {
                    const user = int(securityContextOf(container).runAsUser ?? pod.securityContext.runAsUser);
                    found.push({
                        container,
                        field: "securityContext.runAsNonRoot",
                        problem:
                            "may run as root: neither it nor the pod sets securityContext.runAsNonRoot: true" +
                            (user !== undefined && user !== 0
                                ? ` (runAsUser: ${user} alone is not enough: without runAsNonRoot the kubelet does not refuse a root user)`
                                : ""),
                        fix: "set runAsNonRoot: true on the pod's securityContext (or on every container's)",
                    });
                }
            }
            return found;
        },
    },
    {
        id: "runAsUser",
        level: "restricted",
        check: (pod) =>
            [
                ...(int(pod.securityContext.runAsUser) === 0 ? [{ container: undefined }] : []),
                ...pod.containers
                    .filter((container) => int(securityContextOf(container).runAsUser) === 0)
                    .map((container) => ({ container })),
            ].map(({ container }) => ({
                container,
                field: "securityContext.runAsUser",
                problem: "runs as root (runAsUser: 0)",
                fix: "set a non-zero runAsUser (the image's own user, e.g. 101 for nginx-unprivileged)",
            })),
    },
    {
        id: "seccompProfile_restricted",
        level: "restricted",
        // A profile set to something else is the baseline's (seccompProfile_baseline, overridden here).
        check: (pod) =>
            pod.windows
                ? []
                : pod.containers
                      .filter(
                          (container) =>
                              !isRecord(securityContextOf(container).seccompProfile) &&
                              !isRecord(pod.securityContext.seccompProfile),
                      )
                      .map((container) => ({
                          container,
                          field: "securityContext.seccompProfile.type",
                          problem:
                              "runs without a seccomp profile: neither it nor the pod sets securityContext.seccompProfile",
                          fix: "set seccompProfile: {type: RuntimeDefault} on the pod's securityContext",
                      })),
    },
    {
        id: "capabilities_restricted",
        level: "restricted",
        // Capabilities outside the default set are the baseline's (capabilities_baseline, overridden here).
        check: (pod) =>
            pod.windows
                ? []
                : pod.containers.flatMap((container) => {
                      const capabilities = record(securityContextOf(container).capabilities);
                      const found: Finding[] = [];
                      if (!strings(capabilities.drop).includes("ALL")) {
                          found.push({
                              container,
                              field: "securityContext.capabilities.drop",
                              problem:
                                  "keeps the runtime's default capabilities (capabilities.drop does not include ALL)",
                              fix: "set capabilities.drop: [ALL]",
                          });
                      }
                      const added = strings(capabilities.add).filter(
                          (capability) =>
                              capability !== RESTRICTED_CAPABILITY && BASELINE_CAPABILITIES.includes(capability),
                      );
                      if (added.length > 0) {
                          found.push({
                              container,
                              field: "securityContext.capabilities.add",
                              problem: `adds ${added.join(", ")}`,
                              fix: `add at most ${RESTRICTED_CAPABILITY}`,
                          });
                      }
                      return found;
                  }),
    },
];

/** The violations of one level's controls on one pod template, as messages naming the object and the field. */
export function podSecurityFindings(what: string, template: PodTemplate, level: PodSecurityLevel): string[] {
    const spec = template.spec;
    const pod: Pod = {
        template,
        spec,
        securityContext: record(spec.securityContext),
        containers: containersOf(spec, { ephemeral: true }),
        windows: text(record(spec.os).name) === "windows",
    };
    const metadataPath = template.specPath === "spec" ? "metadata" : template.specPath.replace(/spec$/, "metadata");
    return CONTROLS.filter((control) => control.level === level).flatMap((control) =>
        control.check(pod).map(({ container, field, problem, fix }) => {
            const path = field.startsWith("metadata.")
                ? `${metadataPath}${field.slice("metadata".length)}`
                : `${template.specPath}.${container ? `${container.path}.` : ""}${field}`;
            const who = container ? containerLabel(container) : "the pod";
            return `${what}: ${who} ${problem} at ${path}: ${fix} (Pod Security ${level}, ${control.id}).`;
        }),
    );
}

const DEFAULTS = { excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES };

function validateLevel(level: PodSecurityLevel) {
    return validateResourceOfTypes(WORKLOAD_TYPES, (props, args, report: ReportViolation) => {
        const config = configOf(args, DEFAULTS);
        const { what, template } = workloadOf(props, args, strings(config.excludedNamespaces));
        for (const message of podSecurityFindings(what, template, level)) report(message);
    });
}

const STANDARDS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";

/** The baseline level: what lets a pod take over its node (host namespaces, hostPath, privileged, ...). */
export const podSecurityBaseline: ResourceValidationPolicy = {
    name: "pod-security-baseline",
    description:
        "Pod templates meet the Pod Security Standards' baseline level (Kubernetes 1.34): no host namespaces, " +
        "hostPath, host ports, privileged containers or added capabilities beyond the default set, and only " +
        "confining seccomp, AppArmor and SELinux settings, default procMount and safe sysctls.",
    enforcementLevel: "mandatory",
    severity: "critical",
    url: `${STANDARDS}#baseline`,
    remediationSteps:
        "Remove hostNetwork, hostPID, hostIPC, hostPath volumes, hostPort, privileged, host-directed probes and " +
        "added capabilities outside the default set; leave seccomp, AppArmor and SELinux unset or set them to " +
        "RuntimeDefault/Localhost and the container SELinux types; set only the safe sysctls.",
    configSchema: schemaWithDefaults(DEFAULTS, { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA }),
    validateResource: validateLevel("baseline"),
};

/** What the restricted level adds to baseline: a non-root user, no escalation, seccomp, no capabilities. */
export const podSecurityRestricted: ResourceValidationPolicy = {
    name: "pod-security-restricted",
    description:
        "Pod templates meet what the Pod Security Standards' restricted level adds to baseline (Kubernetes 1.34): " +
        "runAsNonRoot: true, never runAsUser 0, allowPrivilegeEscalation: false, a RuntimeDefault or Localhost " +
        "seccomp profile, capabilities drop ALL (add at most NET_BIND_SERVICE), and only the restricted volume types.",
    enforcementLevel: "advisory",
    severity: "high",
    url: `${STANDARDS}#restricted`,
    remediationSteps:
        "On the pod's securityContext set runAsNonRoot: true and seccompProfile: {type: RuntimeDefault}; on every " +
        "container set allowPrivilegeEscalation: false and capabilities: {drop: [ALL]}; use only configMap, csi, " +
        "downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes.",
    configSchema: schemaWithDefaults(DEFAULTS, { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA }),
    validateResource: validateLevel("restricted"),
};

export const podSecurityPolicies = [podSecurityBaseline, podSecurityRestricted];
