import type * as pulumi from "@pulumi/pulumi";
import type { AppConfig, ServicesConfig, VerifyConfig } from "../../config";
import type { NginxServices } from "../services";
import type { ClusterTarget } from "../target";
import type { NginxStatefulSet } from "../workload";
import type { ClusterVerificationArgs } from "./verification";

export interface StackVerificationInputs {
    readonly app: AppConfig;
    readonly services: ServicesConfig;
    readonly verify: VerifyConfig;
    readonly target: ClusterTarget;
    readonly workload: NginxStatefulSet;
    readonly nginxServices: NginxServices;
}

/**
 * The verification of this program's own workload and Services: what to check and what to wait for.
 *
 * The LoadBalancer is checked only when it admits every client: with `sourceRanges`, kube-proxy drops
 * in-cluster traffic to the load balancer's address from pods outside those ranges, so the check would
 * fail on a Service that works as configured.
 */
export function stackVerificationArgs(inputs: StackVerificationInputs): ClusterVerificationArgs {
    const { app, services, verify, target, workload, nginxServices } = inputs;
    const lb = nginxServices.loadBalancerService;
    const checkLoadBalancer = lb !== undefined && services.loadBalancer.sourceRanges.length === 0;
    const waitFor: pulumi.Resource[] = [
        workload.statefulSet,
        workload.headlessService,
        ...[nginxServices.clusterIpService, nginxServices.nodePortService, lb].flatMap((c) => (c ? [c.service] : [])),
        ...nginxServices.externalNameServices.map((c) => c.service),
    ];
    return {
        namespace: workload.namespace,
        statefulSetName: workload.statefulSet.metadata.name,
        headlessServiceName: workload.headlessService.metadata.name,
        replicas: workload.replicas,
        podPort: workload.containerPort,
        clusterIP: nginxServices.clusterIpService && {
            name: nginxServices.clusterIpService.serviceName,
            port: workload.port.port,
        },
        nodePort: nginxServices.nodePortService && {
            name: nginxServices.nodePortService.serviceName,
            nodePort: nginxServices.nodePortService.nodePort,
        },
        loadBalancer: checkLoadBalancer
            ? { name: lb.serviceName, address: lb.address, port: workload.port.port }
            : undefined,
        externalNames: nginxServices.externalNames,
        image: verify.image,
        waitFor,
        provider: target.provider,
        // A changed workload (image, replicas, resources...) runs the checks again.
        revision: JSON.stringify(app),
    };
}
