/** One inference request as a workload yields it: what arrives, when, and how much work it carries. */
export interface RequestSpec {
  /** 0-based position in the workload; stable across runs, used as the request id in outputs. */
  readonly id: number;
  /** Seconds since the start of the simulation (the first trace row maps to 0 unless offset). */
  readonly arrivalSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /**
   * The prompt's leading blocks of `prefixBlockTokens` tokens, each named by an id that stands for its content and
   * everything before it (Mooncake's hash_ids): two requests whose ids agree up to block k share their first k
   * blocks of prompt. Absent when the trace carries no prefix information.
   */
  readonly prefixBlockIds?: readonly number[];
  readonly prefixBlockTokens?: number;
}

/** What a source read, for the run summary: nothing a trace held is dropped without being counted. */
export interface WorkloadReport {
  /** e.g. `trace azure:/path/file.csv` or `synthetic poisson 2.0/s, lengths lognormal`. */
  readonly description: string;
  rowsRead: number;
  requestsYielded: number;
  /** Rows not turned into requests, by reason (`zero output tokens`, `failed (Log Type)`, ...). */
  readonly skipped: Record<string, number>;
  /** Epoch seconds of the workload's t = 0 when its rows carry wall-clock dates (Azure traces), once read. */
  wallClockStartEpochSeconds?: number;
}

/**
 * A workload: yields requests lazily in non-decreasing arrival order, so a 10-million-row trace is never held
 * in memory. Iterating twice re-reads from the start (same seed, same requests).
 */
export interface RequestSource extends Iterable<RequestSpec> {
  readonly report: WorkloadReport;
}
