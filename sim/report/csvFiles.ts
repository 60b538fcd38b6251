/**
 * The files `--out DIR` writes besides summary.json: requests.csv, streamed as requests finish (a buffered file
 * writer, so a million-request run never holds its rows) under a temporary name until the run completes, and
 * timeseries.csv from the interval series.
 */
import { OutputFile } from '../io/outputFile.js';
import { formatSignificant } from './significantDigits.js';
import type { FacilityIntervalRow } from '../facility/facilityIntervals.js';
import type { LiveRequest } from '../serving/liveRequest.js';
import { SHARE_CARBON_G, SHARE_COST_USD, SHARE_FACILITY_J, SHARE_NODE_J } from '../serving/requestShares.js';
import type { RequestSpec } from '../workload/request.js';
import type { RequestRowWriter } from '../accounting/requestMetrics.js';
import type { TimeSeriesRow } from '../accounting/timeSeries.js';

/** Numbers in CSVs: full precision would be noise; 9 significant digits are plenty and stay deterministic. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '';
  return formatSignificant(x, 9);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const REQUEST_COLUMNS =
  'id,replica,status,arrival_s,admitted_s,first_token_s,finish_s,input_tokens,output_tokens,ttft_s,tpot_s,e2e_s,energy_j,preemptions,reason';

/** Appended when the run has a facility model: the request's shares of node and facility energy, carbon, cost. */
export const REQUEST_FACILITY_COLUMNS = 'node_j,facility_j,operational_gco2e,cost_usd';

export class RequestCsvWriter implements RequestRowWriter {
  readonly file: OutputFile;
  private buffer = '';

  constructor(
    path: string,
    private readonly withShares = false,
    /** Disaggregated serving: a `handoff_s` column (prefill done; first_token_s is when the KV cache landed). */
    private readonly withHandoff = false,
  ) {
    this.file = new OutputFile(path);
    this.buffer = REQUEST_COLUMNS + (withShares ? ',' + REQUEST_FACILITY_COLUMNS : '') + (withHandoff ? ',handoff_s' : '') + '\n';
  }

  private sharesCells(r: LiveRequest | null): string {
    if (!this.withShares) return '';
    const s = r?.shares;
    if (!s) return ',0,0,0,0';
    return `,${num(s[SHARE_NODE_J])},${num(s[SHARE_FACILITY_J])},${num(s[SHARE_CARBON_G])},${num(s[SHARE_COST_USD])}`;
  }

  private write(line: string): void {
    this.buffer += line;
    if (this.buffer.length > 1 << 16) this.flush();
  }

  private flush(): void {
    this.file.write(this.buffer);
    this.buffer = '';
  }

  finished(r: LiveRequest, finishSeconds: number, replica: number): void {
    const s = r.spec;
    const tpot = s.outputTokens > 1 ? (finishSeconds - r.firstTokenSeconds) / (s.outputTokens - 1) : Number.NaN;
    this.write(
      `${s.id},${replica},completed,${num(s.arrivalSeconds)},${num(r.admittedSeconds)},${num(r.firstTokenSeconds)},${num(finishSeconds)},${s.inputTokens},${s.outputTokens},${num(r.firstTokenSeconds - s.arrivalSeconds)},${num(tpot)},${num(finishSeconds - s.arrivalSeconds)},${num(r.energyJoules)},${r.preemptions},${this.sharesCells(r)}${this.withHandoff ? `,${num(r.handoffSeconds)}` : ''}\n`,
    );
  }

  rejected(s: RequestSpec, reason: string, replica: number): void {
    this.write(`${s.id},${replica},rejected,${num(s.arrivalSeconds)},,,,${s.inputTokens},${s.outputTokens},,,,0,0,${csvField(reason)}${this.sharesCells(null)}${this.withHandoff ? ',' : ''}\n`);
  }

  /** Writes what is buffered; the file keeps its temporary name until committed with the run's other outputs. */
  end(): OutputFile {
    this.flush();
    return this.file;
  }
}

/**
 * Interval rows; with a facility model, its columns follow every replica's (GPU energy stays in the columns it
 * always had): node and IT and facility power and energy, carbon, cost, and the signals averaged over the interval.
 */
export function timeSeriesCsv(rows: readonly TimeSeriesRow[], replicas: number, facility?: readonly FacilityIntervalRow[]): string {
  const transfers = rows.length > 0 && rows[0].transferJoules !== undefined;
  const header = ['start_s', 'end_s', 'power_w', 'prefill_j', 'decode_j', 'idle_j', ...(transfers ? ['transfer_j'] : []), 'cumulative_energy_j', 'running', 'queued'];
  for (let r = 0; r < replicas; r++) header.push(`replica${r}_power_w`, `replica${r}_running`, `replica${r}_queued`);
  if (facility) {
    header.push('node_j', 'it_j', 'facility_j', 'it_power_w', 'facility_power_w', 'operational_gco2e', 'cost_usd', 'pue', 'carbon_g_per_kwh', 'price_usd_per_kwh');
  }
  const lines = [header.join(',')];
  let cumulative = 0;
  for (const row of rows) {
    const span = row.endSeconds - row.startSeconds;
    let prefill = 0;
    let decode = 0;
    let idle = 0;
    let running = 0;
    let queued = 0;
    const perReplica: string[] = [];
    for (let r = 0; r < replicas; r++) {
      const joules = row.prefillJoules[r] + row.decodeJoules[r] + row.idleJoules[r];
      prefill += row.prefillJoules[r];
      decode += row.decodeJoules[r];
      idle += row.idleJoules[r];
      running += row.running[r];
      queued += row.queued[r];
      perReplica.push(num(span > 0 ? joules / span : 0), num(row.running[r]), num(row.queued[r]));
    }
    const transfer = row.transferJoules ?? 0;
    const total = prefill + decode + idle + transfer;
    cumulative += total;
    const f = facility?.[lines.length - 1];
    if (f) {
      const it = total + f.nodeJoules;
      const w = (j: number) => num(span > 0 ? j / span : 0);
      perReplica.push(num(f.nodeJoules), num(it), num(f.facilityJoules), w(it), w(f.facilityJoules), num(f.carbonGrams), num(f.costUsd), num(f.pue), num(f.carbonGPerKwh), num(f.priceUsdPerKwh));
    }
    lines.push(
      [num(row.startSeconds), num(row.endSeconds), num(span > 0 ? total / span : 0), num(prefill), num(decode), num(idle), ...(transfers ? [num(transfer)] : []), num(cumulative), num(running), num(queued), ...perReplica].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
