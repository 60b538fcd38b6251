import type { RequestSpec } from '../workload/request.js';

/**
 * A request inside a replica. Decoding requests do not store their token count directly: it is
 * `decodeOffset + replica decode counter`, so a run of K decode steps updates no per-request field.
 */
export class LiveRequest {
  /** Tokens the next prefill must compute: the input, plus generated tokens after a preemption (recompute). */
  promptTokens: number;
  /** Prompt tokens already computed (chunked prefill). */
  prefilledTokens = 0;
  /** Output tokens produced so far; stale while the request is in the decode set (see decodeOffset). */
  generatedTokens = 0;
  firstTokenSeconds = Number.NaN;
  /** Energy attributed to this request so far (prefill shares, decode shares, recomputation included). */
  energyJoules = 0;
  /** Node, facility, carbon and cost shares (requestShares.ts), when the run has a facility model. */
  shares: Float64Array | null = null;
  preemptions = 0;
  /** Disaggregated serving: when its prefill replica handed it off for decoding (NaN otherwise). */
  handoffSeconds = Number.NaN;
  /** When the replica admitted it (batch start for static batching): queueing delay ends here. */
  admittedSeconds = Number.NaN;

  // Decode-set bookkeeping (continuous batching).
  decodeOffset = 0;
  /** Replica decode counter at which the last token is produced. */
  finishCounter = 0;
  /** Decode energy accumulator of the replica when this request joined the decode set. */
  decodeJoulesAtJoin = 0;
  /** sharesPerMember of the decode set when this request joined (null: none had accrued). */
  sharesAtJoin: Float64Array | null = null;
  inDecodeSet = false;
  /** Leading prefix-cache entries this request holds references on (prefix caching). */
  prefixEntriesHeld = 0;
  /** Order of admission; preemption takes the most recently admitted first (as vLLM does). */
  admitSequence = 0;
  // Intrusive doubly-linked list of running requests, in admission order.
  prev: LiveRequest | null = null;
  next: LiveRequest | null = null;

  constructor(readonly spec: RequestSpec) {
    this.promptTokens = spec.inputTokens;
  }

  /**
   * Whether it is still exactly as constructed (never admitted, preempted or charged), so a queue may keep only its
   * spec's numbers and build an equal request again later (requestQueue.ts). Any field added above belongs here.
   */
  isFresh(): boolean {
    return (
      this.promptTokens === this.spec.inputTokens &&
      this.prefilledTokens === 0 &&
      this.generatedTokens === 0 &&
      Number.isNaN(this.firstTokenSeconds) &&
      this.energyJoules === 0 &&
      this.shares === null &&
      this.preemptions === 0 &&
      Number.isNaN(this.handoffSeconds) &&
      Number.isNaN(this.admittedSeconds) &&
      this.decodeOffset === 0 &&
      this.finishCounter === 0 &&
      this.decodeJoulesAtJoin === 0 &&
      this.sharesAtJoin === null &&
      !this.inDecodeSet &&
      this.prefixEntriesHeld === 0 &&
      this.admitSequence === 0 &&
      this.prev === null &&
      this.next === null
    );
  }
}

/** Where finished and rejected requests go (metrics, CSV writer). */
export interface RequestSink {
  finished(request: LiveRequest, finishSeconds: number, replica: number): void;
  rejected(spec: RequestSpec, reason: string, atSeconds: number, replica: number): void;
}
