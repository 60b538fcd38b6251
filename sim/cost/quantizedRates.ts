/**
 * What a precision other than bf16 changes in a step's rates, on top of the bytes that ModelWork already counts at
 * the precision (sim/cost/modelWorkFor.ts). Every profile in the tree was measured in bf16, and no fp8 or int4 path
 * has been measured for joulesim, so a quantized run keeps every calibrated number and says which ones it carries:
 *
 * - fp8 weights on a GPU with fp8 tensor cores (W8A8): the GEMMs' FLOP rate scales by the datasheet's fp8 / bf16
 *   dense peak ratio, keeping the achieved fraction of peak measured in bf16; a GEMM at full matrix-unit use draws
 *   the same power as in bf16, so energy per GEMM FLOP falls by the same ratio. The LM head stays bf16 in real
 *   checkpoints but is priced with the other GEMMs (under 7% of a Llama-3.1-8B token's matmul FLOPs).
 * - fp8 weights without fp8 tensor cores (Ampere), and int4 weights everywhere: weight-only kernels that widen the
 *   weights to bf16 before the matrix units (Marlin-style); the FLOP rate stays bf16's and the dequantisation work
 *   is not priced (it hides under the weight reads in decode, and is small next to the GEMMs in prefill).
 * - an fp8 KV cache: half the bytes stored, read and written; attention computes in bf16 after dequantising, so its
 *   FLOP rate is unchanged.
 */
import type { Gpu } from '../model/gpu.js';
import { describePrecision, isBf16, type Precision } from '../model/precision.js';
import type { CostParameters } from './costParameters.js';

/** The GEMM FLOP-rate multiplier a precision gets on a GPU: fp8 / bf16 dense peak when the tensor cores run fp8. */
export function gemmRateMultiplier(gpu: Gpu, precision: Precision): number {
  if (precision.weights !== 'fp8' || !gpu.tensor_datatypes.includes('fp8') || gpu.fp8_dense_tflops === undefined) return 1;
  return gpu.fp8_dense_tflops / gpu.bf16_dense_tflops;
}

/** How the weights are run, in words, for the provenance. */
function weightPath(gpu: Gpu, precision: Precision, multiplier: number): string {
  if (precision.weights === 'bf16') return 'bf16 weights';
  if (multiplier !== 1) return `fp8 weights and activations (W8A8): GEMM FLOP rate × ${multiplier.toFixed(2)} (${gpu.id} fp8 / bf16 dense datasheet peaks)`;
  const why = precision.weights === 'fp8' ? `${gpu.id} has no fp8 tensor cores, so weight-only fp8 (W8A16)` : 'weight-only int4 (W4A16, group 128)';
  return `${why}: weights widened to bf16 before the GEMMs, FLOP rate unchanged, dequantisation not priced`;
}

/** The numbers of a quantized run that come from bf16 measurements or priors (what the provenance lists). */
export function carriedOverFromBf16(p: CostParameters, precision: Precision, multiplier: number): string[] {
  const carried: string[] = [];
  const kernel = p.kernelClasses !== undefined;
  carried.push(multiplier !== 1 ? 'achieved fraction of the GEMM peak' : 'GEMM FLOP rate');
  carried.push(kernel ? 'GEMM, attention and copy bandwidths' : 'memory bandwidth');
  carried.push(kernel ? 'kernel-class active powers' : 'energy per byte and per FLOP at the bf16 rate');
  carried.push('host and launch times', 'idle and busy-floor power');
  if (precision.kvCache === 'fp8') carried.push('attention FLOP rate (fp8 K/V dequantised to bf16)');
  return carried;
}

/** Cost parameters for a precision: the rate change of fp8 GEMMs, and a provenance that says what is carried. */
export function withPrecision(p: CostParameters, gpu: Gpu, precision: Precision): CostParameters {
  if (isBf16(precision)) return p;
  const m = gemmRateMultiplier(gpu, precision);
  const carried = carriedOverFromBf16(p, precision, m);
  const note =
    `quantized (${describePrecision(precision)}): ${weightPath(gpu, precision, m)}; weight and KV bytes at the precision; ` +
    `carried over from bf16 ${p.provenance.kind === 'datasheet' ? 'priors' : 'measurements'} (no ${precision.weights === 'int4' ? 'int4' : 'fp8'} path measured): ${carried.join(', ')}`;
  const kc = p.kernelClasses;
  return {
    ...p,
    computeFlopsPerSecond: p.computeFlopsPerSecond * m,
    joulesPerFlop: p.joulesPerFlop / m,
    ...(kc ? { kernelClasses: { ...kc, rates: { ...kc.rates, gemmFlopsPerSecond: kc.rates.gemmFlopsPerSecond * m } } } : {}),
    provenance: { ...p.provenance, description: `${p.provenance.description}; ${note}`, carriedOverFromBf16: carried },
  };
}
