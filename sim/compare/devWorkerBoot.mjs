// Worker bootstrap used only when joulesim runs from its TypeScript sources (vitest, ts loaders): registers
// devWorkerHooks.mjs (TypeScript transpiled with the project's own `typescript` devDependency), then loads the
// worker entry. The built package (dist/) starts dist/sim/compare/compareWorker.js directly and never loads this.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

register(new URL('./devWorkerHooks.mjs', import.meta.url));
await import(workerData.entry);
