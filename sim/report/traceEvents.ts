/**
 * `--trace-events FILE`: the run as Chrome trace-event JSON (what Perfetto and chrome://tracing open).
 *
 *   - one process (pid = replica + 1) per replica, one thread (tid 1) holding its work;
 *   - a complete slice ("ph":"X") per step or decode run, args {phase, batch_size, tokens, steps, watts, joules};
 *   - counters ("ph":"C") per replica: `power` (W, whole replica: the work's average power, idle power between
 *     work), `queued requests` and `running requests`.
 *
 * Timestamps are microseconds of simulated time. Slices stream to the file as work finishes (a buffered writer, so a
 * long run never holds them); the request counters are rebuilt at the end from each request's arrival, admission and
 * finish times (first admission: a preempted request waiting for recompute counts as running).
 */
import { prefillTokens } from '../cost/step.js';
import { OutputFile } from '../io/outputFile.js';
import type { LiveRequest } from '../serving/liveRequest.js';
import type { WorkObserver } from '../serving/replica.js';
import type { RunnableWork } from '../serving/work.js';
import type { RequestSpec } from '../workload/request.js';
import type { RequestRowWriter } from '../accounting/requestMetrics.js';

/** Microseconds with nanosecond resolution; a fixed rounding keeps the file byte-identical run to run. */
function us(seconds: number): string {
  return String(Number((seconds * 1e6).toFixed(3)));
}

function n(x: number, digits = 6): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : 'null';
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
  /** Request state changes per replica: [time, Δqueued, Δrunning] triples. */
  private changes: number[][] = [];

  constructor(readonly path: string) {
    this.file = new OutputFile(path, 'cannot write the trace-event file');
    this.buffer = '{"traceEvents":[\n';
  }

  /** Names the tracks; call once the cluster is known, before the simulation runs. */
  describe(replicas: number, info: TraceReplicaInfo): void {
    this.replicas = replicas;
    this.idleWatts = info.idleWatts;
    this.idleFrom = new Array<number>(replicas).fill(0);
    this.changes = Array.from({ length: replicas }, () => []);
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

  /** The request sink that records queue and running counts (feed it every finished and rejected request). */
  readonly requests: RequestRowWriter = {
    finished: (r: LiveRequest, finishSeconds: number, replica: number) => {
      const c = this.changes[replica];
      if (!c) return;
      const admitted = Number.isNaN(r.admittedSeconds) ? r.spec.arrivalSeconds : r.admittedSeconds;
      c.push(r.spec.arrivalSeconds, 1, 0, admitted, -1, 1, finishSeconds, 0, -1);
    },
    rejected: (_spec: RequestSpec, _reason: string, _replica: number) => {},
  };

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
      const c = this.changes[r];
      const count = c.length / 3;
      const order = Array.from({ length: count }, (_, i) => i);
      // By time; every change at one instant is applied before the counts are written.
      order.sort((a, b) => c[3 * a] - c[3 * b] || a - b);
      let queued = 0;
      let running = 0;
      for (let k = 0; k < count; ) {
        const t = c[3 * order[k]];
        const q0 = queued;
        const r0 = running;
        while (k < count && c[3 * order[k]] === t) {
          queued += c[3 * order[k] + 1];
          running += c[3 * order[k] + 2];
          k++;
        }
        if (queued !== q0) this.event(`{"name":"queued requests","ph":"C","pid":${pid},"tid":0,"ts":${us(t)},"args":{"queued":${queued}}}`);
        if (running !== r0) this.event(`{"name":"running requests","ph":"C","pid":${pid},"tid":0,"ts":${us(t)},"args":{"running":${running}}}`);
      }
    }
    this.buffer += `\n],\n"displayTimeUnit":"ms",\n"otherData":{"producer":"joulesim","time":"simulated seconds x 1e6 (microseconds)"}}\n`;
    this.flush();
    return this.file;
  }
}
