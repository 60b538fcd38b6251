/** Seeded random small scenarios for the property tests (conservation, fast path against step-by-step). */
import type { RouterKind } from '../../sim/serving/router.js';
import type { RequestSpec } from '../../sim/workload/request.js';
import {
  continuousConfig,
  randInt,
  randomWorkload,
  rng,
  runContinuous,
  runStatic,
  staticConfig,
  tinyParams,
  tinyWork,
  type RunOptions,
} from './helpers.js';

/** KV traffic and attention so that step costs grow with context and decode runs change regime. */
export const propertyWork = tinyWork({ lmHeadFlopsPerToken: 2e8, attentionFlopsPerPair: 2e7, kvBytesPerToken: 2e6 });

/** A fitted range that cuts through these scenarios' batches and contexts (1-60 prompt, 1-40 output tokens). */
export const PROPERTY_FITTED_RANGE = { batchSize: [1, 4], stepTokens: [1, 30], contextTokens: [12, 45] } as const;

export interface RandomScenario {
  readonly label: string;
  readonly specs: RequestSpec[];
  readonly kind: 'continuous' | 'static';
  readonly chunked: boolean;
  readonly options: RunOptions;
  run(maxRunSteps: number): ReturnType<typeof runContinuous>;
}

export function randomScenario(seed: string, opts: { kind?: 'continuous' | 'static'; smallPool?: boolean } = {}): RandomScenario {
  const r = rng(seed);
  const kind = opts.kind ?? (r() < 0.75 ? 'continuous' : 'static');
  const chunked = r() < 0.5;
  const offline = r() < 0.25;
  const rate = offline ? 0 : [2, 8, 20, 60][randInt(r, 0, 3)];
  const specs = randomWorkload(r, randInt(r, 15, 45), rate, [1, 60], [1, 40]);
  const replicas = randInt(r, 1, 3);
  const router: RouterKind = r() < 0.5 ? 'round_robin' : 'least_outstanding';
  const params = tinyParams({
    gpusPerReplica: randInt(r, 1, 2),
    perSequenceOverheadSeconds: r() * 1e-3,
    // Sometimes a cap low enough to stretch the larger steps.
    powerCapWatts: r() < 0.3 ? 260 : 1000,
  });
  const options: RunOptions = { replicas, router, work: propertyWork, params, intervalSeconds: 0.05 + r() * 0.3, maxIntervals: 64, fittedRange: PROPERTY_FITTED_RANGE };
  const blockTokens = [1, 2, 4, 8, 16][randInt(r, 0, 4)];
  // Small pools (60-200 tokens) force preemption; some requests (up to 99 tokens) are larger than the pool.
  const poolTokens = opts.smallPool === false ? 5000 : randInt(r, 60, 200);
  const cont = continuousConfig({
    maxRunningSequences: randInt(r, 1, 8),
    maxBatchedTokens: chunked ? randInt(r, 4, 64) : randInt(r, 20, 80),
    chunkedPrefill: chunked,
    blockTokens,
    totalBlocks: Math.max(1, Math.floor(poolTokens / blockTokens)),
    admissionWatermarkBlocks: randInt(r, 0, 2),
  });
  const stat = staticConfig({
    batchSize: randInt(r, 1, 6),
    groupByLengthBins: r() < 0.5,
    batchMemoryBytes: randInt(r, 60, 300) * 1e6,
    kvBytesPerToken: 1e6,
    activationBytesPerPromptToken: 5e5,
  });
  const label = `${seed}: ${kind}${kind === 'continuous' ? (chunked ? ' chunked' : ' unchunked') : ''}, ${specs.length} requests ${offline ? 'offline' : `at ${rate}/s`}, ${replicas} × ${router}`;
  return {
    label,
    specs,
    kind,
    chunked,
    options,
    run: (maxRunSteps) =>
      kind === 'continuous'
        ? runContinuous(specs, { ...cont, maxRunSteps }, options)
        : runStatic(specs, { ...stat, maxRunSteps }, options),
  };
}
