/**
 * The pack's policies, gathered from the policy modules. Kept apart from index.ts because constructing
 * the PolicyPack starts the policy server: specs that need the policies' names import this file instead.
 */
import type { Policies } from "@pulumi/policy";
import { awsPolicies } from "./policies/aws";
import { eksPolicies } from "./policies/eks";
import { externalExposurePolicies } from "./policies/external-exposure";
import { externalNamePolicies } from "./policies/external-name";
import { metallbPolicies } from "./policies/metallb";
import { nodePortPolicies } from "./policies/node-ports";
import { podSecurityPolicies } from "./policies/pod-security";
import { serviceSelectorPolicies } from "./policies/service-selectors";
import { statefulSetIdentityPolicies } from "./policies/statefulset-identity";
import { statefulSetStoragePolicies } from "./policies/statefulset-storage";
import { workloadPodPolicies } from "./policies/workload-pods";

export const PACK_NAME = "stateful-nginx";

export const PACK_DESCRIPTION =
    "Guards the stateful-nginx stacks: StatefulSet identity and data, Pod Security and pinned images, Service selectors and " +
    "exposure (CVE-2020-8554, CVE-2021-25740), MetalLB pools, the EKS cluster and its AWS resources.";

/** Used for a policy that sets no level of its own (every policy here sets one). */
export const PACK_ENFORCEMENT_LEVEL = "advisory" as const;

export const policies: Policies = [
    ...statefulSetIdentityPolicies,
    ...statefulSetStoragePolicies,
    ...workloadPodPolicies,
    ...podSecurityPolicies,
    ...serviceSelectorPolicies,
    ...nodePortPolicies,
    ...externalNamePolicies,
    ...externalExposurePolicies,
    ...metallbPolicies,
    ...eksPolicies,
    ...awsPolicies,
];
