/**
 * Latency and token statistics of finished requests, plus the count and reasons of rejected ones. Per-request rows
 * stream to an optional writer as requests finish, so nothing per request is kept beyond three float64 samples.
 */
import type { LiveRequest } from '../serving/liveRequest.js';
import { SHARE_COUNT } from '../serving/requestShares.js';
import type { RequestSpec } from '../workload/request.js';
import { SampleList } from './quantiles.js';

export interface RequestRowWriter {
  finished(request: LiveRequest, finishSeconds: number, replica: number): void;
  rejected(spec: RequestSpec, reason: string, replica: number): void;
}

/**
 * A rejection reason without the request's own number, so the summary lists kinds, not every request. Every
 * scheduler's reason states the request's number first (`input + output = 140000 tokens exceeds the model context
 * of 131072`); the numbers after it are the setup's limits, which the reader needs, so they stay.
 */
export function rejectionKind(reason: string): string {
  return reason.replace(/\d+(\.\d+)?/, 'N');
}

export class RequestMetrics {
  readonly ttftSeconds = new SampleList();
  readonly tpotSeconds = new SampleList();
  readonly e2eSeconds = new SampleList();
  completed = 0;
  /** Completed requests by the replica that served them (per-region breakdowns). */
  readonly completedPerReplica: number[] = [];
  rejected = 0;
  readonly rejectionReasons = new Map<string, number>();
  inputTokens = 0;
  outputTokens = 0;
  attributedJoules = 0;
  /** Σ of finished requests' node / facility / carbon / cost shares (requestShares.ts). */
  readonly attributedShares = new Float64Array(SHARE_COUNT);
  preemptions = 0;
  lastFinishSeconds = 0;
  /** Completed requests within the SLO targets (both TTFT and TPOT, where set). */
  sloAttained = 0;

  constructor(
    private readonly writer: RequestRowWriter | null,
    private readonly slo: { readonly ttftSeconds?: number; readonly tpotSeconds?: number } | null = null,
  ) {}

  onFinished(r: LiveRequest, finishSeconds: number, replica: number): void {
    const s = r.spec;
    this.completed++;
    this.completedPerReplica[replica] = (this.completedPerReplica[replica] ?? 0) + 1;
    this.inputTokens += s.inputTokens;
    this.outputTokens += s.outputTokens;
    this.attributedJoules += r.energyJoules;
    const shares = r.shares;
    if (shares) for (let k = 0; k < SHARE_COUNT; k++) this.attributedShares[k] += shares[k];
    this.preemptions += r.preemptions;
    const ttft = r.firstTokenSeconds - s.arrivalSeconds;
    this.ttftSeconds.push(ttft);
    this.e2eSeconds.push(finishSeconds - s.arrivalSeconds);
    // Time per output token after the first; undefined for single-token outputs.
    const tpot = s.outputTokens > 1 ? (finishSeconds - r.firstTokenSeconds) / (s.outputTokens - 1) : Number.NaN;
    if (s.outputTokens > 1) this.tpotSeconds.push(tpot);
    const slo = this.slo;
    if (slo && !(slo.ttftSeconds !== undefined && ttft > slo.ttftSeconds) && !(slo.tpotSeconds !== undefined && tpot > slo.tpotSeconds)) this.sloAttained++;
    if (finishSeconds > this.lastFinishSeconds) this.lastFinishSeconds = finishSeconds;
    this.writer?.finished(r, finishSeconds, replica);
  }

  onRejected(spec: RequestSpec, reason: string, replica: number): void {
    this.rejected++;
    const kind = rejectionKind(reason);
    this.rejectionReasons.set(kind, (this.rejectionReasons.get(kind) ?? 0) + 1);
    this.writer?.rejected(spec, reason, replica);
  }
}
