/**
 * Realistic state for resources and function calls under Pulumi's mock runtime: what a provider would
 * report after `pulumi up` (cluster IPs, allocated node ports, load balancer addresses, EKS outputs),
 * so that code reading outputs sees values of the right shape.
 */
import { METALLB_APIS } from "../components/baremetal/cluster-facts";
import { MONITORING_APIS } from "../components/observability/decision";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A small stable hash, so mock values differ per resource but never between runs. */
export function stableNumber(text: string, modulo: number): number {
    let hash = 2166136261;
    for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    return hash % modulo;
}

/**
 * What a string holds when the mocks here made it up rather than the program or its config: an object's
 * `uid-<n>`, the mock VPC's `subnet-0mock…`, `vpc-0mock…` and `sg-0mock…` ids, the EKS cluster's `MOCK` and
 * `-mock` names and the mock account 123456789012. A new made-up value gets a form this matches, so synth can
 * mark every one of them in what it writes.
 */
export const MADE_UP_VALUE = /\buid-\d+\b|\b(?:subnet|vpc|sg)-0mock|MOCK|-mock\b|\b123456789012\b/;

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

/**
 * A Service that already exists in the cluster, as `Service.get` reads it (a read sends no inputs): a
 * NodePort Service of some other app, so re-exposing it shows what is copied and what is not.
 */
function existingServiceState(name: string, id: string | undefined): Inputs {
    const key = id ?? name;
    const [namespace, serviceName] = key.includes("/") ? key.split("/") : ["default", key];
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: serviceName,
            namespace,
            labels: { "app.kubernetes.io/name": serviceName, "app.kubernetes.io/managed-by": "Helm" },
            annotations: { "meta.helm.sh/release-name": serviceName },
        },
        spec: {
            type: "NodePort",
            clusterIP: `10.96.${stableNumber(key, 250)}.${1 + stableNumber(`${key}/ip`, 250)}`,
            selector: { "app.kubernetes.io/name": serviceName },
            ports: [
                {
                    name: "web",
                    port: 8000,
                    targetPort: 8080,
                    protocol: "TCP",
                    nodePort: 30000 + stableNumber(`${key}/0`, 2768),
                },
            ],
            sessionAffinity: "None",
        },
        status: { loadBalancer: {} },
    };
}

/** `config.conf` of kube-proxy's ConfigMap as kubeadm writes it, here for a cluster with kube-proxy in IPVS mode. */
export const MOCK_KUBE_PROXY_CONFIG = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
iptables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 1s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
metricsBindAddress: ""
mode: ipvs
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
`;

/** A ConfigMap read from the cluster (`ConfigMap.get`: no inputs): kube-proxy's is the one programs read. */
function readConfigMapState(name: string, id?: string): Inputs {
    if (!(id ?? name).includes("kube-proxy")) return {};
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "kube-proxy", namespace: "kube-system", labels: { app: "kube-proxy" } },
        data: {
            "config.conf": MOCK_KUBE_PROXY_CONFIG,
            "kubeconfig.conf": "apiVersion: v1\nkind: Config\nclusters: []\n",
        },
    };
}

/** The bare-metal cluster the mocks stand for: what a read of MetalLB's objects and the cluster facts find. */
export interface MockCluster {
    /** The API server's version (`+k3s1` for k3s). */
    readonly kubeVersion: string;
    /** MetalLB's CRDs are installed (by another stack, an admin or a distribution). */
    readonly metallbInstalled: boolean;
    /** IPAddressPools already in the cluster, by `namespace/name`. */
    readonly pools: Readonly<Record<string, { addresses: string[]; autoAssign?: boolean }>>;
    /**
     * MetalLB's ValidatingWebhookConfiguration, when `metallbInstalled` (absent: CRDs left without MetalLB): the
     * namespace its webhooks call, the chart release that rendered it and the Helm release that installed it.
     */
    readonly metallbWebhook?: { namespace: string; instance?: string; helmRelease?: string };
    /** The Prometheus Operator's CRDs are installed: the cluster serves PodMonitor and PrometheusRule. */
    readonly prometheusOperatorInstalled: boolean;
}

export const DEFAULT_MOCK_CLUSTER: MockCluster = {
    kubeVersion: "v1.34.1",
    metallbInstalled: true,
    // As the dev stack (or another stack of this program) installed it.
    metallbWebhook: { namespace: "metallb-system", instance: "metallb" },
    pools: { "metallb-system/shared-fixed": { addresses: ["172.18.255.199/32"], autoAssign: false } },
    // A kind or kubeadm cluster as it comes: no Prometheus Operator.
    prometheusOperatorInstalled: false,
};

let mockCluster: MockCluster = DEFAULT_MOCK_CLUSTER;

/** Changes the mock cluster for the runs that follow (tests); resetMockCluster puts the default back. */
export function setMockCluster(changes: Partial<MockCluster>): void {
    mockCluster = { ...mockCluster, ...changes };
}

export function resetMockCluster(): void {
    mockCluster = DEFAULT_MOCK_CLUSTER;
}

/** What pulumi-kubernetes' engine says when a read finds nothing (pulumi pkg/resource/deploy/step.go, ReadStep). */
function notFound(id: string): never {
    throw new Error(`resource '${id}' does not exist`);
}

/** MetalLB's kinds by their CRDs' plural names (`ipaddresspools`), from the APIs the program asks for. */
const METALLB_KINDS: Record<string, string> = Object.fromEntries(
    METALLB_APIS.map((api) => api.split("/")[2]).map((kind) => [`${kind.toLowerCase()}s`, kind]),
);

/** A CRD read from the cluster (`CustomResourceDefinition.get`): MetalLB's, when the mock cluster has them. */
function readCrdState(id: string): Inputs {
    const [plural, ...group] = id.split(".");
    const kind = METALLB_KINDS[plural];
    if (group.join(".") !== "metallb.io" || !kind || !mockCluster.metallbInstalled) notFound(id);
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: id, labels: { "app.kubernetes.io/managed-by": "Helm" } },
        spec: { group: "metallb.io", names: { kind, plural }, scope: "Namespaced" },
        status: { acceptedNames: { kind, plural } },
    };
}

/** MetalLB's ValidatingWebhookConfiguration read from the cluster (`ValidatingWebhookConfiguration.get`). */
function readWebhookConfigurationState(id: string): Inputs {
    const webhook = mockCluster.metallbWebhook;
    if (id !== "metallb-webhook-configuration" || !webhook || !mockCluster.metallbInstalled) notFound(id);
    const service = { name: "metallb-webhook-service", namespace: webhook.namespace };
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        metadata: {
            name: id,
            labels: webhook.instance
                ? { "app.kubernetes.io/instance": webhook.instance, "app.kubernetes.io/name": "metallb" }
                : undefined,
            annotations: webhook.helmRelease
                ? {
                      "meta.helm.sh/release-name": webhook.helmRelease,
                      "meta.helm.sh/release-namespace": webhook.namespace,
                  }
                : undefined,
        },
        webhooks: ["ipaddresspool", "l2advertisement", "bgppeer"].map((kind) => ({
            name: `${kind}validationwebhook.metallb.io`,
            clientConfig: { service: { ...service, path: `/validate-metallb-io-v1beta1-${kind}` } },
        })),
    };
}

/** An IPAddressPool read from the cluster by `namespace/name`. */
function readPoolState(id: string): Inputs {
    const pool = mockCluster.pools[id];
    if (!pool || !mockCluster.metallbInstalled) notFound(id);
    const [namespace, name] = id.split("/");
    return { apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: { name, namespace }, spec: pool };
}

/**
 * The rendered cluster-facts chart (components/baremetal/cluster-facts.ts): one ConfigMap of what Helm's
 * `.Capabilities` says about the mock cluster.
 */
function clusterFactsManifest(): Inputs {
    const data: Record<string, string> = { kubeVersion: mockCluster.kubeVersion };
    for (const api of METALLB_APIS) data[api] = String(mockCluster.metallbInstalled);
    for (const api of MONITORING_APIS) data[api] = String(mockCluster.prometheusOperatorInstalled);
    return { result: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cluster-facts" }, data }] };
}

function serviceState(name: string, inputs: Inputs, id?: string): Inputs {
    if (inputs.spec === undefined) return existingServiceState(name, id);
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

/** State for a newly registered resource of `type`, or for one read from the cluster by `id`. */
export function mockResourceState(type: string, name: string, inputs: Inputs, id?: string): Inputs {
    switch (type) {
        case "kubernetes:core/v1:Service":
            return serviceState(name, inputs, id);
        case "kubernetes:core/v1:ConfigMap":
            // The API server gives every object a uid; owner references (the workload's lifecycle anchor) name it.
            return inputs.metadata === undefined
                ? readConfigMapState(name, id)
                : { ...inputs, metadata: { ...inputs.metadata, uid: `uid-${stableNumber(name, 1e9)}` } };
        case "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition":
            return inputs.metadata === undefined && id ? readCrdState(id) : inputs;
        case "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration":
            return inputs.webhooks === undefined && id ? readWebhookConfigurationState(id) : inputs;
        case "kubernetes:metallb.io/v1beta1:IPAddressPool":
            return inputs.spec === undefined && id ? readPoolState(id) : inputs;
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
        case "aws:iam/role:Role": {
            // IAM auto-names a role `<name>-<7 hex>`; the ARN is what policies and addons refer to.
            const roleName = inputs.name ?? `${name}-${stableNumber(name, 0xfffffff).toString(16).padStart(7, "0")}`;
            return { ...inputs, name: roleName, arn: `arn:aws:iam::123456789012:role/${roleName}` };
        }
        case "aws:eks/addon:Addon":
            return {
                ...inputs,
                addonVersion: inputs.addonVersion ?? "v1.48.0-eksbuild.2",
                arn: `arn:aws:eks:us-east-1:123456789012:addon/${inputs.clusterName}/${inputs.addonName}/mock`,
            };
        default:
            if (type.startsWith("aws:") && inputs.arn === undefined) {
                return { ...inputs, arn: `arn:aws:mock:us-east-1:123456789012:${type.split(":").pop()}/${name}` };
            }
            return inputs;
    }
}

/** us-east-1 as an account sees it: zone names map to zone ids per account; ids are what EKS documents. */
const MOCK_ZONES = [
    { name: "us-east-1a", id: "use1-az6" },
    { name: "us-east-1b", id: "use1-az1" },
    { name: "us-east-1c", id: "use1-az2" },
    { name: "us-east-1d", id: "use1-az4" },
    { name: "us-east-1e", id: "use1-az3" },
    { name: "us-east-1f", id: "use1-az5" },
];

function availabilityZones(inputs: Inputs): Inputs {
    const excluded = new Set<string>([...(inputs.excludeZoneIds ?? []), ...(inputs.excludeNames ?? [])]);
    const zones = MOCK_ZONES.filter((zone) => !excluded.has(zone.id) && !excluded.has(zone.name));
    return { id: "us-east-1", names: zones.map((zone) => zone.name), zoneIds: zones.map((zone) => zone.id) };
}

/** The default VPC has one default subnet per zone; an `availability-zone` filter narrows them. */
function subnets(inputs: Inputs): Inputs {
    const filters: { name: string; values: string[] }[] = inputs.filters ?? [];
    const zones = filters.find((filter) => filter.name === "availability-zone")?.values;
    const names = zones ?? MOCK_ZONES.map((zone) => zone.name);
    return { id: "us-east-1", ids: names.map((zone) => `subnet-0mock${zone.slice(-1)}`) };
}

/**
 * One subnet by id: the default VPC's `subnet-0mock<letter>` lies in zone `us-east-1<letter>`; any other id
 * in a zone derived from the id, so the same id always lands in the same zone.
 */
function subnet(inputs: Inputs): Inputs {
    const id: string = inputs.id;
    const letter = /^subnet-0mock([a-f])$/.exec(id)?.[1];
    const zone = letter ? `us-east-1${letter}` : MOCK_ZONES[stableNumber(id, MOCK_ZONES.length)].name;
    return {
        id,
        availabilityZone: zone,
        availabilityZoneId: MOCK_ZONES.find((candidate) => candidate.name === zone)!.id,
        vpcId: letter ? "vpc-0mockdefault" : "vpc-0mockcustom",
    };
}

/** The AWS account the EKS mocks stand for: what a read of the running cluster and the stack's volumes finds. */
export interface MockAws {
    /** EKS clusters already running in the region (`aws eks list-clusters`, `describe-cluster`): none for a new stack. */
    readonly clusters: readonly { name: string; version: string; tags: Readonly<Record<string, string>> }[];
    /** EBS volumes in the account, with their zone name and tags. */
    readonly volumes: readonly { id: string; zone: string; tags: Readonly<Record<string, string>> }[];
}

export const DEFAULT_MOCK_AWS: MockAws = { clusters: [], volumes: [] };

let mockAws: MockAws = DEFAULT_MOCK_AWS;

/** Changes the mock AWS account for the runs that follow (tests); resetMockAws puts the default back. */
export function setMockAws(changes: Partial<MockAws>): void {
    mockAws = { ...mockAws, ...changes };
}

export function resetMockAws(): void {
    mockAws = DEFAULT_MOCK_AWS;
}

/** `DescribeVolumes` with `tag:<key>` and `availability-zone` filters. */
function ebsVolumes(inputs: Inputs): Inputs {
    const filters: { name: string; values: string[] }[] = inputs.filters ?? [];
    const ids = mockAws.volumes
        .filter((volume) =>
            filters.every((filter) =>
                filter.name === "availability-zone"
                    ? filter.values.includes(volume.zone)
                    : filter.name.startsWith("tag:")
                      ? filter.values.includes(volume.tags[filter.name.slice(4)])
                      : true,
            ),
        )
        .map((volume) => volume.id);
    return { id: "us-east-1", ids };
}

/** A made-up but well-formed addon version per addon and Kubernetes version (`v1.35.0-eksbuild.1` shapes). */
function addonVersion(inputs: Inputs): Inputs {
    const minor = String(inputs.kubernetesVersion ?? "").split(".")[1] ?? "0";
    return {
        addonName: inputs.addonName,
        kubernetesVersion: inputs.kubernetesVersion,
        version: `v1.${minor}.${stableNumber(String(inputs.addonName), 10)}-eksbuild.1`,
        id: inputs.addonName,
    };
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
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return availabilityZones(inputs);
        case "aws:ec2/getSubnets:getSubnets":
            return subnets(inputs);
        case "aws:ec2/getSubnet:getSubnet":
            return subnet(inputs);
        case "aws:eks/getClusters:getClusters":
            return { id: "us-east-1", names: mockAws.clusters.map((cluster) => cluster.name) };
        case "aws:eks/getCluster:getCluster": {
            const cluster = mockAws.clusters.find((candidate) => candidate.name === inputs.name);
            if (!cluster) throw new Error(`ResourceNotFoundException: No cluster found for name: ${inputs.name}.`);
            return { ...cluster, id: cluster.name };
        }
        case "aws:eks/getAddonVersion:getAddonVersion":
            return addonVersion(inputs);
        case "aws:ebs/getEbsVolumes:getEbsVolumes":
            return ebsVolumes(inputs);
        case "kubernetes:helm:template":
            return String(inputs.jsonOpts ?? "").includes('"release_name":"cluster-facts"')
                ? clusterFactsManifest()
                : {};
        case "aws:iam/getPolicyDocument:getPolicyDocument":
            return { json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) };
        default:
            return {};
    }
}
