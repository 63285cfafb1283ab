import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_PLACEHOLDER } from "./mock-runtime";

export interface StackFileConfig {
    /** Full config keys to raw strings, as Pulumi passes them to a program (objects as JSON). */
    readonly config: Record<string, string>;
    /** Keys that hold `secure:` values. Offline they carry SECRET_PLACEHOLDER: nothing is decrypted. */
    readonly secretKeys: string[];
}

/** The project's root folder (where Pulumi.yaml is). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

export function stackFilePath(stack: string): string {
    return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}

/** Reads a stack file (`Pulumi.<stack>.yaml` format) into the strings Pulumi would hand the program. */
export function readStackFile(file: string): StackFileConfig {
    const document = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(document.config ?? {})) {
        if (typeof value === "object" && value !== null && "secure" in value) {
            config[key] = SECRET_PLACEHOLDER;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}
