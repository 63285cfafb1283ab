import { createMonitoring } from "./components/observability";
import { createPlatform } from "./components/platform";
import { NginxServices } from "./components/services";
import { ClusterVerification, stackVerificationArgs } from "./components/verify";
import { NginxStatefulSet, recommendedLabels } from "./components/workload";
import { loadConfig } from "./config/load";

export = async () => {
    const config = loadConfig();
    const { target, outputs: platformOutputs, checkLoadBalancer } = await createPlatform(config);
    const workload = new NginxStatefulSet("nginx", {
        app: config.app,
        target,
        observability: config.observability,
    });
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
    // Bare metal: a MetalLB speaker announces the LoadBalancer's address (the in-cluster fetch cannot tell).
    if (services.loadBalancerService) checkLoadBalancer?.(services.loadBalancerService);
    // In-cluster checks after the workload and Services are ready; a failed check fails `pulumi up`.
    const verification = config.verify.enabled
        ? new ClusterVerification(
              `${config.app.name}-verify`,
              stackVerificationArgs({ ...config, target, workload, nginxServices: services }),
          )
        : undefined;

    // Prometheus Operator objects for the pods' metrics, where the cluster serves their kinds.
    const monitoring =
        config.observability.enabled && workload.metricsPort
            ? await createMonitoring(`${config.app.name}-monitoring`, {
                  observability: config.observability,
                  platform: config.platform,
                  target,
                  statefulSetName: config.app.name,
                  namespaceName: config.app.namespace,
                  namespace: workload.namespace,
                  selector: workload.selector,
                  metricsPortName: workload.metricsPort.name,
              })
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
        ...(monitoring ? { monitoring: monitoring.summary } : {}),
    };
};
