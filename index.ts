import { createPlatform } from "./components/platform";
import { NginxServices } from "./components/services";
import { ClusterVerification, stackVerificationArgs } from "./components/verify";
import { NginxStatefulSet, recommendedLabels } from "./components/workload";
import { loadConfig } from "./config/load";

export = async () => {
    const config = loadConfig();
    const { target, outputs: platformOutputs } = await createPlatform(config);
    const workload = new NginxStatefulSet("nginx", { app: config.app, target });
    const services = new NginxServices("nginx-services", {
        target,
        namespace: workload.namespace,
        appName: config.app.name,
        selector: workload.selector,
        labels: recommendedLabels(config.app.name, "service"),
        port: workload.port,
        headlessService: workload.headlessService,
        services: config.services,
    });
    // In-cluster checks after the workload and Services are ready; a failed check fails `pulumi up`.
    const verification = config.verify.enabled
        ? new ClusterVerification(
              `${config.app.name}-verify`,
              stackVerificationArgs({ ...config, target, workload, nginxServices: services }),
          )
        : undefined;

    return {
        platform: target.kind,
        ...platformOutputs,
        namespace: workload.namespace,
        statefulSetName: workload.statefulSet.metadata.name,
        headlessServiceName: workload.headlessService.metadata.name,
        podDnsNames: workload.podDnsNames,
        services: services.services,
        nodePort: services.nodePort,
        loadBalancerAddress: services.loadBalancerAddress,
        externalNames: services.externalNames,
        ...(verification ? { verificationJob: verification.jobName } : {}),
    };
};
