import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../../config/load";
import type { AnnouncedService } from "../baremetal/announcement-check";
import type { ClusterTarget } from "../target";

/** A built platform: the target the workload runs on, and what the stack exports about the platform. */
export interface Platform {
    readonly target: ClusterTarget;
    /** Stack outputs that only this platform has (EKS: cluster name and secret kubeconfig; bare metal: pools). */
    readonly outputs: Record<string, pulumi.Output<unknown>>;
    /**
     * Checks, once the LoadBalancer Service has its address, what only the platform can tell: on bare metal, that a
     * MetalLB speaker announces it. Absent where there is nothing to check (EKS: the NLB is AWS's).
     */
    readonly checkLoadBalancer?: (loadBalancer: AnnouncedService) => void;
}

/**
 * Builds the stack's platform. Each platform module is loaded only when the stack uses it, so a bare-metal
 * stack never loads `@pulumi/aws` or `@pulumi/eks` (seconds of start-up).
 */
export async function createPlatform(config: LoadedConfig): Promise<Platform> {
    switch (config.platform) {
        case "eks": {
            const { createEksPlatform } = await import("../eks");
            // What the AWS account says must pass before anything is registered (zones, volumes, versions).
            const platform = await createEksPlatform("eks", { eks: config.eks! });
            return {
                target: platform.target,
                outputs: { clusterName: platform.clusterName, kubeconfig: platform.kubeconfig },
            };
        }
        case "baremetal": {
            const { BareMetalPlatform } = await import("../baremetal");
            const platform = new BareMetalPlatform("baremetal", {
                kubeconfig: config.kubeconfig,
                kubeContext: config.kubeContext,
                metallb: config.metallb!,
                loadBalancer: config.services.loadBalancer,
            });
            await platform.preflight; // what the cluster says must pass before the workload is registered
            return {
                target: platform.target,
                outputs: { metallbPools: platform.poolNames, metallbMode: platform.mode },
                checkLoadBalancer: (loadBalancer) => platform.checkAnnouncement(loadBalancer),
            };
        }
    }
}
