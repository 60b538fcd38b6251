/**
 * Fused-expert-kernel efficiency of mixture-of-experts models (the seed paper's finding 3): the expert layers'
 * fused kernels run slower than dense GEMMs of the same active parameters, 19.70% at batch 1 and 63% at batch 8
 * (`models/moe/fused-expert-kernel.json`). Applied to the expert part of a step only, and to its time only:
 *
 *   expert FLOPs  = tokens · 2 · top-k · params per expert · layers
 *   expert bytes  = layers · E[distinct experts hit by the step's tokens] · params per expert · 2
 *   time-only work = slowdown(tokens per expert) · (expert FLOPs, expert bytes)
 *
 * so the roofline's compute and memory legs both stretch by the slowdown on their expert share, while the dynamic
 * energy per FLOP and per byte stays; the step's energy grows through the busy floor over the longer time. The
 * slowdown depends on the step's token count only, so a decode run of fixed batch keeps its exact closed form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '../model/architecture.js';
import { expectedDistinctExperts, parameterCounts } from '../model/modelCosts.js';
import { modelsDir } from '../paths.js';
import type { ModelWork } from './modelWork.js';

export interface FusedExpertKernelData {
  readonly source: string;
  readonly measured_on: { readonly model: string; readonly num_experts: number; readonly num_experts_per_tok: number };
  readonly points: readonly { readonly batch: number; readonly slowdown: number }[];
}

export const fusedExpertKernelFile = join(modelsDir, 'moe', 'fused-expert-kernel.json');

let cached: FusedExpertKernelData | undefined;
export function fusedExpertKernelData(): FusedExpertKernelData {
  cached ??= JSON.parse(readFileSync(fusedExpertKernelFile, 'utf8')) as FusedExpertKernelData;
  return cached;
}

/** Slowdown of the fused expert kernels at `tokensPerExpert` (step tokens × top-k / experts): linear between the
 *  measured points, flat outside them. */
export function expertSlowdown(tokensPerExpert: number, data: FusedExpertKernelData = fusedExpertKernelData()): number {
  const { num_experts: e, num_experts_per_tok: k } = data.measured_on;
  const pts = [...data.points].map((p) => ({ x: (p.batch * k) / e, y: p.slowdown })).sort((a, b) => a.x - b.x);
  if (tokensPerExpert <= pts[0].x) return pts[0].y;
  const last = pts[pts.length - 1];
  if (tokensPerExpert >= last.x) return last.y;
  for (let i = 1; i < pts.length; i++) {
    if (tokensPerExpert <= pts[i].x) {
      const t = (tokensPerExpert - pts[i - 1].x) / (pts[i].x - pts[i - 1].x);
      return pts[i - 1].y + t * (pts[i].y - pts[i - 1].y);
    }
  }
  return last.y;
}

/** FLOPs and weight bytes of the routed experts in a step of `tokens` tokens (shared experts are dense, excluded). */
export function expertWork(a: Architecture, tokens: number): { flops: number; bytes: number } {
  if (!a.moe || tokens <= 0) return { flops: 0, bytes: 0 };
  const c = parameterCounts(a);
  const layers = a.num_hidden_layers;
  return {
    flops: tokens * 2 * a.moe.num_experts_per_tok * c.paramsPerExpert * layers,
    bytes: layers * expectedDistinctExperts(a, tokens) * c.paramsPerExpert * 2,
  };
}

/** The model's work with the fused-expert slowdown as time-only work; dense models are returned unchanged. */
export function withFusedExpertEfficiency(work: ModelWork, a: Architecture): ModelWork {
  const moe = a.moe;
  if (!moe) return work;
  const data = fusedExpertKernelData();
  const previous = work.timeOnlyWork;
  return {
    ...work,
    timeOnlyWork: (tokens: number) => {
      const base = previous ? previous(tokens) : { flops: 0, bytes: 0 };
      const s = expertSlowdown((tokens * moe.num_experts_per_tok) / moe.num_experts, data);
      const x = expertWork(a, tokens);
      return { flops: base.flops + s * x.flops, bytes: base.bytes + s * x.bytes };
    },
  };
}

export function fusedExpertDescription(a: Architecture): string {
  if (!a.moe) return '';
  const d = fusedExpertKernelData();
  return `fused MoE expert kernels ${d.points.map((p) => `${(p.slowdown * 100).toFixed(1)}% slower at batch ${p.batch}`).join(', ')} (seed paper, finding 3), linear in tokens per expert, flat outside`;
}
