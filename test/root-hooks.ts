/**
 * Mocha's root hooks (loaded through .mocharc.json). `afterAll` runs once after every spec in a serial run,
 * and after each spec file in a parallel run's worker, whose processes outlive a file: what a file may have
 * started, such as the policy analyzer host, is stopped there.
 */
import { closePolicyHost } from "./policy/fixtures";

export const mochaHooks = {
    async afterAll(): Promise<void> {
        await closePolicyHost();
    },
};
