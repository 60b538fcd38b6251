/**
 * The continuous (vLLM) batching policy on a replica of a disaggregated decode pool: requests arrive with their
 * prompt's KV cache (moved from a prefill replica) and their first token, and join the decode batch. Before a
 * transfer starts, the request reserves a seat and the blocks of its prompt here (reserve); the blocks stay taken
 * through the transfer and become the request's own when it lands (enqueue). A preempted request recomputes its
 * prompt here, as vLLM would on a decode instance.
 */
import { ContinuousScheduler, type ContinuousConfig } from './continuousScheduler.js';
import type { RequestSpec } from '../workload/request.js';
import type { LiveRequest } from './liveRequest.js';
import type { Work, WorkOutcome } from './work.js';

export class DecodeOnlyScheduler extends ContinuousScheduler {
  /** Seats (and blocks) promised to transfers not yet landed. */
  private reserved = 0;
  private readonly reservations = new Set<LiveRequest>();
  /** Landed since the last plan: they join the decode batch at the next step boundary. */
  private landed: LiveRequest[] = [];

  constructor(
    config: ContinuousConfig,
    onFinished: (request: LiveRequest, finishSeconds: number) => void,
    /** Called after every piece of work: blocks or seats may have come free for reservations that wait. */
    private readonly onCapacity: (nowSeconds: number) => void,
  ) {
    super(config, onFinished);
  }

  /** Why a request can never decode here (its whole KV cache exceeds this replica's), or null. */
  cannotHold(inputTokens: number, outputTokens: number): string | null {
    const blocks = this.pool.blocksFor(inputTokens + outputTokens - 1);
    return blocks > this.config.totalBlocks ? `needs ${blocks} KV blocks of ${this.config.blockTokens} tokens to decode; a decode replica's whole cache holds ${this.config.totalBlocks}` : null;
  }

  /** Whether a seat and the prompt's blocks are free now (less the admission watermark while others run). */
  canReserve(r: LiveRequest): boolean {
    if (this.seatsTaken() >= this.config.maxRunningSequences) return false;
    const watermark = this.running.size + this.reserved > 0 ? this.config.admissionWatermarkBlocks : 0;
    return this.pool.blocksFor(r.spec.inputTokens) <= this.pool.freeBlocks - watermark;
  }

  reserve(r: LiveRequest): void {
    this.pool.allocate(this.pool.blocksFor(r.spec.inputTokens));
    this.reserved++;
    this.reservations.add(r);
  }

  /** Arrivals from the workload never come here (the prefill pool takes them). */
  override enqueueSpec(spec: RequestSpec): string | null {
    throw new Error(`internal: request ${spec.id} arrived from the workload at a decode replica`);
  }

  /** Only transferred requests come here, each after its reservation. */
  override enqueue(request: LiveRequest): string | null {
    if (!this.reservations.delete(request)) throw new Error(`internal: request ${request.spec.id} landed on a decode replica without a reservation`);
    this.landed.push(request);
    return null;
  }

  override plan(nowSeconds: number): Work | null {
    for (const r of this.landed) {
      this.reserved--;
      r.admitSequence = this.admitSequence++;
      this.running.append(r);
      this.decodes.join(r);
    }
    this.landed = [];
    return super.plan(nowSeconds);
  }

  override complete(work: Work, outcome: WorkOutcome): void {
    super.complete(work, outcome);
    this.onCapacity(outcome.endSeconds);
  }

  /** A landing joins at the next step boundary: every decode run stops for it. */
  protected override admitsArrivalsNow(): boolean {
    return true;
  }

  protected override seatsTaken(): number {
    return this.running.size + this.reserved;
  }

  override outstanding(): number {
    return super.outstanding() + this.reserved;
  }
}
