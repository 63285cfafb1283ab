/**
 * What the Pulumi engine shows a policy pack, built offline from what the program registered (the mock
 * runtime's record, or a synth resources.json):
 *
 * - Resource policies (`Analyze`) get each resource's checked inputs, during a preview with the values that
 *   come from other resources' outputs unknown. Reads (`Resource.get`) are not analyzed.
 * - Stack policies (`AnalyzeStack`) get the outputs of each resource the run registers; reads are not among
 *   them either (pulumi v3.248.0 step_generator.go `AnalyzeResources`; test/engine shows it on the engine).
 *   A component's outputs are what it registered (`registerOutputs`), the stack's are its exports.
 * - A provider's inputs carry the version the SDK asked for (the engine adds it: `SetProviderVersion`).
 * - Components a provider implements (remote: `eks:index:*`, the helm v4 Chart) carry no properties: the
 *   eks 4.3.0 provider registers them with `{}`. Their children are what carries the values:
 *   `withEksChildren` adds the ones pulumi-eks 4.3.0 creates that the policies judge. (The helm Chart's
 *   objects are not added: offline, nothing renders the chart.)
 */
import * as pulumi from "@pulumi/pulumi";
import { isSecret, previewState, SECRET_PLACEHOLDER, UNKNOWN } from "./mock-runtime";
import { mockResourceState } from "./mock-state";

/** One resource as the synth's resources.json (or the mock runtime) records it. */
export interface ResourceRecord {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly dependencies: readonly string[];
    readonly provider: string | null;
    /** The program's inputs; UNKNOWN where a preview does not know them yet. */
    readonly inputs: Record<string, unknown>;
    /** What the provider reported; absent means the mock state of the inputs. */
    readonly outputs?: Record<string, unknown>;
    /** Read from the cluster (`Resource.get`): stack policies see it, resource policies do not. */
    readonly read?: boolean;
    /** Implemented by a provider (`eks:index:Cluster`); absent means judged by its type. */
    readonly remote?: boolean;
    readonly options?: {
        readonly protect?: boolean;
        readonly ignoreChanges?: readonly string[];
        readonly deleteBeforeReplace?: boolean;
    };
}

/** A resource as the engine marshals it for the analyzer: properties in wire form. */
export interface EngineResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly dependencies: readonly string[];
    readonly properties: Record<string, unknown>;
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    /** Undefined when the program left it to the provider. */
    readonly deleteBeforeReplace?: boolean;
    readonly provider?: {
        readonly urn: string;
        readonly type: string;
        readonly name: string;
        readonly properties: Record<string, unknown>;
    };
}

export interface EngineView {
    /** What `Analyze` is called with, one resource at a time, in registration order. */
    readonly analyze: EngineResource[];
    /** What `AnalyzeStack` is called with. */
    readonly stack: EngineResource[];
}

/** Components whose provider implements them: a program cannot see (or give the engine) their inputs. */
const REMOTE_TYPES = [/^eks:index:/, /^kubernetes:helm\.sh\/v4:Chart$/];

export function isRemote(record: ResourceRecord): boolean {
    return record.remote ?? REMOTE_TYPES.some((pattern) => pattern.test(record.type));
}

const SECRET_WIRE = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

/**
 * Plain JSON as the engine sends it: secrets keep their wire marker (the value shown as "[secret]" offline,
 * where the engine sends the plaintext), references to other resources are flattened to a name (the engine
 * sends their id or URN), unknowns stay the UNKNOWN sentinel, undefined is dropped.
 */
export function wireValue(value: unknown): unknown {
    if (isSecret(value)) return { ...SECRET_WIRE, value: SECRET_PLACEHOLDER };
    if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : wireValue(item)));
    if (typeof value === "object" && value !== null) {
        if (pulumi.Resource.isInstance(value)) {
            return `[resource ${(value as unknown as { __name?: string }).__name ?? ""}]`;
        }
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, inner]) => inner !== undefined)
                .map(([key, inner]) => [key, wireValue(inner)]),
        );
    }
    return typeof value === "function" ? undefined : value;
}

function urnOfChild(parent: string, type: string, name: string): string {
    const [prefix, project, parentType] = parent.split("::");
    return `${prefix}::${project}::${parentType}$${type}::${name}`;
}

type Props = Record<string, unknown>;

function childRecord(parent: ResourceRecord, type: string, name: string, inputs: Props): ResourceRecord {
    return {
        urn: urnOfChild(parent.urn, type, name),
        type,
        name,
        parent: parent.urn,
        dependencies: [],
        provider: null,
        inputs,
        remote: false,
    };
}

/**
 * The children of an eks 4.3.0 component that carry what the EKS policies judge, with the inputs the
 * component gives them. Shaped after pulumi-eks v4.3.0 (github.com/pulumi/pulumi-eks):
 * - `nodejs/eks/cluster/cluster.ts` `createCore`: `aws.eks.Cluster` named `<name>-eksCluster`, its
 *   `vpcConfig` taking `endpointPrivateAccess`, `endpointPublicAccess` and `publicAccessCidrs` from the
 *   component's args (unset stays unset: EKS then opens the public endpoint to 0.0.0.0/0), and
 *   `encryptionConfig` `{provider: {keyArn}, resources: ["secrets"]}` when `encryptionConfigKeyArn` is given.
 * - `nodejs/eks/nodes/nodegroup.ts` `createManagedNodeGroup`: `aws.eks.NodeGroup` named like the
 *   component, with the args (less `cluster`) and `scalingConfig` defaulted to desired 2, min 1, max 2.
 * Values the component computes (role ARNs, the security group, the cluster name) are UNKNOWN in a preview.
 */
export function childrenOfEksComponent(component: ResourceRecord, preview: boolean): ResourceRecord[] {
    const args = component.inputs;
    const computed = (value: string) => (preview ? UNKNOWN : value);
    if (component.type === "eks:index:Cluster") {
        const name = `${component.name}-eksCluster`;
        const tags = { Name: name, ...(args.clusterTags as Props | undefined), ...(args.tags as Props | undefined) };
        return [
            childRecord(component, "aws:eks/cluster:Cluster", name, {
                roleArn: computed(`arn:aws:iam::123456789012:role/${component.name}-eksRole`),
                bootstrapSelfManagedAddons: args.bootstrapSelfManagedAddons ?? true,
                vpcConfig: {
                    securityGroupIds: [computed(`sg-0${component.name}`)],
                    subnetIds: args.subnetIds ?? args.privateSubnetIds ?? args.publicSubnetIds,
                    endpointPrivateAccess: args.endpointPrivateAccess,
                    endpointPublicAccess: args.endpointPublicAccess,
                    publicAccessCidrs: args.publicAccessCidrs,
                },
                version: args.version,
                enabledClusterLogTypes: args.enabledClusterLogTypes,
                encryptionConfig:
                    args.encryptionConfigKeyArn === undefined
                        ? undefined
                        : { provider: { keyArn: args.encryptionConfigKeyArn }, resources: ["secrets"] },
                tags,
                accessConfig: args.authenticationMode
                    ? { authenticationMode: args.authenticationMode, bootstrapClusterCreatorAdminPermissions: true }
                    : undefined,
                upgradePolicy: args.upgradePolicy,
            }),
        ];
    }
    if (component.type === "eks:index:ManagedNodeGroup") {
        const { cluster: _cluster, nodeRole: _nodeRole, ...rest } = args;
        const scaling = (args.scalingConfig ?? {}) as Props;
        return [
            childRecord(component, "aws:eks/nodeGroup:NodeGroup", component.name, {
                ...rest,
                clusterName: computed(`${component.name}-cluster`),
                nodeRoleArn: args.nodeRoleArn ?? computed(`arn:aws:iam::123456789012:role/${component.name}`),
                scalingConfig: {
                    desiredSize: scaling.desiredSize ?? 2,
                    minSize: scaling.minSize ?? 1,
                    maxSize: scaling.maxSize ?? 2,
                },
                subnetIds: args.subnetIds ?? [computed("subnet-0cluster")],
            }),
        ];
    }
    return [];
}

function outputsOf(record: ResourceRecord, preview: boolean): Props {
    if (record.outputs !== undefined) return record.outputs;
    const state = mockResourceState(record.type, record.name, record.inputs);
    return preview && !record.read ? previewState(record.type, record.inputs, state) : state;
}

/**
 * The program's records with the children the eks provider creates for each eks component added after it
 * (what the engine would see at run time; a record of the engine's own view has them already).
 */
export function withEksChildren(records: readonly ResourceRecord[], options: { preview: boolean }): ResourceRecord[] {
    const present = new Set(records.map((record) => record.urn));
    return records.flatMap((record) => [
        record,
        ...(isRemote(record) ? childrenOfEksComponent(record, options.preview) : []).filter(
            (child) => !present.has(child.urn),
        ),
    ]);
}

/** The engine's view of the resources: what Analyze and AnalyzeStack get, remote components empty. */
export function engineView(records: readonly ResourceRecord[], options: { preview: boolean }): EngineView {
    const byUrn = new Map(records.map((record) => [record.urn, record]));
    const toEngine = (record: ResourceRecord, properties: Props): EngineResource => {
        const provider = record.provider ? byUrn.get(record.provider) : undefined;
        const resource: EngineResource = {
            urn: record.urn,
            type: record.type,
            name: record.name,
            parent: record.parent,
            dependencies: record.dependencies,
            properties: isRemote(record) ? {} : (wireValue(properties) as Props),
            protect: record.options?.protect ?? false,
            ignoreChanges: record.options?.ignoreChanges ?? [],
            deleteBeforeReplace: record.options?.deleteBeforeReplace,
        };
        if (!provider) return resource;
        return {
            ...resource,
            provider: {
                urn: provider.urn,
                type: provider.type,
                name: provider.name,
                properties: wireValue(provider.inputs) as Props,
            },
        };
    };
    return {
        analyze: records.filter((record) => !record.read).map((record) => toEngine(record, record.inputs)),
        stack: records
            .filter((record) => !record.read)
            .map((record) => toEngine(record, outputsOf(record, options.preview))),
    };
}
