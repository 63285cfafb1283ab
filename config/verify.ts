import { z } from "zod";
import { pinnedImage } from "./images";

/** The in-cluster verification Job: `verify` in the stack file. */
export const verifySchema = z.strictObject({
    /**
     * Create the verification Job. It runs again whenever its checks, its image or the `app` config change,
     * and fails the update when a check fails.
     */
    enabled: z.boolean().default(true),
    /** A small pinned image with a shell, `wget` and `nslookup`, run as non-root. */
    image: pinnedImage("busybox:1.37.0").default("busybox:1.37.0"),
});

export type VerifyConfig = z.infer<typeof verifySchema>;
