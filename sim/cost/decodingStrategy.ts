/**
 * Decoding strategies as cost-model parameters (`cluster.decoding`):
 *
 *   greedy   — nothing beyond the baseline step (one LM-head row per sampled token, argmax).
 *   sampling — per sampled token, the logits-processing kernels' traffic over the vocabulary: temperature divide
 *              (when ≠ 1), top-p sort/softmax/cumsum/mask (when top_p < 1), softmax + multinomial; per step, their
 *              extra eager ops × the per-op CPU time.
 *   beam     — width w: every request decodes w sequences with w KV caches (BeamStepCostModel, memory budget ×w);
 *              per sampled token the log-softmax / score / top-k traffic; per step ~30 bookkeeping ops; on a
 *              contiguous KV cache the reorder HF does after every step (index_select of every layer's K and V:
 *              every cached byte read and written: ModelWork.kvReorderBytesPerToken = 2 × KV bytes per token) and
 *              its 2 ops per layer.
 *
 * Numbers and their derivation: `models/decoding/decoding-costs.json`. Every term is per sampled token or per step,
 * so decode runs keep their exact closed form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '../model/architecture.js';
import type { Stack } from '../model/stack.js';
import { modelsDir } from '../paths.js';
import type { CostParameters } from './costParameters.js';
import type { ModelWork } from './modelWork.js';

export type DecodingStrategy =
  | { readonly kind: 'greedy' }
  | { readonly kind: 'sampling'; readonly temperature?: number; readonly top_p?: number }
  | { readonly kind: 'beam'; readonly width: number };

interface StrategyCost {
  readonly bytes_per_vocab_entry?: number;
  readonly ops?: number;
  readonly ops_per_layer?: number;
}

export interface DecodingCostData {
  readonly eager_op_cpu_s: number;
  readonly strategies: {
    readonly temperature: StrategyCost;
    readonly top_p: StrategyCost;
    readonly draw: StrategyCost;
    readonly beam_scores: StrategyCost;
    readonly beam_cache_reorder: StrategyCost;
  };
}

export const decodingCostsFile = join(modelsDir, 'decoding', 'decoding-costs.json');

let cached: DecodingCostData | undefined;
export function decodingCostData(): DecodingCostData {
  cached ??= JSON.parse(readFileSync(decodingCostsFile, 'utf8')) as DecodingCostData;
  return cached;
}

export interface DecodingCosts {
  readonly work: ModelWork;
  readonly params: CostParameters;
  /** Sequences (and KV caches) per request: the beam width, 1 otherwise. */
  readonly beamWidth: number;
  /** Rows a request's prompt is prefilled as: HF expands the input to w rows before the prefill on a contiguous
   *  cache; a paged cache prefills once and forks the beams (prefix sharing). */
  readonly prefillWidth: number;
  readonly description: string;
}

/** Bytes per sampled token and extra ops per step of a strategy (beam reorder excluded: it is KV traffic). */
export function decodingOverheads(s: DecodingStrategy, a: Architecture, contiguousCache: boolean, data = decodingCostData()): { bytesPerToken: number; opsPerStep: number } {
  const v = a.vocab_size;
  const st = data.strategies;
  const add = (c: StrategyCost, acc: { bytesPerToken: number; opsPerStep: number }) => {
    acc.bytesPerToken += (c.bytes_per_vocab_entry ?? 0) * v;
    acc.opsPerStep += (c.ops ?? 0) + (c.ops_per_layer ?? 0) * a.num_hidden_layers;
  };
  const acc = { bytesPerToken: 0, opsPerStep: 0 };
  if (s.kind === 'sampling') {
    if ((s.temperature ?? 1) !== 1) add(st.temperature, acc);
    if ((s.top_p ?? 1) < 1) add(st.top_p, acc);
    add(st.draw, acc);
  } else if (s.kind === 'beam') {
    add(st.beam_scores, acc);
    if (contiguousCache) add(st.beam_cache_reorder, acc);
  }
  return acc;
}

export function applyDecoding(work: ModelWork, params: CostParameters, a: Architecture, stack: Stack, s: DecodingStrategy): DecodingCosts {
  if (s.kind === 'greedy') return { work, params, beamWidth: 1, prefillWidth: 1, description: 'greedy decoding' };
  const data = decodingCostData();
  const contiguous = stack.kv_cache === 'contiguous';
  const { bytesPerToken, opsPerStep } = decodingOverheads(s, a, contiguous, data);
  const extraOverhead = opsPerStep * data.eager_op_cpu_s;
  const reorder = s.kind === 'beam' && contiguous;
  const newWork: ModelWork = {
    ...work,
    sampledTokenBytes: (work.sampledTokenBytes ?? 0) + bytesPerToken,
    // The reorder reads and writes every cached KV byte after each step.
    kvReorderBytesPerToken: (work.kvReorderBytesPerToken ?? 0) + (reorder ? 2 * work.kvBytesPerToken : 0),
  };
  const newParams: CostParameters = { ...params, stepOverheadSeconds: params.stepOverheadSeconds + extraOverhead };
  const what =
    s.kind === 'sampling'
      ? `sampling (temperature ${s.temperature ?? 1}, top_p ${s.top_p ?? 1})`
      : `beam search width ${s.width}${reorder ? ' with the contiguous-cache reorder (every cached KV byte read and written each step)' : ' (paged cache: no reorder)'}`;
  return {
    work: newWork,
    params: newParams,
    beamWidth: s.kind === 'beam' ? s.width : 1,
    prefillWidth: s.kind === 'beam' && contiguous ? s.width : 1,
    description: `${what}: +${(bytesPerToken / 1e6).toFixed(2)} MB per sampled token, +${opsPerStep} ops (${(extraOverhead * 1e3).toFixed(2)} ms) per step`,
  };
}
