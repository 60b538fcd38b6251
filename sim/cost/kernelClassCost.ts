/**
 * The kernel-class step cost model (docs/COST-MODEL.md). A step's GPU time is the sum of the time of the kernel
 * classes it runs, each at the rate that bounds it on this GPU; the host's time overlaps the GPU's as the stack
 * allows; power is the GPU's warm idle power plus each class's active power while it runs:
 *
 *   gpu     = gemm + attention + copy + kernels · floor (+ all-reduce)
 *   gemm    = max(gemm FLOPs / gemm rate, weight bytes / gemm bandwidth)
 *   attn    = attention FLOPs / attention rate + K/V bytes read / attention bandwidth
 *   copy    = (K/V materialisation + cache traffic + activation passes) bytes / copy bandwidth
 *   seconds = max(host, gpu, dynamic joules / (cap − warm idle)) + serial host
 *   joules  = warm idle · seconds + Σ class active watts · class seconds         (per GPU)
 *
 * Every term is either constant over a decode run of fixed batch (GEMMs, activation passes, kernel floors) or linear
 * in its context sum (attention, K/V copies), so a run of decode steps keeps an exact closed form.
 * This file holds the parameters and the pure functions; StepCostModel drives them.
 */
import type { ModelWork } from './modelWork.js';
import { chunkTotals, type ChunkTotals, type Step, type StepDecodePart } from './step.js';

/** What bounds each kernel class on one GPU (achieved, not datasheet, rates). */
export interface KernelClassRates {
  readonly gemmFlopsPerSecond: number;
  readonly gemmBytesPerSecond: number;
  readonly attentionFlopsPerSecond: number;
  readonly attentionBytesPerSecond: number;
  /** The masked path over materialised K/V (a padded HF batch, transformers' packed attention) runs another kernel
   *  (cuDNN's sm80 masked variant on Hopper) with its own efficiency. Absent: the fused rates. */
  readonly maskedAttentionFlopsPerSecond?: number;
  readonly maskedAttentionBytesPerSecond?: number;
  /** Elementwise and copy kernels (repeat_kv, cache concatenation or gather, norms, activations). */
  readonly copyBytesPerSecond: number;
  /** The shortest a kernel takes on the device however little it does (launch latency, tail). */
  readonly kernelFloorSeconds: number;
}

/** Power above the warm idle floor while a class's kernels run. */
export interface KernelClassPowers {
  /** GEMM power while streaming weights (bandwidth-bound, matrix units mostly waiting). */
  readonly gemmWatts: number;
  /** Extra GEMM power at full matrix-unit utilisation, drawn over the GEMMs' compute-leg time (≤ their time): a
   *  compute-bound prefill GEMM draws gemmWatts + gemmComputeWatts, a weight-streaming decode GEMM about gemmWatts. */
  readonly gemmComputeWatts: number;
  readonly attentionWatts: number;
  readonly copyWatts: number;
}

/** How the serving software attends: the kernels it runs depend on the stack, not the GPU. */
export type AttentionPath =
  /** Fused GQA attention (flash / cuDNN), K/V read once per step. */
  | 'fused'
  /** HF eager: fused without a mask; with a mask (padded batch) repeat_kv materialises K/V to every query head and
   *  the masked kernel reads the materialised copy. */
  | 'fused-or-masked-materialized'
  /** transformers continuous batching (paged|sdpa): every new token of the step packed into one row, attending over
   *  every gathered key through a dense mask, over materialised K/V. */
  | 'packed-masked-materialized';

export type KvCacheTraffic =
  /** In-place writes of the new tokens only (paged, vLLM). */
  | 'in-place'
  /** DynamicCache: torch.cat rewrites the whole layer cache every step (reads it and writes it again). */
  | 'concat'
  /** Paged cache gathered into a contiguous copy every step (index_select), new tokens written (index_copy). */
  | 'gather';

export interface KernelClassSoftware {
  readonly attention: AttentionPath;
  readonly kvCache: KvCacheTraffic;
  /** Hidden-sized bf16 vectors each layer's elementwise kernels read or write per token (norms, rotary, residuals,
   *  activation products, counted in units of hidden × 2 bytes). */
  readonly activationPassesPerLayer: number;
  /** Kernels launched per step (all classes), whatever the batch: the floor term counts them. */
  readonly kernelsPerStep: number;
  /** Host time per step that the GPU's work hides (eager launches run ahead of the GPU). */
  readonly hostOverlappedSeconds: number;
  /** Host time per sequence in the step (input building, sampling bookkeeping), overlapped like the above. */
  readonly hostPerSequenceSeconds: number;
  /** Host time per step that the GPU waits for (the end-of-step synchronisation and what follows it). */
  readonly hostSerialSeconds: number;
}

export interface KernelClassParameters {
  readonly rates: KernelClassRates;
  readonly powers: KernelClassPowers;
  readonly software: KernelClassSoftware;
}

/** A step's work by class, per GPU. Attention and copy bytes are linear in the keys the step attends to. */
export interface ClassWork {
  /** The step's attention runs the masked kernel over materialised K/V. */
  readonly attentionMasked?: boolean;
  readonly gemmFlops: number;
  readonly gemmBytes: number;
  readonly attentionFlops: number;
  readonly attentionBytes: number;
  readonly copyBytes: number;
}

export interface ClassSeconds {
  readonly gemm: number;
  /** The GEMMs' compute leg (FLOPs at the achieved matrix rate), ≤ gemm. */
  readonly gemmCompute: number;
  readonly attention: number;
  readonly copy: number;
  readonly floor: number;
}

/** Whether a step's attention takes the masked path over materialised K/V. */
export function runsMaterialized(p: KernelClassParameters, masked: boolean): boolean {
  const a = p.software.attention;
  return a === 'packed-masked-materialized' || (a === 'fused-or-masked-materialized' && masked);
}

/**
 * The keys-dependent quantities of a step: attention pairs and the K/V bytes each class moves, for `keys` keys
 * attended over (cached + new tokens of every sequence), `queries` new tokens, and the masked flag.
 */
export function kvBytesByClass(
  p: KernelClassParameters,
  w: Pick<ModelWork, 'kvBytesPerToken' | 'kvGroupSize'>,
  keys: number,
  newTokens: number,
  masked: boolean,
): { attentionBytes: number; copyBytes: number } {
  const g = w.kvGroupSize ?? 1;
  const kvBytesPerToken = w.kvBytesPerToken;
  const materialized = runsMaterialized(p, masked);
  const sw = p.software;
  // The attention kernel reads K/V once; over materialised heads it reads g times the cache's bytes.
  const attentionBytes = kvBytesPerToken * keys * (materialized ? g : 1);
  // repeat_kv reads the grouped K/V once and writes g copies.
  let copyBytes = materialized ? kvBytesPerToken * keys * (1 + g) : 0;
  if (sw.kvCache === 'concat') copyBytes += 2 * kvBytesPerToken * keys;
  else if (sw.kvCache === 'gather') copyBytes += 2 * kvBytesPerToken * keys + 2 * kvBytesPerToken * newTokens;
  else copyBytes += kvBytesPerToken * newTokens;
  return { attentionBytes, copyBytes };
}

/** Work by class of a general step (whole replica; divide by the GPUs for per-GPU work). */
export function stepClassWork(p: KernelClassParameters, w: ModelWork, step: Step): ClassWork & { tokens: number; sequences: number } {
  return chunkClassWork(p, w, chunkTotals(step), step);
}

/** stepClassWork from the step's chunk totals (step.ts) and its decode part. */
export function chunkClassWork(p: KernelClassParameters, w: ModelWork, t: ChunkTotals, step: StepDecodePart): ClassWork & { tokens: number; sequences: number } {
  const newTokens = t.newTokens;
  const cachedTokens = t.cachedTokens;
  let pairs = step.decodeContextSum + step.decodeCount + t.attentionPairs;
  const tokens = newTokens + step.decodeCount;
  const keys = cachedTokens + newTokens + step.decodeContextSum + step.decodeCount;
  if (p.software.attention === 'packed-masked-materialized') pairs = tokens * keys;
  const sampled = step.chunksProducingToken + step.decodeCount;
  const kv = kvBytesByClass(p, w, keys, tokens, step.masked === true);
  return {
    attentionMasked: runsMaterialized(p, step.masked === true),
    gemmFlops: w.matmulFlopsPerToken * tokens + w.lmHeadFlopsPerToken * sampled,
    gemmBytes: w.weightBytesPerStep(tokens),
    attentionFlops: w.attentionFlopsPerPair * pairs,
    attentionBytes: kv.attentionBytes,
    copyBytes:
      kv.copyBytes +
      (w.activationPassBytes ?? 0) * p.software.activationPassesPerLayer * tokens +
      (w.sampledTokenBytes ?? 0) * sampled +
      (w.kvReorderBytesPerToken ?? 0) * keys,
    tokens,
    sequences: t.chunks + step.decodeCount,
  };
}

/** Seconds of each class for per-GPU work (time-only FLOPs and bytes lengthen the GEMMs without their energy). */
export function classSeconds(r: KernelClassRates, kernels: number, work: ClassWork, timeOnly?: { flops: number; bytes: number }): ClassSeconds {
  const f = work.gemmFlops + (timeOnly?.flops ?? 0);
  const b = work.gemmBytes + (timeOnly?.bytes ?? 0);
  const gemmCompute = f / r.gemmFlopsPerSecond;
  return {
    gemm: Math.max(gemmCompute, b / r.gemmBytesPerSecond),
    gemmCompute,
    attention: work.attentionMasked
      ? work.attentionFlops / (r.maskedAttentionFlopsPerSecond ?? r.attentionFlopsPerSecond) + work.attentionBytes / (r.maskedAttentionBytesPerSecond ?? r.attentionBytesPerSecond)
      : work.attentionFlops / r.attentionFlopsPerSecond + work.attentionBytes / r.attentionBytesPerSecond,
    copy: work.copyBytes / r.copyBytesPerSecond,
    floor: kernels * r.kernelFloorSeconds,
  };
}

export function gpuSeconds(s: ClassSeconds): number {
  return s.gemm + s.attention + s.copy + s.floor;
}

/** Energy above the warm idle floor. Floor time is small-kernel time: priced as copy-class work. */
export function dynamicJoules(pw: KernelClassPowers, s: ClassSeconds): number {
  return pw.gemmWatts * s.gemm + pw.gemmComputeWatts * s.gemmCompute + pw.attentionWatts * s.attention + pw.copyWatts * (s.copy + s.floor);
}

export function hostSeconds(sw: KernelClassSoftware, sequences: number): number {
  return sw.hostOverlappedSeconds + sw.hostPerSequenceSeconds * sequences;
}
