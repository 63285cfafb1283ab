/**
 * A mocha reporter for `npm run bench:test -- --by-file`: the wall time of each spec file in a serial run
 * (its suites, hooks included), slowest first, after the time mocha took to load every file.
 *
 *   npx mocha --reporter ./tools/spec-times.ts 'test/**\/*.spec.ts' --ignore 'test/engine/**'
 */
import * as path from "path";
import Mocha from "mocha";

const { EVENT_RUN_BEGIN, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;

class SpecTimes extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        const spent = new Map<string, number>();
        const began = new Map<Mocha.Suite, number>();
        const failures: string[] = [];
        let runBegan = 0;
        runner.on(EVENT_RUN_BEGIN, () => (runBegan = performance.now()));
        // A file's top-level suites: their time, hooks included, is the file's.
        runner.on(EVENT_SUITE_BEGIN, (suite) => {
            if (suite.file && suite.parent?.root) began.set(suite, performance.now());
        });
        runner.on(EVENT_SUITE_END, (suite) => {
            const start = began.get(suite);
            if (start === undefined) return;
            const file = path.relative(process.cwd(), suite.file!);
            spent.set(file, (spent.get(file) ?? 0) + performance.now() - start);
        });
        runner.on(EVENT_TEST_FAIL, (test, error: Error) => failures.push(`${test.fullTitle()}: ${error.message}`));
        runner.once(EVENT_RUN_END, () => {
            const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
            const rows = [...spent].sort(([, a], [, b]) => b - a);
            // performance.now() counts from the process's start.
            console.log(`${seconds(runBegan)}  loading (process start to the first spec)`);
            for (const [file, ms] of rows) console.log(`${seconds(ms)}  ${file}`);
            const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
            console.log(
                `${seconds(total)}  all files, ${runner.stats?.passes ?? 0} passing, ${failures.length} failing`,
            );
            for (const failure of failures) console.log(`failed: ${failure}`);
        });
    }
}

export = SpecTimes;
