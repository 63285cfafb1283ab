/**
 * Mocha's root hooks (loaded through .mocharc.json). `afterAll` runs once after every spec in a serial run,
 * and after each spec file in a parallel run's worker, whose processes outlive a file. The policy analyzer
 * host is stopped after a serial run, so that mocha can end; a worker (mocha 11 sets MOCHA_WORKER_ID in its
 * environment, lib/nodejs/buffered-worker-pool.js) keeps its host for the files that follow, and the host ends
 * with the worker's process (PolicyHost.start, tools/policy-runner.ts, kills it on exit).
 */
import { closePolicyHost } from "./policy/fixtures";

export const mochaHooks = {
    async afterAll(): Promise<void> {
        if (process.env.MOCHA_WORKER_ID === undefined) await closePolicyHost();
    },
};
