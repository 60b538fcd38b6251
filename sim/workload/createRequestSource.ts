/**
 * From a scenario's validated `workload` section to a RequestSource: a streamed trace (openTrace.ts) or a
 * seeded synthetic generator (synthetic.ts). Relative paths resolve against `baseDir` (the scenario file's
 * folder); `offline: true` puts every arrival at t = 0 for either kind.
 */
import type { WorkloadConfig } from './workloadSchema.js';
import { createLengthSampler } from './lengths.js';
import { openTrace } from './openTrace.js';
import type { RequestSource } from './request.js';
import { resolveTracePath } from './resolveTracePath.js';
import { syntheticSource } from './synthetic.js';
import { isAbsolute, sep } from 'node:path';
import { displayPath } from '../io/displayPath.js';

export { limitSource, offlineSource } from './sourceWrappers.js';

export interface CreateRequestSourceOptions {
  /** Folder that relative paths in the workload resolve against. */
  readonly baseDir: string;
  /** Seed for synthetic workloads without their own `seed`. */
  readonly seed: number;
  /** The scenario file, for error messages (default 'scenario'). */
  readonly file?: string;
  /** Where a workload value came from, when a flag may have set it (default: the file and the pointer). */
  readonly sourceOf?: (pointer: string) => { file: string; place: string };
}

/** A scenario's relative path as written (relative to the scenario file); an absolute one shortened if it can be. */
export function asWritten(path: string): string {
  return isAbsolute(path) ? displayPath(path) : path.split(sep).join('/');
}

export function createRequestSource(config: WorkloadConfig, opts: CreateRequestSourceOptions): RequestSource {
  const file = opts.file ?? 'scenario';
  if (config.kind === 'trace') {
    const where = opts.sourceOf?.('/workload/path') ?? { file, place: '/workload/path' };
    const path = resolveTracePath(config.path, opts.baseDir, where.file, where.place);
    return openTrace(path, config.format ?? 'auto', {
      offline: config.offline,
      limit: config.limit,
      timeScale: config.time_scale,
      displayName: asWritten(config.path),
    });
  }
  const lengths = createLengthSampler(config.lengths, { baseDir: opts.baseDir, file, pointer: '/workload/lengths' });
  return syntheticSource({
    arrival: config.arrival,
    lengths,
    seed: config.seed ?? opts.seed,
    count: config.count,
    durationSeconds: config.duration_s,
    offline: config.offline,
    file,
    pointer: '/workload',
  });
}
