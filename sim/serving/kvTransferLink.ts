/**
 * One prefill replica's way out to the decode pool, as a FIFO resource: transfers go one at a time at the link's full
 * rate, in the order their decode blocks were reserved. Serialising rather than sharing the rate among concurrent
 * transfers ends the last of a burst at the same time either way and the earlier ones sooner, keeps each transfer's
 * time exact and hand-computable, and matches a sender that pushes one request's layers back to back.
 */
export class KvTransferLink {
  /** When the transfer queued last ends: the next one starts then (or at once, if the link is free). */
  private freeAtSeconds = 0;
  busySeconds = 0;
  transfers = 0;
  bytes = 0;

  /** Queues a transfer of `seconds` ready at `nowSeconds`: returns when it starts and ends. */
  enqueue(nowSeconds: number, seconds: number, bytes: number): { startSeconds: number; endSeconds: number } {
    const startSeconds = Math.max(nowSeconds, this.freeAtSeconds);
    const endSeconds = startSeconds + seconds;
    this.freeAtSeconds = endSeconds;
    this.busySeconds += seconds;
    this.transfers++;
    this.bytes += bytes;
    return { startSeconds, endSeconds };
  }
}
