/**
 * The import layering of sim/: every file may import only from its own layer or a lower one, type imports
 * included. A new folder must be placed in LAYERS before its files can import or be imported, so the order stays a
 * decision, not an accident.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const simDir = resolve(import.meta.dirname, '..', '..', 'sim');

/** Lowest first. Folders of sim/ (and the root files that are plain utilities or the public API). */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'paths.ts', 'policyError.ts', 'ajvError.ts', 'inputSource.ts', 'schemaValidator.ts'], // utilities every layer may use
  ['engine', 'io'], // the event queue (knows events, not GPUs); output files and how outputs name paths
  ['workload'], // requests and their sources
  ['model'], // architecture, GPU, stack and power-state data files
  ['cost'], // the step cost model
  ['serving'], // replicas, schedulers, KV cache, the policy interfaces
  ['accounting'], // run-time bookkeeping: energy ledger, time series, request metrics
  ['facility'], // beyond the GPU: node power, PUE, grid signals, embodied carbon (accounts what replicas report)
  ['policies'], // the registries and plug-in loading
  ['scenario'], // the scenario schema (derived from the registries) and loading
  ['report'], // what renders outputs: summary, CSV, HTML, trace events
  ['run'], // the run's wiring: build, simulate, summarise, write
  ['compare', 'estimate'], // commands built on runs (neither imports the other)
  ['reproduce', 'sweep'], // commands built on compare and run (neither imports the other)
  ['cli'],
  ['index.ts'], // the library API
];

function layerOf(file: string): { index: number; name: string } | null {
  const rel = relative(simDir, file).split(sep);
  const name = rel.length === 1 ? rel[0] : rel[0];
  const index = LAYERS.findIndex((l) => l.includes(name));
  return index < 0 ? null : { index, name };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers of every static import, re-export and dynamic import (type-only ones too). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out.filter((s) => s.startsWith('.'));
}

describe('import layering of sim/', () => {
  it('the import parser sees static, type-only, re-exported, multi-line and dynamic imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      'import {\n  d,\n  e,\n} from "../d/d.js";',
      "const m = await import('../m/m.js');",
      "import 'node:fs';",
      "import { x } from 'heap-js';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', '../b/b.js', './c.js', '../d/d.js', '../m/m.js']);
  });

  it('every folder of sim/ has a layer', () => {
    const unplaced = readdirSync(simDir).filter((f) => (f.endsWith('.ts') || statSync(join(simDir, f)).isDirectory()) && layerOf(join(simDir, f)) === null);
    expect(unplaced, 'place these in LAYERS (test/architecture/layering.test.ts)').toEqual([]);
  });

  it('no file imports from a higher layer', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(simDir)) {
      const from = layerOf(file);
      if (!from) continue;
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(simDir + sep)) continue;
        const to = layerOf(target);
        if (to && to.index > from.index) violations.push(`${relative(simDir, file)} (${from.name}) imports ${spec} (${to.name})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
