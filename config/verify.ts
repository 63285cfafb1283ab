import { z } from "zod";

/** The in-cluster verification Job: `verify` in the stack file. */
export const verifySchema = z.strictObject({
    /**
     * Create the verification Job. It runs again whenever its checks, its image or the `app` config change,
     * and fails the update when a check fails.
     */
    enabled: z.boolean().default(true),
    /** A small pinned image with a shell, `wget` and `nslookup`, run as non-root. */
    image: z
        .string()
        .regex(/^[^\s]+(:[^\s:@/]+|@sha256:[a-f0-9]{64})$/, "must be a pinned image reference such as busybox:1.37.0")
        .refine((value) => !/:latest$/.test(value), "must be pinned to a tag other than latest or a digest")
        .default("busybox:1.37.0"),
});

export type VerifyConfig = z.infer<typeof verifySchema>;
