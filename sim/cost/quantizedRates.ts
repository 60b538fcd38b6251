/**
 * What a precision other than bf16 changes in a step's rates, on top of the bytes that ModelWork already counts at
 * the precision (sim/cost/modelWorkFor.ts). Every profile in the tree was measured in bf16, and no fp8 or int4 path
 * has been measured end to end for joulesim, so a quantized run keeps every calibrated number and says which ones it
 * carries:
 *
 * - fp8 weights on a GPU with fp8 tensor cores (W8A8): where the GPU's fp8 GEMMs were measured
 *   (`models/quantization/fp8-gemm-<gpu>.json`, sim/cost/fp8GemmMeasurement.ts), the GEMM FLOP rate scales by the
 *   measured compute-bound speed-up, the GEMM weight-streaming bandwidth by the measured streaming speed-up over the
 *   halved bytes (fp8 kernels stream slower than bf16 ones), and, in kernel-class profiles, the GEMM streaming
 *   power by the measured ratio. Elsewhere the FLOP rate scales by the datasheet's fp8 / bf16 dense peak ratio,
 *   keeping the achieved fraction of peak measured in bf16; a GEMM at full matrix-unit use draws the same power as
 *   in bf16, so energy per GEMM FLOP falls by the same ratio. The LM head stays bf16 in real
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
import { fp8GemmMeasurement, type Fp8GemmMeasurement } from './fp8GemmMeasurement.js';

/** The fp8 GEMM measurement that applies to a precision on a GPU, if any (W8A8 on fp8 tensor cores only). */
export function applicableFp8Measurement(gpu: Gpu, precision: Precision): Fp8GemmMeasurement | null {
  if (precision.weights !== 'fp8' || !gpu.tensor_datatypes.includes('fp8')) return null;
  return fp8GemmMeasurement(gpu.id);
}

/** The GEMM FLOP-rate multiplier a precision gets on a GPU: the measured fp8 / bf16 compute-bound speed-up where
 *  there is one, else the fp8 / bf16 dense datasheet peak, when the tensor cores run fp8. */
export function gemmRateMultiplier(gpu: Gpu, precision: Precision): number {
  if (precision.weights !== 'fp8' || !gpu.tensor_datatypes.includes('fp8') || gpu.fp8_dense_tflops === undefined) return 1;
  const measured = applicableFp8Measurement(gpu, precision);
  if (measured) return measured.computeSpeedupVsBf16;
  return gpu.fp8_dense_tflops / gpu.bf16_dense_tflops;
}

/** How the weights are run, in words, for the provenance. */
function weightPath(gpu: Gpu, precision: Precision, multiplier: number, measured: Fp8GemmMeasurement | null, kernel: boolean): string {
  if (precision.weights === 'bf16') return 'bf16 weights';
  if (measured) {
    return `fp8 weights and activations (W8A8), fp8 GEMMs measured on ${gpu.id} (${measured.file}): GEMM FLOP rate × ${multiplier.toFixed(3)}` +
      (kernel ? `, GEMM weight-streaming bandwidth × ${(measured.streamingSpeedupVsBf16 / 2).toFixed(3)} (half the bytes, ${measured.streamingSpeedupVsBf16.toFixed(3)}× faster), GEMM streaming power × ${measured.streamingPowerRatioVsBf16.toFixed(3)}` : '');
  }
  if (multiplier !== 1) return `fp8 weights and activations (W8A8): GEMM FLOP rate × ${multiplier.toFixed(2)} (${gpu.id} fp8 / bf16 dense datasheet peaks)`;
  const why = precision.weights === 'fp8' ? `${gpu.id} has no fp8 tensor cores, so weight-only fp8 (W8A16)` : 'weight-only int4 (W4A16, group 128)';
  return `${why}: weights widened to bf16 before the GEMMs, FLOP rate unchanged, dequantisation not priced`;
}

/** The numbers of a quantized run that come from bf16 measurements or priors (what the provenance lists). */
export function carriedOverFromBf16(p: CostParameters, precision: Precision, multiplier: number, measured: Fp8GemmMeasurement | null = null): string[] {
  const carried: string[] = [];
  const kernel = p.kernelClasses !== undefined;
  if (measured && kernel) {
    carried.push('attention and copy bandwidths', 'attention, copy and GEMM compute active powers');
  } else {
    if (!measured) carried.push(multiplier !== 1 ? 'achieved fraction of the GEMM peak' : 'GEMM FLOP rate');
    carried.push(kernel ? 'GEMM, attention and copy bandwidths' : 'memory bandwidth');
    carried.push(kernel ? 'kernel-class active powers' : 'energy per byte and per FLOP at the bf16 rate');
  }
  carried.push('host and launch times', 'idle and busy-floor power');
  if (precision.kvCache === 'fp8') carried.push('attention FLOP rate (fp8 K/V dequantised to bf16)');
  return carried;
}

/** Cost parameters for a precision: the rate change of fp8 GEMMs, and a provenance that says what is carried. */
export function withPrecision(p: CostParameters, gpu: Gpu, precision: Precision): CostParameters {
  if (isBf16(precision)) return p;
  const m = gemmRateMultiplier(gpu, precision);
  const measured = applicableFp8Measurement(gpu, precision);
  const kc = p.kernelClasses;
  const carried = carriedOverFromBf16(p, precision, m, measured);
  const what = measured ? 'end to end (fp8 GEMMs alone measured)' : `(no ${precision.weights === 'int4' ? 'int4' : 'fp8'} path measured)`;
  const note =
    `quantized (${describePrecision(precision)}): ${weightPath(gpu, precision, m, measured, kc !== undefined)}; weight and KV bytes at the precision; ` +
    `carried over from bf16 ${p.provenance.kind === 'datasheet' ? 'priors' : 'measurements'} ${what}: ${carried.join(', ')}`;
  // Measured fp8 streaming: half the bytes at (speed-up / 2) of the bf16 bandwidth gives the measured speed-up.
  const streamBw = measured ? measured.streamingSpeedupVsBf16 / 2 : 1;
  const streamW = measured ? measured.streamingPowerRatioVsBf16 : 1;
  return {
    ...p,
    computeFlopsPerSecond: p.computeFlopsPerSecond * m,
    joulesPerFlop: p.joulesPerFlop / m,
    ...(kc
      ? {
          kernelClasses: {
            ...kc,
            rates: { ...kc.rates, gemmFlopsPerSecond: kc.rates.gemmFlopsPerSecond * m, gemmBytesPerSecond: kc.rates.gemmBytesPerSecond * streamBw },
            powers: { ...kc.powers, gemmWatts: kc.powers.gemmWatts * streamW },
          },
        }
      : {}),
    provenance: { ...p.provenance, description: `${p.provenance.description}; ${note}`, carriedOverFromBf16: carried },
  };
}
