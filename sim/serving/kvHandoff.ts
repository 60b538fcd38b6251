/**
 * Disaggregated serving's hand-off: a request whose prompt a prefill replica has computed gets a decode replica (the
 * decode pool's router), waits there until a seat and its prompt's KV blocks can be reserved (first come, first
 * served per decode replica), then its KV cache crosses the sending replica's link; when the transfer ends the
 * prefill replica frees its blocks and the request lands on the decode replica with its first token. Time and energy
 * of each transfer come from the link (sim/model/kvTransfer.ts); they are booked through `book`.
 */
import type { EventQueue, EventTarget } from '../engine/eventQueue.js';
import { type KvLink, transferJoules, transferSeconds } from '../model/kvTransfer.js';
import type { DecodeOnlyScheduler } from './decodeOnlyScheduler.js';
import { KvTransferLink } from './kvTransferLink.js';
import type { LiveRequest } from './liveRequest.js';
import type { PrefillOnlyScheduler } from './prefillOnlyScheduler.js';
import type { Replica } from './replica.js';

/** Where transfers are booked (the run's ledger and time series). */
export interface TransferBook {
  transfer(startSeconds: number, endSeconds: number, joules: number): void;
}

interface Transfer {
  readonly request: LiveRequest;
  readonly from: number;
  readonly to: number;
  readonly startSeconds: number;
  readonly joules: number;
}

interface Waiting {
  readonly request: LiveRequest;
  readonly from: number;
}

export class KvHandoff implements EventTarget {
  readonly links: KvTransferLink[];
  private readonly waiting: Waiting[][];
  private readonly inFlight = new Map<number, Transfer>();
  private nextToken = 0;
  /** Seconds requests waited for decode blocks before their transfer was queued. */
  reservationWaitSeconds = 0;
  transferJoules = 0;

  constructor(
    private readonly events: EventQueue,
    private readonly prefill: readonly { readonly replica: Replica; readonly scheduler: PrefillOnlyScheduler }[],
    private readonly decode: readonly { readonly replica: Replica; readonly scheduler: DecodeOnlyScheduler }[],
    /** The decode pool's router: a decode replica (index within the pool) for a request ready to move. */
    private readonly routeDecode: (request: LiveRequest, nowSeconds: number) => number,
    private readonly link: KvLink,
    /** Bytes of a request's KV cache after its prompt. */
    private readonly kvBytes: (request: LiveRequest) => number,
    private readonly book: TransferBook,
  ) {
    this.links = prefill.map(() => new KvTransferLink());
    this.waiting = decode.map(() => []);
  }

  /** Prefill replica `from` computed r's prompt and first token. */
  handOff(from: number, r: LiveRequest, nowSeconds: number): void {
    r.handoffSeconds = nowSeconds;
    const to = this.routeDecode(r, nowSeconds);
    this.waiting[to].push({ request: r, from });
    this.reserve(to, nowSeconds);
  }

  /** Reserves decode replica `to`'s seats and blocks for the requests waiting there, in order, while they fit. */
  reserve(to: number, nowSeconds: number): void {
    const queue = this.waiting[to];
    const scheduler = this.decode[to].scheduler;
    while (queue.length > 0 && scheduler.canReserve(queue[0].request)) {
      const { request, from } = queue.shift()!;
      scheduler.reserve(request);
      this.reservationWaitSeconds += nowSeconds - request.handoffSeconds;
      const bytes = this.kvBytes(request);
      const { startSeconds, endSeconds } = this.links[from].enqueue(nowSeconds, transferSeconds(this.link, bytes), bytes);
      const token = this.nextToken++;
      this.inFlight.set(token, { request, from, to, startSeconds, joules: transferJoules(this.link, bytes) });
      this.events.schedule(endSeconds, this, token);
    }
  }

  onEvent(timeSeconds: number, token: number): void {
    const t = this.inFlight.get(token)!;
    this.inFlight.delete(token);
    const r = t.request;
    this.book.transfer(t.startSeconds, timeSeconds, t.joules);
    this.transferJoules += t.joules;
    r.energyJoules += t.joules;
    // The first token reaches the user with the KV cache: TTFT includes the transfer.
    r.firstTokenSeconds = timeSeconds;
    const p = this.prefill[t.from];
    p.scheduler.releaseHandedOff(r);
    p.replica.resume(timeSeconds);
    const d = this.decode[t.to];
    d.replica.arrive(r, timeSeconds);
    d.replica.startIfIdle(timeSeconds);
  }

  /** Requests still waiting for decode blocks or on a link (zero once a run has ended properly). */
  pending(): number {
    return this.inFlight.size + this.waiting.reduce((n, q) => n + q.length, 0);
  }
}
