import type { LoadedConfig } from "../../config/load";
import type { ClusterTarget } from "../target";

/**
 * Builds the stack's platform and returns its ClusterTarget. Each platform module is loaded only when the
 * stack uses it, so a bare-metal stack never loads `@pulumi/aws` or `@pulumi/eks` (seconds of start-up).
 */
export async function createPlatform(config: LoadedConfig): Promise<ClusterTarget> {
    switch (config.platform) {
        case "eks": {
            const { EksPlatform } = await import("../eks");
            return new EksPlatform("eks", { eks: config.eks! }).target;
        }
        case "baremetal": {
            const { BareMetalPlatform } = await import("../baremetal");
            return new BareMetalPlatform("baremetal", {
                kubeconfig: config.kubeconfig,
                kubeContext: config.kubeContext,
                metallb: config.metallb!,
                loadBalancer: config.services.loadBalancer,
            }).target;
        }
    }
}
