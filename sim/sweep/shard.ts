/**
 * Which slice of a sweep a task runs: `--shard I/N` (0 ≤ I < N), or what the batch system tells the task — a Slurm
 * job array (SLURM_ARRAY_TASK_ID, _MIN, _STEP, _COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the
 * count from `--shard-count`, which Kubernetes does not put in the environment). Variant i of the plan belongs to
 * shard i mod N: neighbours in a cross product tend to cost alike, so dealing them out evens the shards' run times.
 */
import { InputError } from '../errors.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
  /** Where the slice came from, for progress lines. */
  readonly source: string;
}

function integer(text: string | undefined, where: string, min: number): number {
  if (text === undefined || !/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new InputError(where, '', `expected an integer ≥ ${min}, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  }
  return Number(text);
}

function checked(index: number, count: number, where: string, source: string): Shard {
  if (index >= count) throw new InputError(where, '', `shard index ${index} is not below the shard count ${count} (indices run from 0 to ${count - 1})`);
  return { index, count, source };
}

export function parseShardFlag(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InputError('--shard', '', `expected I/N with 0 ≤ I < N (e.g. 0/4), got "${text}"`);
  return checked(Number(m[1]), integer(m[2], '--shard', 1), '--shard', `--shard ${Number(m[1])}/${Number(m[2])}`);
}

/** The flag if given, else the batch system's environment, else the whole sweep (0/1). */
export function resolveShard(flag: string | undefined, shardCount: number | undefined, env: NodeJS.ProcessEnv): Shard {
  if (flag !== undefined) return parseShardFlag(flag);
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = integer(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 0);
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? integer(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN', 0) : 0;
    const step = env.SLURM_ARRAY_TASK_STEP !== undefined ? integer(env.SLURM_ARRAY_TASK_STEP, 'SLURM_ARRAY_TASK_STEP', 1) : 1;
    const count = shardCount ?? integer(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT', 1);
    if ((id - min) % step !== 0 || id < min) throw new InputError('SLURM_ARRAY_TASK_ID', '', `task ${id} is not on the array's grid (min ${min}, step ${step})`);
    return checked((id - min) / step, count, 'SLURM_ARRAY_TASK_ID', `Slurm array task ${id}`);
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = integer(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX', 0);
    if (shardCount === undefined) throw new InputError('--shard-count', '', "JOB_COMPLETION_INDEX is set: give the Indexed Job's completions as --shard-count N");
    return checked(index, shardCount, 'JOB_COMPLETION_INDEX', `Job completion index ${index}`);
  }
  if (shardCount !== undefined && shardCount !== 1) throw new InputError('--shard-count', '', 'no shard index: give --shard I/N, or run under a Slurm array or an Indexed Job');
  return { index: 0, count: 1, source: 'whole sweep' };
}

/** Positions (in plan order) of the variants this shard runs. */
export function shardPositions(total: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < total; i += shard.count) out.push(i);
  return out;
}
