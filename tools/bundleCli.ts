/**
 * Build step (after tsc and the precompiled validators): bundles the CLI and the compare worker into one ES module
 * each under dist/bundle/, so `joulesim` starts by reading one file instead of resolving and loading each of its modules
 * (most of its start-up time once validators are precompiled). npm packages stay external: they load as usual.
 * bin/joulesim.js uses the bundle when it is there and the per-module build otherwise; the library API
 * (dist/sim/index.js) is not bundled.
 *
 * Usage: node dist/tools/bundleCli.js
 */
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from '../sim/paths.js';

export const bundleDir = join(packageRoot, 'dist', 'bundle');

async function main(): Promise<void> {
  const staging = `${bundleDir}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: {
      main: join(packageRoot, 'dist', 'sim', 'cli', 'main.js'),
      // Next to main.js, where compare looks for its worker (compare.ts, workerEntry).
      compareWorker: join(packageRoot, 'dist', 'sim', 'compare', 'compareWorker.js'),
    },
    outdir: staging,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  // Swapped in whole, so an interrupted build never leaves a half-written bundle that looks complete.
  rmSync(bundleDir, { recursive: true, force: true });
  renameSync(staging, bundleDir);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
