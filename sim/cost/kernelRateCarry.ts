/**
 * How a kernel-class profile's achieved rates carry to another GPU: each class by what bounds it there.
 *
 * - FLOP legs run on the tensor cores: they scale with the dense bf16 peak.
 * - A byte leg that streams at the best share of peak bandwidth any class reached on the source GPU is bound by the
 *   memory (HBM): it scales with the memory bandwidth.
 * - A byte leg that reached less than that (elementwise copies such as repeat_kv at ~30% of peak, attention over
 *   small heads) was not waiting on HBM but on the SMs issuing its loads and stores: it scales with SM throughput
 *   (SM count × boost clock), capped at the best streaming share of the target's bandwidth.
 *
 * The H200 and the H100 SXM have the same GH100 SMs and clocks and differ in HBM only: carried between them, the
 * GEMMs' weight streaming speeds up by the bandwidth ratio and repeat_kv does not, which is what the two GPUs' runs
 * show (docs/COST-MODEL.md). Where a GPU file has no SM data, every byte leg falls back to the bandwidth ratio, and
 * the note says so.
 */
import type { Gpu } from '../model/gpu.js';

/** A kernel-class profile's rates as its file writes them. */
export interface ProfileRates {
  readonly gemm_tflops: number;
  readonly gemm_bandwidth_gb_s: number;
  readonly attention_tflops: number;
  readonly attention_bandwidth_gb_s: number;
  readonly masked_attention_tflops?: number;
  readonly masked_attention_bandwidth_gb_s?: number;
  readonly copy_bandwidth_gb_s: number;
  readonly kernel_floor_us: number;
}

const BYTE_LEGS = ['gemm_bandwidth_gb_s', 'attention_bandwidth_gb_s', 'masked_attention_bandwidth_gb_s', 'copy_bandwidth_gb_s'] as const;
const FLOP_LEGS = ['gemm_tflops', 'attention_tflops', 'masked_attention_tflops'] as const;

/** A class within this share of the best streaming class counts as HBM-bound. */
export const HBM_BOUND_SHARE = 0.97;

/** SM throughput (SMs × boost MHz), or null when the GPU file does not give it. */
export function smThroughput(gpu: Gpu): number | null {
  const sm = gpu.streaming_multiprocessors;
  return sm ? sm.count * sm.boost_mhz : null;
}

export interface CarriedRates<R extends ProfileRates> {
  readonly rates: R;
  /** What each byte leg was taken to be bound by, and its scale (for the provenance). */
  readonly notes: string[];
  /** The best share of peak bandwidth a byte leg reached on the source GPU. */
  readonly streamingShare: number;
}

export function carryRates<R extends ProfileRates>(rates: R, source: Gpu, target: Gpu): CarriedRates<R> {
  const flopScale = target.bf16_dense_tflops / source.bf16_dense_tflops;
  const bandwidthScale = target.memory_bandwidth_gb_s / source.memory_bandwidth_gb_s;
  const smS = smThroughput(source);
  const smT = smThroughput(target);
  const smScale = smS !== null && smT !== null ? smT / smS : null;
  const out: Record<string, number> = { ...(rates as unknown as Record<string, number>) };
  for (const k of FLOP_LEGS) if (rates[k] !== undefined) out[k] = rates[k]! * flopScale;
  let streamingShare = 0;
  for (const k of BYTE_LEGS) if (rates[k] !== undefined) streamingShare = Math.max(streamingShare, rates[k]! / source.memory_bandwidth_gb_s);
  const hbm: string[] = [];
  const sm: string[] = [];
  for (const k of BYTE_LEGS) {
    const r = rates[k];
    if (r === undefined) continue;
    const share = r / source.memory_bandwidth_gb_s;
    const name = `${k.replace('_bandwidth_gb_s', '')} ${(share * 100).toFixed(0)}%`;
    if (smScale === null || share >= HBM_BOUND_SHARE * streamingShare) {
      out[k] = r * bandwidthScale;
      hbm.push(name);
    } else {
      out[k] = Math.min(r * smScale, streamingShare * target.memory_bandwidth_gb_s);
      sm.push(`${name} → × ${(out[k] / r).toFixed(3)}`);
    }
  }
  const notes = [`FLOP legs × ${flopScale.toFixed(3)} (bf16 peak)`];
  if (smScale === null) notes.push(`byte legs × ${bandwidthScale.toFixed(3)} (memory bandwidth; no SM data in the GPU files)`);
  else {
    if (hbm.length) notes.push(`HBM-bound byte legs (${hbm.join(', ')} of peak) × ${bandwidthScale.toFixed(3)} (memory bandwidth)`);
    if (sm.length) notes.push(`SM-bound byte legs (${sm.join(', ')}) by SM throughput × ${smScale.toFixed(3)}, at most ${(streamingShare * 100).toFixed(0)}% of the target's bandwidth`);
  }
  return { rates: out as unknown as R, notes, streamingShare };
}
