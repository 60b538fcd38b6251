/** Small sweep files written to temp folders, shared by the sweep tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { smallScenario, tempDir } from '../compare/helpers.js';

export { cli, oneLineError, smallScenario, tempDir } from '../compare/helpers.js';

/** 2 GPUs × 2 batch limits × 2 scheduler patches = 8 variants of ~80 requests each. */
export function smallSweep(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'joulesim-sweep/1',
    name: 'test sweep',
    base: smallScenario({ cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', scheduler: { kind: 'continuous' } } }),
    axes: [
      { vary: 'gpu', values: ['h100-sxm', 'a100-sxm'] },
      { vary: 'batch-size', values: [8, 64] },
      {
        name: 'prefill',
        patches: [
          { label: 'chunked', merge: { cluster: { scheduler: { chunked_prefill: true } } } },
          { label: 'whole', json_patch: [{ op: 'add', path: '/cluster/scheduler/chunked_prefill', value: false }] },
        ],
      },
    ],
    ...over,
  };
}

/** Writes a sweep file (as `name`) into a fresh folder and returns its path. */
export function writeSweep(sweep: unknown, name = 'sweep.json', dir = tempDir('sweep')): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(sweep, null, 2));
  return path;
}
