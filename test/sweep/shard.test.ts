/** Which slice a task runs: the flag, Slurm's array variables, a Kubernetes completion index; slices partition the plan. */
import { describe, expect, it } from 'vitest';
import { parseShardFlag, resolveShard, shardPositions } from '../../sim/sweep/shard.js';

const msg = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('shards', () => {
  it('every variant is in exactly one shard, and shard sizes differ by at most one', () => {
    for (const [total, count] of [[10, 3], [1000, 7], [3, 5], [1, 1]]) {
      const all = Array.from({ length: count }, (_, i) => shardPositions(total, { index: i, count, source: '' }));
      expect(all.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
      const sizes = all.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(shardPositions(10, { index: 1, count: 3, source: '' })).toEqual([1, 4, 7]);
  });

  it('--shard I/N is 0-based; the flag wins over the environment', () => {
    expect(parseShardFlag('2/4')).toMatchObject({ index: 2, count: 4 });
    expect(resolveShard('0/2', undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).toMatchObject({ index: 0, count: 2 });
    expect(msg(() => parseShardFlag('4/4'))).toBe('--shard: shard index 4 is not below the shard count 4 (indices run from 0 to 3)');
    expect(msg(() => parseShardFlag('1-4'))).toMatch(/^--shard: expected I\/N/);
    expect(msg(() => parseShardFlag('0/0'))).toMatch(/^--shard: expected an integer ≥ 1/);
  });

  it('a Slurm array task: the index counts from the array minimum in steps', () => {
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' })).toMatchObject({ index: 3, count: 4 });
    // --array=1-4
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toMatchObject({ index: 0, count: 4 });
    // --array=0-6:2 → tasks 0, 2, 4, 6
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' })).toMatchObject({ index: 3, count: 4 });
    expect(msg(() => resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '5' }))).toBe('SLURM_ARRAY_TASK_COUNT: expected an integer ≥ 1, got nothing');
  });

  it('a Kubernetes Indexed Job: JOB_COMPLETION_INDEX with --shard-count', () => {
    expect(resolveShard(undefined, 8, { JOB_COMPLETION_INDEX: '7' })).toMatchObject({ index: 7, count: 8 });
    expect(msg(() => resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '7' }))).toMatch(/^--shard-count: JOB_COMPLETION_INDEX is set/);
    expect(msg(() => resolveShard(undefined, 4, { JOB_COMPLETION_INDEX: '4' }))).toMatch(/^JOB_COMPLETION_INDEX: shard index 4 is not below the shard count 4/);
  });

  it('no shard anywhere is the whole sweep', () => {
    expect(resolveShard(undefined, undefined, {})).toMatchObject({ index: 0, count: 1 });
    expect(msg(() => resolveShard(undefined, 3, {}))).toMatch(/^--shard-count: no shard index/);
  });
});
