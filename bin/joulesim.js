#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// The bundled CLI (tools/bundleCli.ts) starts faster; the per-module build is the same code.
const bundled = join(root, 'dist', 'bundle', 'main.js');
const entry = existsSync(bundled) ? bundled : join(root, 'dist', 'sim', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('joulesim: not built yet; run `npm ci` (or `npm run build`) in ' + root + '\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
