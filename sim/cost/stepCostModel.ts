/**
 * Prices a step: FLOPs and bytes from the model, seconds from a roofline (compute leg, memory leg, fixed and
 * per-sequence overhead, tensor-parallel all-reduce), joules from a power model that is a floor plus energy per
 * FLOP and per byte, and a power cap that stretches the step when its power would exceed the cap.
 *
 *   seconds = max( overhead + FLOPs/F,  overhead + bytes/BW,  dynamicJ / (cap − baseW) )
 *   joules  = gpus · ( baseW · seconds + dynamicJ )      dynamicJ = e_f · FLOPs + e_b · bytes   (per GPU)
 *
 * Every term is linear in a decode step's context sum, so a run of decode steps has an exact closed form.
 * Two optional hooks keep that: ModelWork.timeOnlyWork (kernels slower than the roofline, e.g. fused MoE experts)
 * adds FLOPs/bytes to the time legs only, and CostParameters.allReduce prices the all-reduce (measured table or
 * analytic); both depend on the step's token count alone.
 */
import type { CostParameters } from './costParameters.js';
import type { ModelWork } from './modelWork.js';
import type { Step } from './step.js';
import { DecodeRunCurve, type Line } from './decodeRunCurve.js';
import {
  classSeconds,
  dynamicJoules as classDynamicJoules,
  gpuSeconds,
  hostSeconds as classHostSeconds,
  type KernelClassParameters,
  chunkClassWork,
} from './kernelClassCost.js';
import { type ChunkTotals, chunkTotals, decodeOnlyStep, type StepDecodePart, uniformChunkTotals } from './step.js';

const NO_CHUNKS: ChunkTotals = { chunks: 0, newTokens: 0, cachedTokens: 0, attentionPairs: 0 };

/** A step's price as lines in one variable x: seconds = max_i (timeA[i] + timeB[i]·x), replica joules =
 *  gpus · (busyBaseWatts · seconds + dynamicA + dynamicB·x). */
export interface CostLines {
  readonly timeA: Float64Array;
  readonly timeB: Float64Array;
  readonly dynamicA: number;
  readonly dynamicB: number;
  readonly gpus: number;
  readonly busyBaseWatts: number;
}

export interface StepCost {
  readonly seconds: number;
  /** Energy of the whole replica (all its GPUs) during the step. */
  readonly joules: number;
}

/** Per-GPU lines in the step index k for a decode run: seconds(k) = max(time lines), dynamic joules(k) = line. */
interface DecodeRunLines {
  readonly timeLines: readonly Line[];
  readonly dynamicJoules: Line;
  /** timeLines' intercepts and slopes as arrays (what DecodeRunCurve.setRun reads). */
  readonly timeA: Float64Array;
  readonly timeB: Float64Array;
}

function withArrays(lines: { timeLines: readonly Line[]; dynamicJoules: Line }): DecodeRunLines {
  return { ...lines, timeA: Float64Array.from(lines.timeLines, (l) => l.a), timeB: Float64Array.from(lines.timeLines, (l) => l.b) };
}

export class StepCostModel {
  private readonly tp: number;
  /** Headroom between the busy floor and the cap: dynamic power above it stretches the step. */
  private readonly capHeadroomWatts: number;
  private readonly lineCache = new Map<number, DecodeRunLines>();
  private readonly scratchCurve = new DecodeRunCurve();
  /** Bytes moved per cached KV byte read (CostParameters.kvTrafficFactor), unmasked and masked. */
  private readonly kvTraffic: number;
  private readonly maskedKvTraffic: number;
  /** CostParameters.packedAttentionFlopsFactor (0: attention priced per sequence). */
  private readonly packed: number;
  /** CostParameters.coldShapeSeconds: serial seconds per step, drawn at idle power. */
  private readonly coldSeconds: number;
  /** The kernel-class model's parameters (profiles of format 2); absent: the roofline form. */
  private readonly kc: KernelClassParameters | undefined;

  constructor(
    readonly work: ModelWork,
    readonly params: CostParameters,
  ) {
    this.tp = params.gpusPerReplica;
    this.capHeadroomWatts = params.powerCapWatts - params.busyBaseWatts;
    this.kvTraffic = params.kvTrafficFactor ?? 1;
    this.maskedKvTraffic = params.maskedKvTrafficFactor ?? this.kvTraffic;
    this.packed = params.packedAttentionFlopsFactor ?? 0;
    this.coldSeconds = params.coldShapeSeconds ?? 0;
    this.kc = params.kernelClasses;
    if (!(this.capHeadroomWatts > 0)) {
      throw new Error(`power cap ${params.powerCapWatts} W must exceed the busy floor ${params.busyBaseWatts} W`);
    }
  }

  /** Time of the tensor-parallel all-reduces of a step that pushes `tokens` tokens through the layers. */
  allReduceSeconds(tokens: number): number {
    const n = this.tp;
    if (n <= 1) return 0;
    const messageBytes = tokens * this.work.allReduceBytesPerToken;
    const measuredOrModelled = this.params.allReduce;
    const perCollective = measuredOrModelled
      ? measuredOrModelled.seconds(messageBytes)
      : this.params.interconnectLatencySeconds + ((2 * (n - 1)) / n) * (messageBytes / this.params.interconnectBytesPerSecond);
    return this.work.allReducesPerStep * perCollective;
  }

  private overheadSeconds(sequences: number, tokens: number): number {
    return (
      this.params.stepOverheadSeconds + this.params.perSequenceOverheadSeconds * sequences + this.allReduceSeconds(tokens)
    );
  }

  /** Time-only FLOPs and bytes per GPU (ModelWork.timeOnlyWork) of a step of `tokens` tokens. */
  private timeOnlyPerGpu(tokens: number): { flops: number; bytes: number } {
    const extra = this.work.timeOnlyWork?.(tokens);
    return extra ? { flops: extra.flops / this.tp, bytes: extra.bytes / this.tp } : { flops: 0, bytes: 0 };
  }

  /** The host-bound leg: serial overhead plus launch time that the GPU's work can hide (0 when absent). */
  private hostSeconds(sequences: number): number {
    const p = this.params;
    return p.stepOverheadSeconds + p.perSequenceOverheadSeconds * sequences + (p.overlappedOverheadSeconds ?? 0);
  }

  private secondsAndJoules(flopsPerGpu: number, bytesPerGpu: number, overheadSeconds: number, tokens: number, sequences: number): StepCost {
    const p = this.params;
    const dynamicJoules = p.joulesPerFlop * flopsPerGpu + p.joulesPerByte * bytesPerGpu;
    const slow = this.timeOnlyPerGpu(tokens);
    const seconds = Math.max(
      overheadSeconds + (flopsPerGpu + slow.flops) / p.computeFlopsPerSecond,
      overheadSeconds + (bytesPerGpu + slow.bytes) / p.memoryBytesPerSecond,
      dynamicJoules / this.capHeadroomWatts,
      this.hostSeconds(sequences),
    );
    if (this.coldSeconds === 0) return { seconds, joules: this.tp * (p.busyBaseWatts * seconds + dynamicJoules) };
    // A cold attention shape: the host builds the plan first (serial), the GPU waiting at idle power.
    const cold = this.coldSeconds;
    return { seconds: seconds + cold, joules: this.tp * (p.busyBaseWatts * seconds + p.idleWatts * cold + dynamicJoules) };
  }

  /** FLOPs and bytes of a general step (prefill chunks and decode sequences), whole replica. */
  stepWork(step: Step): { flops: number; bytes: number; tokens: number; sequences: number } {
    return this.chunkStepWork(chunkTotals(step), step);
  }

  private chunkStepWork(t: ChunkTotals, step: StepDecodePart): { flops: number; bytes: number; tokens: number; sequences: number } {
    const w = this.work;
    const newTokens = t.newTokens;
    const cachedTokens = t.cachedTokens;
    let attentionPairs = step.decodeContextSum + step.decodeCount + t.attentionPairs;
    const tokens = newTokens + step.decodeCount;
    // Packed attention: one dense masked call over every new token × every key of the step.
    if (this.packed > 0) attentionPairs = this.packed * tokens * (cachedTokens + step.decodeContextSum + tokens);
    const sampling = step.chunksProducingToken + step.decodeCount;
    const flops =
      w.matmulFlopsPerToken * tokens + w.lmHeadFlopsPerToken * sampling + w.attentionFlopsPerPair * attentionPairs;
    const bytes =
      w.weightBytesPerStep(tokens) +
      w.kvBytesPerToken * ((step.masked ? this.maskedKvTraffic : this.kvTraffic) * (cachedTokens + step.decodeContextSum) + tokens) +
      (w.sampledTokenBytes ?? 0) * sampling +
      (w.kvReorderBytesPerToken ?? 0) * (cachedTokens + step.decodeContextSum + tokens);
    return { flops, bytes, tokens, sequences: t.chunks + step.decodeCount };
  }

  stepCost(step: Step): StepCost {
    if (step.chunkNewTokens.length === 0) return this.decodeRunCost(step.decodeCount, step.decodeContextSum, 0, 1, step.masked);
    return this.chunkStepCost(chunkTotals(step), step);
  }

  /**
   * A step of `chunks` prefill chunks of `newPerChunk` new tokens each on `cachedSum` cached tokens in all, with
   * `chunksProducingToken` LM-head rows (a speculative verification): exactly stepCost of the per-chunk arrays, in
   * O(1) whatever the number of chunks.
   */
  uniformChunksCost(chunks: number, newPerChunk: number, cachedSum: number, chunksProducingToken: number, masked = false): StepCost {
    const rest: StepDecodePart = { chunksProducingToken, decodeCount: 0, decodeContextSum: 0, ...(masked ? { masked: true } : {}) };
    return this.chunkStepCost(uniformChunkTotals(chunks, newPerChunk, cachedSum), rest);
  }

  private chunkStepCost(t: ChunkTotals, step: StepDecodePart): StepCost {
    if (this.kc) return this.kernelClassStepCost(this.kc, t, step);
    const { flops, bytes, tokens, sequences } = this.chunkStepWork(t, step);
    return this.secondsAndJoules(flops / this.tp, bytes / this.tp, this.overheadSeconds(sequences, tokens), tokens, sequences);
  }

  /**
   * The same step as uniformChunksCost, as lines in the cached sum x (a speculative verification, whose price is the
   * same function of x round after round): seconds(x) = max over the time lines, replica joules(x) =
   * gpus · (busyBaseWatts · seconds(x) + dynamic line) — the convention of the decode-run lines (cold plan time
   * lifts every time line and its idle-power correction is in the dynamic line). Every part is a line in x.
   */
  uniformChunksLines(chunks: number, newPerChunk: number, chunksProducingToken: number, masked = false): CostLines {
    const rest: StepDecodePart = { chunksProducingToken, decodeCount: 0, decodeContextSum: 0, ...(masked ? { masked: true } : {}) };
    const p = this.params;
    const cold = this.coldSeconds;
    const coldJoules = (p.idleWatts - p.busyBaseWatts) * cold;
    const legs = (x: number): { time: number[]; dynamic: number } => {
      const t = uniformChunkTotals(chunks, newPerChunk, x);
      if (this.kc) {
        const { gpu, dynamic, host } = this.kernelClassParts(this.kc, t, rest);
        const serial = this.kc.software.hostSerialSeconds + cold;
        return { time: [serial + host, serial + gpu, serial + dynamic / this.capHeadroomWatts], dynamic: dynamic + coldJoules };
      }
      const { flops, bytes, tokens, sequences } = this.chunkStepWork(t, rest);
      const f = flops / this.tp;
      const b = bytes / this.tp;
      const overhead = this.overheadSeconds(sequences, tokens);
      const dynamic = p.joulesPerFlop * f + p.joulesPerByte * b;
      const slow = this.timeOnlyPerGpu(tokens);
      return {
        time: [
          cold + overhead + (f + slow.flops) / p.computeFlopsPerSecond,
          cold + overhead + (b + slow.bytes) / p.memoryBytesPerSecond,
          cold + dynamic / this.capHeadroomWatts,
          cold + this.hostSeconds(sequences),
        ],
        dynamic: dynamic + coldJoules,
      };
    };
    const at0 = legs(0);
    const at1 = legs(1);
    return {
      timeA: Float64Array.from(at0.time),
      timeB: Float64Array.from(at1.time, (v, i) => v - at0.time[i]),
      dynamicA: at0.dynamic,
      dynamicB: at1.dynamic - at0.dynamic,
      gpus: this.tp,
      busyBaseWatts: p.busyBaseWatts,
    };
  }

  /** The lines of one decode step of n sequences in its context sum x (what a decode run's curve is built from). */
  decodeStepLines(n: number, masked = false): CostLines {
    const base = this.decodeLines(n, masked);
    return { timeA: base.timeA, timeB: base.timeB, dynamicA: base.dynamicJoules.a, dynamicB: base.dynamicJoules.b, gpus: this.tp, busyBaseWatts: this.params.busyBaseWatts };
  }

  /** Per-GPU seconds by class, GPU seconds and dynamic joules of a step under the kernel-class model. */
  private kernelClassParts(kc: KernelClassParameters, t: ChunkTotals, step: StepDecodePart): { gpu: number; dynamic: number; host: number } {
    const tp = this.tp;
    const w = chunkClassWork(kc, this.work, t, step);
    const perGpu = {
      attentionMasked: w.attentionMasked,
      gemmFlops: w.gemmFlops / tp,
      gemmBytes: w.gemmBytes / tp,
      attentionFlops: w.attentionFlops / tp,
      attentionBytes: w.attentionBytes / tp,
      copyBytes: w.copyBytes / tp,
    };
    const s = classSeconds(kc.rates, kc.software.kernelsPerStep, perGpu, this.timeOnlyPerGpu(w.tokens));
    const comm = this.allReduceSeconds(w.tokens);
    return {
      gpu: gpuSeconds(s) + comm,
      dynamic: classDynamicJoules(kc.powers, s) + kc.powers.copyWatts * comm,
      host: classHostSeconds(kc.software, w.sequences),
    };
  }

  private kernelClassStepCost(kc: KernelClassParameters, t: ChunkTotals, step: StepDecodePart): StepCost {
    const p = this.params;
    const { gpu, dynamic, host } = this.kernelClassParts(kc, t, step);
    const busy = Math.max(host, gpu, dynamic / this.capHeadroomWatts) + kc.software.hostSerialSeconds;
    const cold = this.coldSeconds;
    return { seconds: busy + cold, joules: this.tp * (p.busyBaseWatts * busy + p.idleWatts * cold + dynamic) };
  }

  /** Decode-run lines of the kernel-class model: every part is a line in the context sum x (exact). */
  private kernelClassDecodeLines(kc: KernelClassParameters, n: number, masked: boolean): { timeLines: readonly Line[]; dynamicJoules: Line } {
    const at = (x: number) => this.kernelClassParts(kc, NO_CHUNKS, { ...decodeOnlyStep(n, x), masked });
    const a = at(0);
    const b = at(1);
    const serial = kc.software.hostSerialSeconds + this.coldSeconds;
    const p = this.params;
    return {
      timeLines: [
        { a: serial + a.host, b: 0 },
        { a: serial + a.gpu, b: b.gpu - a.gpu },
        { a: serial + a.dynamic / this.capHeadroomWatts, b: (b.dynamic - a.dynamic) / this.capHeadroomWatts },
      ],
      // Cold plan time is drawn at idle, not at the warm floor the curve multiplies every second by.
      dynamicJoules: { a: a.dynamic + (p.idleWatts - p.busyBaseWatts) * this.coldSeconds, b: b.dynamic - a.dynamic },
    };
  }

  /**
   * Lines of a decode run of n sequences whose context sum is contextSum0 at step 0 and grows by n per step.
   * Cached by n: the lines are written relative to contextSum0 = 0, and shifted by the caller's start.
   */
  private decodeLines(n: number, masked: boolean): DecodeRunLines {
    const key = masked ? -n : n;
    let cached = this.lineCache.get(key);
    if (cached) return cached;
    if (this.kc) {
      cached = withArrays(this.kernelClassDecodeLines(this.kc, n, masked));
      this.lineCache.set(key, cached);
      return cached;
    }
    const w = this.work;
    const p = this.params;
    const tp = this.tp;
    const overhead = this.overheadSeconds(n, n);
    // At context sum x: FLOPs = f0 + f1·x, bytes = b0 + b1·x (per GPU); x = contextSum0 + n·k.
    // Attention pairs: x + n per sequence; packed, n·(x + n) (still linear in x for a fixed batch).
    const pairsPerX = this.packed > 0 ? this.packed * n : 1;
    const f0 = ((w.matmulFlopsPerToken + w.lmHeadFlopsPerToken + w.attentionFlopsPerPair * pairsPerX) * n) / tp;
    const f1 = (w.attentionFlopsPerPair * pairsPerX) / tp;
    const reorder = w.kvReorderBytesPerToken ?? 0;
    const b0 = (w.weightBytesPerStep(n) + (w.kvBytesPerToken + (w.sampledTokenBytes ?? 0) + reorder) * n) / tp;
    // Time-only work depends on the batch alone, so it only lifts the time lines' intercepts.
    const slow = this.timeOnlyPerGpu(n);
    const b1 = ((masked ? this.maskedKvTraffic : this.kvTraffic) * w.kvBytesPerToken + reorder) / tp;
    const d0 = p.joulesPerFlop * f0 + p.joulesPerByte * b0;
    const d1 = p.joulesPerFlop * f1 + p.joulesPerByte * b1;
    // A cold shape's serial plan time lifts every time line; its energy is at idle, not the busy floor, so the
    // replica-joules line (gpus · (busyBase · seconds + dynamic)) takes (idle − busyBase) · cold off per step.
    const cold = this.coldSeconds;
    cached = withArrays({
      // Lines in x here; decodeRun re-expresses them in k.
      timeLines: [
        { a: cold + overhead + (f0 + slow.flops) / p.computeFlopsPerSecond, b: f1 / p.computeFlopsPerSecond },
        { a: cold + overhead + (b0 + slow.bytes) / p.memoryBytesPerSecond, b: b1 / p.memoryBytesPerSecond },
        { a: cold + d0 / this.capHeadroomWatts, b: d1 / this.capHeadroomWatts },
        // The host leg; with no overlapped overhead it never exceeds the two roofline legs, so it changes nothing.
        { a: cold + this.hostSeconds(n), b: 0 },
      ],
      dynamicJoules: cold === 0 ? { a: d0, b: d1 } : { a: d0 + (p.idleWatts - p.busyBaseWatts) * cold, b: d1 },
    });
    this.lineCache.set(key, cached);
    return cached;
  }

  /**
   * The cost curve of a decode run of n sequences starting at context sum contextSum0, in the step index k. With
   * `into`, that curve is re-pointed at this run instead of a new one being made (a replica keeps one for its runs).
   */
  decodeRun(n: number, contextSum0: number, masked = false, into?: DecodeRunCurve): DecodeRunCurve {
    const base = this.decodeLines(n, masked);
    const curve = into ?? new DecodeRunCurve();
    const d = base.dynamicJoules;
    return curve.setRun(base.timeA, base.timeB, base.timeA.length, d.a, d.b, n, contextSum0, this.tp, this.params.busyBaseWatts);
  }

  /** Seconds and replica joules of decode steps k0 .. k1-1 of a run (k = 0 has context sum contextSum0). */
  decodeRunCost(n: number, contextSum0: number, k0: number, k1: number, masked = false): StepCost {
    // Read synchronously and not kept: one scratch curve serves every call.
    const curve = this.decodeRun(n, contextSum0, masked, this.scratchCurve);
    return { seconds: curve.seconds(k0, k1), joules: curve.joules(k0, k1) };
  }

  /** The fewest steps k (1 ≤ k ≤ maxSteps) whose cumulative time reaches elapsedSeconds (maxSteps if none). */
  decodeStepsToReach(n: number, contextSum0: number, maxSteps: number, elapsedSeconds: number): number {
    return this.decodeRun(n, contextSum0).stepsToReach(elapsedSeconds, maxSteps);
  }

  /** Replica joules spent in the first elapsedSeconds of a run of `steps` steps. */
  decodeRunJoulesAt(n: number, contextSum0: number, steps: number, elapsedSeconds: number): number {
    return this.decodeRun(n, contextSum0).joulesAt(elapsedSeconds, steps);
  }

  /** Seconds of the single decode step k of a run. */
  decodeStepSeconds(n: number, contextSum0: number, k: number): number {
    return this.decodeRun(n, contextSum0).stepSeconds(k);
  }
}
