// Runs the joulesim CLI from the TypeScript sources in a child process (tests that send signals, close pipes or run
// from another working directory): the same module hooks compare's worker threads use under vitest.
import { register } from 'node:module';

register(new URL('../sim/compare/devWorkerHooks.mjs', import.meta.url));
const { main } = await import('../sim/cli/main.ts');
process.exitCode = await main(process.argv);
