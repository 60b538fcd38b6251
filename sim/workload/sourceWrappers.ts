/**
 * Wrappers over any RequestSource. Their report shows the inner source's rows read and skipped, and counts
 * the requests the wrapper itself yields.
 */
import type { RequestSource, RequestSpec, WorkloadReport } from './request.js';

function wrappedReport(inner: WorkloadReport, suffix: string): WorkloadReport {
  let yielded = 0;
  return {
    get description() {
      return `${inner.description}, ${suffix}`;
    },
    get rowsRead() {
      return inner.rowsRead;
    },
    set rowsRead(v: number) {
      inner.rowsRead = v;
    },
    get requestsYielded() {
      return yielded;
    },
    set requestsYielded(v: number) {
      yielded = v;
    },
    get skipped() {
      return inner.skipped;
    },
  };
}

/** Every request of `src` at t = 0 (the offline, all-requests-queued setting). */
export function offlineSource(src: RequestSource): RequestSource {
  const report = wrappedReport(src.report, 'offline');
  return {
    report,
    *[Symbol.iterator](): Generator<RequestSpec, void, undefined> {
      report.requestsYielded = 0;
      for (const r of src) {
        report.requestsYielded++;
        yield r.arrivalSeconds === 0 ? r : { ...r, arrivalSeconds: 0 };
      }
    },
  };
}

/** The first `n` requests of `src`; the inner source stops being read once they are out. */
export function limitSource(src: RequestSource, n: number): RequestSource {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`limitSource: n must be a non-negative integer, got ${n}`);
  const report = wrappedReport(src.report, `first ${n} requests`);
  return {
    report,
    *[Symbol.iterator](): Generator<RequestSpec, void, undefined> {
      report.requestsYielded = 0;
      if (n === 0) return;
      for (const r of src) {
        report.requestsYielded++;
        yield r;
        if (report.requestsYielded >= n) return;
      }
    },
  };
}
