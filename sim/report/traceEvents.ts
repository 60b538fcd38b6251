/**
 * `--trace-events FILE`: the run as Chrome trace-event JSON (what Perfetto and chrome://tracing open).
 *
 *   - one process (pid = replica + 1) per replica, one thread (tid 1) holding its work;
 *   - a complete slice ("ph":"X") per step or decode run, args {phase, batch_size, tokens, steps, watts, joules};
 *   - counters ("ph":"C") per replica: `power` (W, whole replica: the work's average power, idle power between
 *     work), `queued requests` and `running requests`.
 *
 * Timestamps are microseconds of simulated time. Everything streams to the file as the run goes (a buffered writer):
 * slices as work finishes, counters as the replica's counts change (the counts timeseries.csv averages: a preempted
 * request waiting for recompute is queued again), so memory stays the same whatever the number of requests.
 */
import { prefillTokens } from '../cost/step.js';
import { OutputFile } from '../io/outputFile.js';
import { formatSignificant } from './significantDigits.js';
import type { WorkObserver } from '../serving/replica.js';
import type { RunnableWork } from '../serving/work.js';

/** Microseconds with nanosecond resolution; a fixed rounding keeps the file byte-identical run to run. */
function us(seconds: number): string {
  return String(Number((seconds * 1e6).toFixed(3)));
}

function n(x: number): string {
  return Number.isFinite(x) ? formatSignificant(x, 6) : 'null';
}

export interface TraceReplicaInfo {
  /** `h100-sxm × 2 (tp), llama-3.1-8b, vllm` */
  readonly description: string;
  readonly idleWatts: number;
}

export class TraceEventWriter implements WorkObserver {
  readonly file: OutputFile;
  private buffer = '';
  private first = true;
  private replicas = 0;
  private idleWatts = 0;
  /** Per replica: when its idle power starts (t = 0, then each work's end), written once the next work starts later. */
  private idleFrom: number[] = [];
  // Per replica: the counts at the latest instant (not written until time moves on, so an instant's intermediate
  // counts never show), and the counts last written.
  private countsAt = new Float64Array(0);
  private pendingQueued = new Float64Array(0);
  private pendingRunning = new Float64Array(0);
  private writtenQueued = new Float64Array(0);
  private writtenRunning = new Float64Array(0);

  constructor(readonly path: string) {
    this.file = new OutputFile(path, 'cannot write the trace-event file');
    this.buffer = '{"traceEvents":[\n';
  }

  /** Names the tracks; call once the cluster is known, before the simulation runs. */
  describe(replicas: number, info: TraceReplicaInfo): void {
    this.replicas = replicas;
    this.idleWatts = info.idleWatts;
    this.idleFrom = new Array<number>(replicas).fill(0);
    this.countsAt = new Float64Array(replicas);
    this.pendingQueued = new Float64Array(replicas);
    this.pendingRunning = new Float64Array(replicas);
    this.writtenQueued = new Float64Array(replicas);
    this.writtenRunning = new Float64Array(replicas);
    for (let r = 0; r < replicas; r++) {
      const pid = r + 1;
      this.event(`{"name":"process_name","ph":"M","pid":${pid},"tid":0,"args":{"name":${JSON.stringify(`replica ${r}: ${info.description}`)}}}`);
      this.event(`{"name":"process_sort_index","ph":"M","pid":${pid},"tid":0,"args":{"sort_index":${pid}}}`);
      this.event(`{"name":"thread_name","ph":"M","pid":${pid},"tid":1,"args":{"name":"steps"}}`);
      this.event(`{"name":"queued requests","ph":"C","pid":${pid},"tid":0,"ts":0,"args":{"queued":0}}`);
      this.event(`{"name":"running requests","ph":"C","pid":${pid},"tid":0,"ts":0,"args":{"running":0}}`);
    }
  }

  private event(json: string): void {
    this.buffer += this.first ? json : ',\n' + json;
    this.first = false;
    if (this.buffer.length > 1 << 16) this.flush();
  }

  private flush(): void {
    this.file.write(this.buffer);
    this.buffer = '';
  }

  work(replica: number, start: number, end: number, w: RunnableWork, stepsDone: number, joules: number): void {
    const pid = replica + 1;
    let phase: 'prefill' | 'decode' | 'mixed';
    let batch: number;
    let tokens: number;
    let name: string;
    if (w.kind === 'step') {
      const s = w.step;
      const chunks = s.chunkNewTokens.length;
      phase = chunks === 0 ? 'decode' : s.decodeCount === 0 ? 'prefill' : 'mixed';
      batch = chunks + s.decodeCount;
      tokens = prefillTokens(s) + s.decodeCount;
      name = phase;
    } else if (w.kind === 'priced') {
      // Work its scheduler priced itself (a speculative-decoding round, a target + draft prefill).
      phase = w.phase;
      batch = w.sequences;
      tokens = w.tokens;
      name = w.label;
    } else {
      phase = 'decode';
      batch = w.sequences;
      tokens = w.sequences * stepsDone;
      name = `decode ×${stepsDone}`;
    }
    const seconds = end - start;
    const watts = seconds > 0 ? joules / seconds : 0;
    if (start > this.idleFrom[replica]) {
      this.event(`{"name":"power","ph":"C","pid":${pid},"tid":0,"ts":${us(this.idleFrom[replica])},"args":{"watts":${n(this.idleWatts)}}}`);
    }
    this.event(`{"name":"power","ph":"C","pid":${pid},"tid":0,"ts":${us(start)},"args":{"watts":${n(watts)}}}`);
    this.event(
      `{"name":${JSON.stringify(name)},"cat":"${phase}","ph":"X","pid":${pid},"tid":1,"ts":${us(start)},"dur":${us(seconds)},"args":{"phase":"${phase}","batch_size":${batch},"tokens":${tokens},"steps":${stepsDone},"watts":${n(watts)},"joules":${n(joules)}}}`,
    );
    this.idleFrom[replica] = end;
  }

  counts(replica: number, t: number, running: number, queued: number): void {
    if (replica >= this.replicas) return;
    if (t > this.countsAt[replica]) this.writeCounts(replica);
    this.countsAt[replica] = t;
    this.pendingQueued[replica] = queued;
    this.pendingRunning[replica] = running;
  }

  /** Writes the replica's counts of its latest instant where they differ from those last written. */
  private writeCounts(r: number): void {
    const pid = r + 1;
    const t = this.countsAt[r];
    const queued = this.pendingQueued[r];
    const running = this.pendingRunning[r];
    if (queued !== this.writtenQueued[r]) this.event(`{"name":"queued requests","ph":"C","pid":${pid},"tid":0,"ts":${us(t)},"args":{"queued":${queued}}}`);
    if (running !== this.writtenRunning[r]) this.event(`{"name":"running requests","ph":"C","pid":${pid},"tid":0,"ts":${us(t)},"args":{"running":${running}}}`);
    this.writtenQueued[r] = queued;
    this.writtenRunning[r] = running;
  }

  /**
   * Writes the idle tails and request counters and closes the JSON; the file keeps its temporary name until
   * committed with the run's other outputs.
   */
  finish(makespanSeconds: number): OutputFile {
    for (let r = 0; r < this.replicas; r++) {
      const pid = r + 1;
      // Idle power from the replica's last work to the end (or from t = 0 if it never worked).
      if (makespanSeconds >= this.idleFrom[r]) {
        this.event(`{"name":"power","ph":"C","pid":${pid},"tid":0,"ts":${us(this.idleFrom[r])},"args":{"watts":${n(this.idleWatts)}}}`);
      }
      this.writeCounts(r);
    }
    this.buffer += `\n],\n"displayTimeUnit":"ms",\n"otherData":{"producer":"joulesim","time":"simulated seconds x 1e6 (microseconds)"}}\n`;
    this.flush();
    return this.file;
  }
}
