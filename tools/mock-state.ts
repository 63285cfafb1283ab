/**
 * Realistic state for resources and function calls under Pulumi's mock runtime: what a provider would
 * report after `pulumi up` (cluster IPs, allocated node ports, load balancer addresses, EKS outputs),
 * so that code reading outputs sees values of the right shape.
 */

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A small stable hash, so mock values differ per resource but never between runs. */
export function stableNumber(text: string, modulo: number): number {
    let hash = 2166136261;
    for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    return hash % modulo;
}

const MOCK_KUBECONFIG = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
        {
            name: "mock",
            cluster: {
                server: "https://MOCK.gr7.us-east-1.eks.amazonaws.com",
                "certificate-authority-data": "bW9jaw==",
            },
        },
    ],
    contexts: [{ name: "mock", context: { cluster: "mock", user: "mock" } }],
    "current-context": "mock",
    users: [{ name: "mock", user: { token: "mock-token" } }],
};

function serviceState(name: string, inputs: Inputs): Inputs {
    const spec = { ...(inputs.spec ?? {}) };
    if (spec.type === "ExternalName") return { ...inputs, status: {} };
    if (spec.clusterIP !== "None")
        spec.clusterIP = `10.96.${stableNumber(name, 250)}.${1 + stableNumber(`${name}/ip`, 250)}`;
    if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
        spec.ports = (spec.ports ?? []).map((port: Inputs, index: number) => ({
            ...port,
            nodePort: port.nodePort ?? 30000 + stableNumber(`${name}/${index}`, 2768),
        }));
    }
    let status: Inputs = {};
    if (spec.type === "LoadBalancer") {
        const annotations: Record<string, string> = inputs.metadata?.annotations ?? {};
        const fixed = annotations["metallb.io/loadBalancerIPs"];
        status = {
            loadBalancer: {
                ingress: annotations["service.beta.kubernetes.io/aws-load-balancer-type"]
                    ? [{ hostname: `${name}-${stableNumber(name, 1e6)}.elb.us-east-1.amazonaws.com` }]
                    : [{ ip: fixed ? fixed.split(",")[0] : "192.0.2.240" }],
            },
        };
    }
    return { ...inputs, spec, status };
}

/** State for a newly registered resource of `type`. */
export function mockResourceState(type: string, name: string, inputs: Inputs): Inputs {
    switch (type) {
        case "kubernetes:core/v1:Service":
            return serviceState(name, inputs);
        case "eks:index:Cluster":
            return {
                ...inputs,
                kubeconfig: MOCK_KUBECONFIG,
                kubeconfigJson: JSON.stringify(MOCK_KUBECONFIG),
                clusterSecurityGroupId: "sg-0mockcluster",
                nodeSecurityGroupId: "sg-0mocknodes",
                oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/MOCK",
                oidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/MOCK",
                oidcIssuer: "oidc.eks.us-east-1.amazonaws.com/id/MOCK",
                clusterOidcProviderArn:
                    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/MOCK",
                clusterOidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/MOCK",
                eksCluster: {
                    name: `${name}-eksCluster-mock`,
                    arn: `arn:aws:eks:us-east-1:123456789012:cluster/${name}`,
                },
                core: {},
            };
        default:
            if (type.startsWith("aws:") && inputs.arn === undefined) {
                return { ...inputs, arn: `arn:aws:mock:us-east-1:123456789012:${type.split(":").pop()}/${name}` };
            }
            return inputs;
    }
}

/** Results of provider functions (data sources) the program calls. */
export function mockCallResult(token: string, inputs: Inputs): Inputs {
    switch (token) {
        case "aws:index/getRegion:getRegion":
            return { name: "us-east-1", region: "us-east-1", id: "us-east-1" };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/mock", userId: "MOCK" };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:ec2/getVpc:getVpc":
            return { id: "vpc-0mockdefault", cidrBlock: "172.31.0.0/16", default: true };
        case "aws:ec2/getSubnets:getSubnets":
            return { ids: ["subnet-0mocka", "subnet-0mockb", "subnet-0mockc"] };
        case "aws:iam/getPolicyDocument:getPolicyDocument":
            return { json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) };
        default:
            return {};
    }
}
