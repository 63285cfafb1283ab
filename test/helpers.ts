/**
 * Test helpers on top of the mock-runtime harness: evaluate the program for a stack file (or a config
 * object), then find resources by type and name and read their inputs.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, RawConfig } from "../config";
import { ProgramRun, RegisteredResource, runProgram } from "../tools/mock-runtime";
import { OPERATOR_KEYS, readStackFile, StackFileConfig, stackFilePath, withTrialRanges } from "../tools/stack-config";

export { isSecret, SECRET_PLACEHOLDER } from "../tools/mock-runtime";
export type { ProgramRun, RegisteredResource } from "../tools/mock-runtime";

/** Resolves an Output's value (tests only; never do this in the program). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** The default export of index.ts: the program itself. */
function program(): Promise<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("../index") as () => Promise<unknown>)();
}

export class StackRun {
    constructor(public readonly run: ProgramRun) {}

    get resources(): RegisteredResource[] {
        return this.run.resources;
    }

    get outputs(): Record<string, unknown> {
        return this.run.outputs;
    }

    /** Every resource of a type token, e.g. `kubernetes:apps/v1:StatefulSet`. */
    ofType(type: string): RegisteredResource[] {
        return this.resources.filter((resource) => resource.type === type);
    }

    /** The one resource with that type and Pulumi name; throws if absent, listing what exists. */
    get(type: string, name: string): RegisteredResource {
        const found = this.resources.find((resource) => resource.type === type && resource.name === name);
        if (!found) {
            const names = this.ofType(type).map((resource) => resource.name);
            throw new Error(`no ${type} named ${name} (there are: ${names.join(", ") || "none"})`);
        }
        return found;
    }

    /** The one Kubernetes object of a type with that `metadata.name`. */
    object(type: string, metadataName: string): RegisteredResource {
        const found = this.ofType(type).filter((resource) => metadataOf(resource).name === metadataName);
        if (found.length !== 1) throw new Error(`${found.length} ${type} objects named ${metadataName}`);
        return found[0];
    }

    byUrn(urn: string): RegisteredResource {
        const found = this.resources.find((resource) => resource.urn === urn);
        if (!found) throw new Error(`no resource ${urn}`);
        return found;
    }

    /** True if `resource` depends on `dependency`, directly or through one of its ancestors' dependencies. */
    dependsOn(resource: RegisteredResource, dependency: RegisteredResource): boolean {
        return resource.dependencies.includes(dependency.urn);
    }

    /** The resource's parent chain, nearest first. */
    ancestors(resource: RegisteredResource): RegisteredResource[] {
        const chain: RegisteredResource[] = [];
        for (let parent = resource.parent; parent; parent = this.byUrn(parent).parent) chain.push(this.byUrn(parent));
        return chain;
    }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** `inputs.metadata` of a Kubernetes object. */
export function metadataOf(resource: RegisteredResource): any {
    return (resource.inputs as any).metadata ?? {};
}

/** `inputs.spec` of a Kubernetes object. */
export function specOf(resource: RegisteredResource): any {
    return (resource.inputs as any).spec ?? {};
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * What tests give `eks.endpointPublicAccessCidrs` in place of an operator's own address: the shipped prod
 * file lists none on purpose, so that an unedited copy stops before anything is created. The stand-in synth
 * suggests too (tools/stack-config.ts OPERATOR_KEYS): a public block, as the config requires.
 */
export const TEST_ENDPOINT_CIDRS: readonly string[] = OPERATOR_KEYS[0].trial;

/**
 * What tests give `eks.zones` where a test builds an EKS config of its own: two zone IDs of us-east-1, the
 * mock region (tools/mock-state.ts). The shipped prod file pins its own.
 */
export const TEST_ZONES: readonly string[] = ["use1-az6", "use1-az1"];

/** What tests give `services.loadBalancer.sourceRanges` on EKS in place of an operator's clients. */
export const TEST_SOURCE_RANGES: readonly string[] = OPERATOR_KEYS[1].trial;

/**
 * A shipped stack file as tests evaluate it: its own config, and on an EKS stack what its file leaves to its
 * user: TEST_ENDPOINT_CIDRS where the `eks` block lists no endpoint CIDRs, TEST_SOURCE_RANGES where the load
 * balancer lists no clients. Every test that synthesizes the prod stack goes through this.
 */
export function testStackConfig(stack: string): StackFileConfig {
    return withTrialRanges(readStackFile(stackFilePath(stack)));
}

/**
 * Evaluates the program with a shipped stack file (through testStackConfig), optionally overriding keys
 * (`stateful-nginx:app`, ...).
 */
export async function runStack(stack: string, overrides: Record<string, unknown> = {}): Promise<StackRun> {
    const { config, secretKeys } = testStackConfig(stack);
    return runConfig(stack, { ...config, ...overrides }, secretKeys);
}

/** Evaluates the program with the given config (values may be objects; they are passed as JSON). */
export async function runConfig(
    stack: string,
    config: Record<string, unknown>,
    secretKeys: string[] = [],
): Promise<StackRun> {
    const raw = Object.fromEntries(
        Object.entries(config)
            .filter(([, value]) => value !== undefined)
            .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
    return new StackRun(await runProgram(program, { stack, config: raw, secretKeys }));
}

/** The one-line message `parseConfig` rejects `raw` with; fails the test if it accepts it. */
export function configErrorOf(raw: RawConfig): string {
    try {
        parseConfig(raw);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.message;
    }
    assert.fail("expected the config to be rejected");
}
