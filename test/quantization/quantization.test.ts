import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fp8GemmMeasurement } from '../../sim/cost/fp8GemmMeasurement.js';
import { buildCostModel } from '../../sim/cost/buildCostModel.js';
import { classSeconds, stepClassWork } from '../../sim/cost/kernelClassCost.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { gemmRateMultiplier } from '../../sim/cost/quantizedRates.js';
import { decodeOnlyStep } from '../../sim/cost/step.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { kvCacheBytesPerToken, linearParams, weightBytes, weightBytesReadPerStep } from '../../sim/model/modelCosts.js';
import type { Precision } from '../../sim/model/precision.js';
import { loadStack } from '../../sim/model/stack.js';
import { memoryBudget, pagedBlockCount } from '../../sim/serving/memoryBudget.js';

const llama = loadArchitecture('llama-3.1-8b');
const h100 = loadGpu('h100-sxm');
const a100 = loadGpu('a100-sxm');
const vllm = loadStack('vllm');
const FP8: Precision = { weights: 'fp8', kvCache: 'fp8' };

// Llama-3.1-8B by hand: per layer q, o 4096×4096, k, v 4096×1024, gate/up/down 3×4096×14336 = 218,103,808 linear
// weights; × 32 layers = 6,979,321,856. The other 1,050,939,392 of the 8,030,261,248 (embedding and LM head
// 2 × 128256×4096, 65 RMSNorm vectors of 4096) stay bf16.
const LINEAR = 6_979_321_856;
const OTHER = 1_050_939_392;

describe('quantized weights and KV cache: bytes by hand', () => {
  it('weights: linear layers narrow, embedding, LM head and norms stay bf16', () => {
    expect(linearParams(llama)).toBe(LINEAR);
    expect(weightBytes(llama)).toBe(2 * (LINEAR + OTHER));
    expect(weightBytes(llama, 'fp8')).toBe(2 * OTHER + LINEAR); // 9,081,200,640
    // int4 with one bf16 scale per 128 weights: 0.5 + 2/128 bytes per weight.
    expect(weightBytes(llama, 'int4')).toBe(2 * OTHER + LINEAR * (0.5 + 2 / 128)); // 5,700,591,616
    // A decode step reads every weight but the (untied) embedding table.
    const embedding = 128256 * 4096;
    expect(weightBytesReadPerStep(llama, 1, 'fp8')).toBe(2 * (OTHER - embedding) + LINEAR);
  });

  it('KV cache: fp8 halves the 131,072 bytes a Llama-3.1-8B token adds', () => {
    expect(kvCacheBytesPerToken(llama)).toBe(2 * 32 * 8 * 128 * 2);
    expect(kvCacheBytesPerToken(llama, 'fp8')).toBe(2 * 32 * 8 * 128 * 1);
  });

  it("a quantized model's KV capacity on an H100 with vLLM, by hand", () => {
    // usable = 79.65 GiB × 0.9 = 76,971,182,653 B; a 8192-token step keeps 8192 × 118,784 B for activations.
    // bf16: (76,971,182,653 − 16,060,522,496 − 973,078,528) / (131,072 × 16) = 28,580.47 → 28,580 blocks.
    // fp8 weights + fp8 KV: (76,971,182,653 − 9,081,200,640 − 973,078,528) / (65,536 × 16) = 63,816.93 → 63,816.
    // fp8 weights, bf16 KV: same free bytes / (131,072 × 16) = 31,908.47 → 31,908.
    expect(h100.memory_usable_gib).toBe(79.65);
    expect(vllm.gpu_memory_utilization).toBe(0.9);
    const blocks = (p: Precision) => pagedBlockCount(memoryBudget(h100, vllm, llama, 1, '--model', p), 16, 8192, 'test');
    expect(blocks({ weights: 'bf16', kvCache: 'bf16' })).toBe(28_580);
    expect(blocks(FP8)).toBe(63_816);
    expect(blocks({ weights: 'fp8', kvCache: 'bf16' })).toBe(31_908);
  });
});

describe('quantized rates', () => {
  it('fp8 GEMMs run at the fp8 peak only where the tensor cores have fp8', () => {
    expect(gemmRateMultiplier(h100, FP8)).toBeCloseTo(1978.9 / 989.4, 12);
    expect(gemmRateMultiplier(a100, FP8)).toBe(1); // Ampere: weight-only fp8
    expect(gemmRateMultiplier(h100, { weights: 'int4', kvCache: 'bf16' })).toBe(1); // weight-only int4
    expect(gemmRateMultiplier(h100, { weights: 'bf16', kvCache: 'fp8' })).toBe(1);
  });

  const build = (gpu = h100, precision?: Precision) =>
    buildCostModel({ gpu, arch: llama, stack: vllm, tp: 1, mode: 'roofline', ...(precision ? { precision } : {}) });

  it('a memory-bound decode step saves exactly the weight bytes it no longer reads, over the bandwidth', () => {
    const bf16 = build();
    const w8 = build(h100, { weights: 'fp8', kvCache: 'bf16' });
    // Batch 1, empty context: the memory leg binds (weights ≫ FLOPs at 0.55 of 989 TFLOP/s), so the step's time is
    // overhead + bytes / bandwidth, and only the weight bytes differ.
    const step = decodeOnlyStep(1, 0);
    const saved = bf16.model.stepCost(step).seconds - w8.model.stepCost(step).seconds;
    const embedding = 128256 * 4096;
    const weightsBf16 = 2 * (OTHER - embedding + LINEAR);
    const weightsFp8 = 2 * (OTHER - embedding) + LINEAR;
    expect(saved).toBeCloseTo((weightsBf16 - weightsFp8) / bf16.params.memoryBytesPerSecond, 12);
    expect(w8.params.memoryBytesPerSecond).toBe(bf16.params.memoryBytesPerSecond);
  });

  it('a compute-bound prefill is faster with fp8 GEMMs on Hopper, not on Ampere', () => {
    const prefill = { chunkNewTokens: [8192], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 };
    const hb = build(h100).model.stepCost(prefill).seconds;
    const hq = build(h100, FP8).model.stepCost(prefill).seconds;
    const ab = build(a100).model.stepCost(prefill).seconds;
    const aq = build(a100, FP8).model.stepCost(prefill).seconds;
    expect(hq).toBeLessThan(0.6 * hb);
    // On Ampere the FLOP leg stays bf16's: the compute-bound prefill takes about as long (its fewer weight bytes
    // only lower the step's energy a little, and with it the power cap's stretch).
    expect(aq / ab).toBeGreaterThan(0.99);
    expect(aq).toBeLessThanOrEqual(ab);
  });

  it('every quantized run says which numbers are carried over from bf16 measurements', () => {
    const q = build(h100, FP8).params.provenance;
    expect(q.description).toContain('quantized (weights fp8, KV cache fp8)');
    expect(q.description).toContain('carried over from bf16');
    expect(q.carriedOverFromBf16).toContain('achieved fraction of the GEMM peak');
    expect(q.carriedOverFromBf16).toContain('attention FLOP rate (fp8 K/V dequantised to bf16)');
    expect(build(h100).params.provenance.carriedOverFromBf16).toBeUndefined();
    const cal = buildCostModel({ gpu: loadGpu('h200'), arch: llama, stack: loadStack('hf-eager'), tp: 1, mode: 'auto', precision: FP8 });
    expect(cal.params.provenance.kind).toBe('calibrated');
    expect(cal.params.kernelClasses).toBeDefined();
    expect(cal.params.provenance.carriedOverFromBf16).toContain('attention, copy and GEMM compute active powers');
    const bf = buildCostModel({ gpu: loadGpu('h200'), arch: llama, stack: loadStack('hf-eager'), tp: 1, mode: 'auto' });
    expect(cal.params.kernelClasses!.rates.attentionFlopsPerSecond).toBe(bf.params.kernelClasses!.rates.attentionFlopsPerSecond);
  });

  it('the H200 prices fp8 GEMMs from its measured fp8 kernels, not the datasheet ratio', () => {
    // models/quantization/fp8-gemm-h200.json: 1.788x compute-bound, 1.196x weight-streaming over half the bytes,
    // streaming power 0.752 of bf16's above warm idle.
    const h200 = loadGpu('h200');
    expect(gemmRateMultiplier(h200, FP8)).toBe(1.788);
    const q = buildCostModel({ gpu: h200, arch: llama, stack: loadStack('hf-eager'), tp: 1, mode: 'auto', precision: FP8 });
    const b = buildCostModel({ gpu: h200, arch: llama, stack: loadStack('hf-eager'), tp: 1, mode: 'auto' });
    const qk = q.params.kernelClasses!;
    const bk = b.params.kernelClasses!;
    expect(qk.rates.gemmFlopsPerSecond / bk.rates.gemmFlopsPerSecond).toBeCloseTo(1.788, 12);
    expect(qk.rates.gemmBytesPerSecond / bk.rates.gemmBytesPerSecond).toBeCloseTo(1.196 / 2, 12);
    expect(qk.powers.gemmWatts / bk.powers.gemmWatts).toBeCloseTo(0.752, 12);
    expect(qk.powers.attentionWatts).toBe(bk.powers.attentionWatts);
    expect(q.params.provenance.description).toContain('models/quantization/fp8-gemm-h200.json');
    expect(q.params.provenance.carriedOverFromBf16).not.toContain('achieved fraction of the GEMM peak');
    expect(q.params.provenance.carriedOverFromBf16).toContain('attention and copy bandwidths');
    // The GEMM class of a weight-streaming decode step (batch 1, empty cache), by hand: the linear layers' weights
    // take 1 byte instead of 2 and the fp8 GEMMs stream at 1.196 / 2 of bf16's bandwidth, so the step's GEMM time is
    // the bf16 bytes' time × (fp8 bytes / bf16 bytes) × 2 / 1.196.
    const step = decodeOnlyStep(1, 0);
    const gemm = (k: typeof qk, precision?: Precision) => {
      const work = modelWorkFor(llama, precision);
      return classSeconds(k.rates, k.software.kernelsPerStep, stepClassWork(k, work, step)).gemm;
    };
    const embedding = 128256 * 4096;
    const bytesBf16 = 2 * (OTHER - embedding + LINEAR);
    const bytesFp8 = 2 * (OTHER - embedding) + LINEAR;
    expect(gemm(bk)).toBeCloseTo(bytesBf16 / bk.rates.gemmBytesPerSecond, 12);
    expect(gemm(qk, FP8) / gemm(bk)).toBeCloseTo((bytesFp8 / bytesBf16) * (2 / 1.196), 9);
    // The H100 has no fp8 measurement: the datasheet ratio stays.
    expect(gemmRateMultiplier(h100, FP8)).toBeCloseTo(1978.9 / 989.4, 12);
  });

  it('a malformed fp8 measurement file is one error naming the file and place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joulesim-fp8-'));
    writeFileSync(join(dir, 'fp8-gemm-h200.json'), JSON.stringify({ gpu: 'h200', compute_bound: { speedup_vs_bf16: -1 }, weight_streaming: {} }));
    expect(() => fp8GemmMeasurement('h200', dir)).toThrow(/^models\/quantization\/fp8-gemm-h200\.json:\/compute_bound\/speedup_vs_bf16: expected a number in \(0, 4\]$/);
    expect(fp8GemmMeasurement('h100-sxm', dir)).toBeNull();
  });
});
