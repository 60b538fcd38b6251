/**
 * How the two ML.ENERGY profiles are fitted (held-out split, fixed coefficients and why) and what they can and
 * cannot predict. `convertMain.js annotate` writes these into a profile after `joulesim calibrate fit`; the
 * `sensitivity` command refits with the same settings and other prompt lengths.
 */
import type { FittedKey } from '../fit/fitProfile.js';

export interface FitConfig {
  /** The leaderboard's GPU name. */
  readonly leaderboardGpu: string;
  /** Labels matching this are held out of the fit (records are labelled `... mns=<max_num_seqs> ...`). */
  readonly holdout: string;
  readonly holdoutReason: string;
  readonly fixed: Partial<Record<FittedKey, number>>;
  /** Why each fixed value is what it is. */
  readonly fixedReasons: Partial<Record<FittedKey, string>>;
  readonly anomalies?: string;
}

/** This project's own H100 (hf-eager grid fit, prefill-only rows included): bf16 GEMM rate / datasheet peak. */
const GEMM_EFFICIENCY = 731 / 989.4;
const GEMM_REASON = (gpu: string, peak: number) =>
  `${(GEMM_EFFICIENCY * peak).toFixed(0)} TFLOP/s = ${GEMM_EFFICIENCY.toFixed(3)} x the ${peak} TFLOP/s bf16 dense datasheet peak of the ${gpu}. ` +
  'The fraction is the bf16 GEMM rate fitted on this project\'s own H100 (joulesim calibrate fit on ' +
  'test/fixtures/calibration/h100-hf-grid-measurements.json, whose prefill-only rows do reach the compute roof: 731 TFLOP/s); ' +
  'vLLM\'s prefill GEMMs are the same cuBLAS bf16 kernels. The ML.ENERGY rows are decode-dominated steady states with no prefill-only ' +
  'row, so they cannot identify the compute roof: free fits drift from ~400 to effectively unbounded TFLOP/s with no change in the error.';
const BUSY_REASON =
  'Busy floor = idle (0 W above idle). This data has no low-activity rows (the smallest batch already streams the weights every step), ' +
  'so the floor cannot be told apart from the energy per byte; the free fits put it at idle, and so does the fit of this project\'s own ' +
  'H100 grid, which has batch-1 rows.';

export const FIT_CONFIG: Readonly<Record<string, FitConfig>> = {
  'h100-sxm': {
    leaderboardGpu: 'H100',
    holdout: 'mns=(16|64|96|192|256|384)\\b',
    holdoutReason:
      'Fitted on max_num_seqs 8, 32, 128, 512 and 768 (the smallest, every fourfold step, and the largest, so both ends are covered and ' +
      'every held-out row lies between two fitted ones); held out 16, 64, 96, 192, 256, 384.',
    fixed: { per_sequence_overhead_s: 0, busy_base_w: 0, compute_tflops: 731 },
    fixedReasons: {
      per_sequence_overhead_s:
        '0. ML.ENERGY ran vLLM with async scheduling, which overlaps the host work of step k+1 (scheduling, detokenisation) with the GPU ' +
        'work of step k, and the GPU-side per-sequence work (sampling, LM head, KV writes and reads) is already in the FLOPs and bytes. ' +
        'The data cannot identify it anyway: at the near-constant context of these rows a per-sequence term and the KV-cache reads are ' +
        'both linear in the batch (a free fit gives 7.7 us/seq with no better error).',
      busy_base_w: BUSY_REASON,
      compute_tflops: GEMM_REASON('H100 SXM', 989.4) + ' On the H100 the 700 W cap binds before the compute roof at large batch (688-691 W measured from batch 192 up), which is why the cap, not the roof, shapes the fit.',
    },
  },
  b200: {
    leaderboardGpu: 'B200',
    holdout: 'mns=(16|64|128|1024)\\b',
    holdoutReason:
      'Fitted on max_num_seqs 8, 32, 256, 512 and 2048 (the smallest, the largest, and rows between), held out 16, 64, 128, 1024. ' +
      'The H100 rule (8, 32, 128, 512, largest) would put the 128 row in the fit; that row is anomalous (see anomalies), so 256 takes its ' +
      'place and 128 stays held out, where its error is reported rather than hidden.',
    fixed: { busy_base_w: 0, compute_tflops: 1663, memory_bandwidth_gb_s: 6800 },
    fixedReasons: {
      busy_base_w: BUSY_REASON + ' Carried to the B200 for the same reason.',
      compute_tflops: GEMM_REASON('B200', 2250) + ' No B200 row comes near it either (691 W at most against the 1000 W TDP).',
      memory_bandwidth_gb_s:
        '6800 GB/s = 0.85 x the 8000 GB/s datasheet bandwidth, the vllm stack\'s prior memory efficiency (models/stacks/vllm.json). ' +
        'B200 steps at small batch take 4.6-5.1 ms (median ITL at batch 8-16), about twice what streaming the 16 GB of weights needs at any plausible bandwidth, ' +
        'so the time is overhead, not bandwidth, and free fits send the bandwidth to 3-300 TB/s without changing the error.',
    },
    anomalies:
      'The B200 sweep is not smooth: at max_num_seqs 128 the throughput (4570 tok/s) is below that at 64 (5589 tok/s) and the power ' +
      '(449 W) is the lowest of the sweep, while 256 and up recover; from 128 up the B200 is no faster per step than the H100 at the same ' +
      'batch (median ITL 26.7 vs 16.5 ms at 128, 50.2 vs 47.4 ms at 512), which points at a host-side limit (one API-server process ' +
      'streaming every token) rather than the GPU. The fitted per-sequence overhead (~66 us) stands in for that host cost. At 2048 the ' +
      'measured throughput is ~34% above the model: ML.ENERGY repeated its 1024 prompts 8x at that size (sweeps.yaml, ' +
      'num_request_repeats), and repeated prompts can be served from vLLM\'s prefix cache, so less prefill was done than the ' +
      'converter assumes.',
  },
};

export interface ProfileTexts {
  readonly predicts: string;
  readonly doesNotPredict: string;
}

interface Residual {
  readonly label: string;
  readonly time_error_pct: number;
  readonly energy_error_pct: number;
}

/** What the annotation reads from a fitted profile. */
export interface FittedSummary {
  readonly heldOut: { time: { median: number; max: number }; energy: { median: number; max: number } };
  readonly residuals: readonly Residual[];
  readonly promptTokens: number;
  readonly batchRange: readonly number[];
}

const pct = (x: number) => `${x.toFixed(1)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}%`;

/** The predicts / does_not_predict texts, with the profile's own errors filled in. */
export function profileTexts(gpu: string, s: FittedSummary): ProfileTexts {
  const h = s.heldOut;
  const errors = `held-out error |time| median ${pct(h.time.median)} max ${pct(h.time.max)}, |energy| median ${pct(h.energy.median)} max ${pct(h.energy.max)}`;
  const [lo, hi] = s.batchRange;
  const common =
    `Prefill-heavy workloads (long prompts with short outputs: RAG, summarisation, code completion, or TTFT-bound loads): the data has no prefill-only row, the compute roof is fixed from another measurement, and the prefill share of every row rests on the assumed ${s.promptTokens}-token prompt (refits with half or double that move J/TFLOP by 2-3x; see provenance.prompt_sensitivity). ` +
    "Idle power and idle gaps: idle_w is the GPU file's figure, not measured here, and the busy floor is fixed at idle. " +
    'Single-request latency, TTFT and ITL distributions: only steady-state averages (throughput, energy per token) were fitted. ' +
    `Batches below ${lo} or above ${hi} running sequences, and contexts far from the ~${s.promptTokens}-${s.promptTokens + 400} tokens per sequence of these rows (KV traffic per token is extrapolated from one context mix). ` +
    'Prefix-cache hits (multi-turn chats sharing history), other models, other vLLM versions (the leaderboard v2 H100 runs with vLLM 0.5.4 are 3-5x slower at the same batch), quantised weights, tensor parallelism, power limits other than the TDP, and clock or thermal drift.';
  if (gpu === 'h100-sxm') {
    return {
      predicts:
        `Steady-state, decode-heavy serving of Llama-3.1-8B-Instruct with vLLM 0.11.1 (bf16, chunked prefill, CUDA graphs, async scheduling) on one H100 SXM at its 700 W limit, with ${lo}-${hi} running sequences of chat-length requests (~${s.promptTokens} prompt tokens with the chat template, ~400 output tokens, prompts mixed into decode steps): time and energy per output token, and average power up to the power cap, within the ${errors} (max_num_seqs 16-384 held out; 8, 32, 128, 512, 768 fitted). ` +
        'Carried to other GPUs (e.g. A100) it is a transferred what-if, not a prediction.',
      doesNotPredict: common,
    };
  }
  const at = (mns: number) => s.residuals.find((r) => new RegExp(`mns=${mns}\\b`).test(r.label));
  const r128 = at(128);
  const r2048 = at(2048);
  const typical = (key: 'time_error_pct' | 'energy_error_pct') => {
    const a = s.residuals.filter((r) => r !== r128).map((r) => Math.abs(r[key])).sort((x, y) => x - y);
    return a[Math.floor((a.length - 1) / 2)];
  };
  return {
    predicts:
      `Steady-state, decode-heavy serving of Llama-3.1-8B-Instruct with vLLM 0.11.1 (bf16, chunked prefill, CUDA graphs, async scheduling) on one B200, with ${lo}-${hi} running sequences of chat-length requests (~${s.promptTokens} prompt tokens with the chat template, ~400 output tokens): time and energy per output token to about ${pct(typical('time_error_pct'))} (time) and ${pct(typical('energy_error_pct'))} (energy) median over all rows but the anomalous max_num_seqs 128 one; ${errors} (the max is that 128 row). ` +
      'Coarser than the H100 profile: the B200 sweep is not smooth (provenance.anomalies) and a fitted per-sequence host overhead carries most of the batch dependence.',
    doesNotPredict:
      common +
      ` On the B200 also: the max_num_seqs 128 regime (model ${r128 ? signedPct(r128.time_error_pct) : '?'} in time against the measurement), very large batches with repeated prompts (2048: model ${r2048 ? signedPct(r2048.time_error_pct) : '?'} in time), and setups where the GPU rather than the host limits large batches (the per-sequence overhead is a host cost of this server setup, not of the B200).`,
  };
}
