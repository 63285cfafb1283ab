import * as pulumi from "@pulumi/pulumi";
import { checkConfigNamespaces, CONFIG_NAMESPACE, ConfigError, parseConfig, RawConfig, StackConfig } from "./index";

export interface LoadedConfig extends StackConfig {
    /** Bare metal: the kubeconfig, kept a Pulumi secret; undefined means the ambient kubeconfig. */
    readonly kubeconfig?: pulumi.Output<string>;
}

/**
 * Reads the stack's configuration and validates all of it before any resource is registered.
 * Invalid configuration stops the program with a one-line error (a RunError prints no stack trace).
 */
export function loadConfig(): LoadedConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const all = pulumi.runtime.allConfig();
    const raw: RawConfig = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
    }
    try {
        checkConfigNamespaces(Object.keys(all));
        const config = parseConfig(raw);
        const kubeconfig =
            raw.kubeconfig === undefined ? undefined : new pulumi.Config(CONFIG_NAMESPACE).requireSecret("kubeconfig");
        return { ...config, kubeconfig };
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}
