import { createPlatform } from "./components/platform";
import { NginxStatefulSet } from "./components/workload";
import { loadConfig } from "./config/load";

export = async () => {
    const config = loadConfig();
    const target = await createPlatform(config);
    const workload = new NginxStatefulSet("nginx", { app: config.app, target });

    return {
        platform: target.kind,
        namespace: workload.namespace,
        statefulSetName: workload.statefulSet.metadata.name,
        headlessServiceName: workload.headlessService.metadata.name,
        podDnsNames: workload.podDnsNames,
    };
};
