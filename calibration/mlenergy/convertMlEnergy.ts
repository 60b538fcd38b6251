/**
 * ML.ENERGY Leaderboard v3 rows → `joulesim-measurements/1` records (docs/ARCHITECTURE.md).
 *
 * One leaderboard row is a steady-state measurement of vLLM serving with `max_num_seqs` concurrent requests: the
 * batch is full, requests finish and new ones are admitted all the time, and the energy and the tokens are counted
 * over that window only. Such a row is not a step; it is a rate. We turn it into the work of N output tokens at the
 * row's average batch:
 *
 *   n        = round(avg_batch_size)              sequences running
 *   S        = round(avg_output_len)              steps (a sequence's lifetime, so the batch turns over once)
 *   R        = round(n · S / avg_output_len)      requests that pass through in those steps (≈ n)
 *   P        = prompt tokens per request          (not in the file: an assumption, see README.md)
 *   decoding sequences have context growing from P to P + S (the time average of a staggered batch), and the R
 *   prompts (R · P prefill tokens) are computed in the same window.
 *
 *   seconds  = N / output_throughput_tokens_per_sec
 *   joules   = N · energy_per_token_joules         (= avg_power_watts · seconds: energy over the whole window)
 *
 * where N is the number of tokens the listed steps produce (decodes plus the first token of each finished prompt).
 *
 * Two layouts of the prefill work:
 *   mixed    (default) vLLM v1's chunked prefill, which is what ML.ENERGY ran (vLLM 0.11.1) and what the
 *            simulator's continuous scheduler does: prompts arrive evenly over the S steps, and each step runs its
 *            decodes plus the waiting prompt chunks, up to max_num_batched_tokens per step.
 *   separate a decode run of n sequences over S − 1 steps plus prompt-only steps packed up to
 *            max_num_batched_tokens (vLLM v0 without chunked prefill); kept to show how much the layout matters.
 */
import { InputError } from '../../sim/errors.js';
import type { Gpu } from '../../sim/model/gpuSchema.js';
import type { MeasurementFile, MeasurementRecord, StepEntry } from '../fit/measurementSchema.js';

/** The columns of leaderboard-v3-llm-configs.csv this converter reads (all others are carried along verbatim). */
export interface MlEnergyRow {
  readonly model_id: string;
  readonly task: string;
  readonly gpu_model: string;
  readonly num_gpus: number;
  readonly max_num_seqs: number;
  readonly avg_batch_size: number;
  readonly avg_output_len: number;
  /** Total over num_gpus. */
  readonly avg_power_watts: number;
  readonly energy_per_token_joules: number;
  readonly energy_per_request_joules: number;
  readonly median_itl_ms: number;
  readonly p90_itl_ms: number;
  readonly output_throughput_tokens_per_sec: number;
  readonly weight_precision: string;
  readonly par_tensor_parallel: number;
  /** The row as read, every column as text. */
  readonly raw: Readonly<Record<string, string>>;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. Returns the header and the rows. */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}

const NUMERIC = [
  'num_gpus', 'max_num_seqs', 'avg_batch_size', 'avg_output_len', 'avg_power_watts', 'energy_per_token_joules',
  'energy_per_request_joules', 'median_itl_ms', 'p90_itl_ms', 'output_throughput_tokens_per_sec', 'par_tensor_parallel',
] as const;
const POSITIVE = [
  'num_gpus', 'max_num_seqs', 'avg_batch_size', 'avg_output_len', 'avg_power_watts', 'energy_per_token_joules',
  'output_throughput_tokens_per_sec',
] as const;

/** Parses leaderboard-v3-llm-configs.csv (or a copy of some of its rows); `file` names it in errors. */
export function parseMlEnergyCsv(text: string, file: string): MlEnergyRow[] {
  const { header, rows } = parseCsv(text);
  for (const col of ['model_id', 'task', 'gpu_model', 'weight_precision', ...NUMERIC]) {
    if (!header.includes(col)) throw new InputError(file, 'line 1', `no column "${col}"`);
  }
  return rows.map((cells, i) => {
    const place = `line ${i + 2}`;
    if (cells.length !== header.length) throw new InputError(file, place, `${cells.length} fields, the header has ${header.length}`);
    const raw = Object.fromEntries(header.map((h, j) => [h, cells[j]]));
    const num: Record<string, number> = {};
    for (const col of NUMERIC) {
      const x = Number(raw[col]);
      if (raw[col] === '' || !Number.isFinite(x)) throw new InputError(file, `${place} column ${col}`, `expected a number, got "${raw[col]}"`);
      num[col] = x;
    }
    for (const col of POSITIVE) {
      if (!(num[col] > 0)) throw new InputError(file, `${place} column ${col}`, `expected a positive number, got ${num[col]}`);
    }
    return {
      model_id: raw.model_id,
      task: raw.task,
      gpu_model: raw.gpu_model,
      weight_precision: raw.weight_precision,
      num_gpus: num.num_gpus,
      max_num_seqs: num.max_num_seqs,
      avg_batch_size: num.avg_batch_size,
      avg_output_len: num.avg_output_len,
      avg_power_watts: num.avg_power_watts,
      energy_per_token_joules: num.energy_per_token_joules,
      energy_per_request_joules: num.energy_per_request_joules,
      median_itl_ms: num.median_itl_ms,
      p90_itl_ms: num.p90_itl_ms,
      output_throughput_tokens_per_sec: num.output_throughput_tokens_per_sec,
      par_tensor_parallel: num.par_tensor_parallel,
      raw,
    };
  });
}

export type PrefillLayout = 'mixed' | 'separate';

export interface ConvertOptions {
  /** Prompt tokens per request (the chat template included). */
  readonly promptTokens: number;
  /**
   * Prompt tokens per request found in vLLM's prefix cache (computed by an earlier request): they sit in the KV
   * cache (attention reads them) but are not recomputed. 0 unless a row says otherwise (see README.md).
   */
  readonly cachedPromptTokens?: number | ((row: MlEnergyRow) => number);
  /** vLLM's --max-num-batched-tokens: the token budget of one step (ML.ENERGY ran 8192). */
  readonly maxBatchedTokens: number;
  readonly layout: PrefillLayout;
}

/** The steady-state work one row stands for, as step entries, with the counts the measured totals derive from. */
export interface RowWork {
  /** Sequences running (round(avg_batch_size)). */
  readonly n: number;
  /** Steps in the window: round(avg_output_len), more when prompts overflow the token budget (mixed) or take
   *  steps of their own (separate). */
  readonly steps: number;
  /** Requests whose prompt is computed in the window. */
  readonly requests: number;
  /** Prompt tokens per request taken from the prefix cache (not recomputed). */
  readonly cachedPromptTokens: number;
  /** Prompt tokens computed in the window: requests × (prompt − cached). */
  readonly prefillTokens: number;
  /** Output tokens the steps produce: N. */
  readonly outputTokens: number;
  readonly entries: StepEntry[];
}

/** A prompt in flight: its id, tokens still to compute and tokens already in the cache. */
interface Pending {
  left: number;
  done: number;
}

/** Chunks of one step: new tokens, cached tokens, whether the chunk finishes its prompt. */
type Chunk = [newTokens: number, cachedTokens: number, finishes: boolean];

function mixedEntries(n: number, steps: number, requests: number, p: number, cached: number, budget: number): { entries: StepEntry[]; outputTokens: number; steps: number } {
  const entries: StepEntry[] = [];
  let outputTokens = 0;
  const queue: Pending[] = [];
  let nextArrival = 0;
  let runStart = -1;
  const flushRun = (end: number) => {
    if (runStart < 0) return;
    entries.push({ kind: 'decode', n, context_sum: n * (p + runStart), repeat: end - runStart });
    outputTokens += n * (end - runStart);
    runStart = -1;
  };
  // When the prompts do not fit in the window's spare token budget (only with very long prompts at very large
  // batches), the window runs on until they are done: the batch is prefill-bound, not decode-bound.
  let k = 0;
  for (; k < steps || queue.length > 0; k++) {
    // Prompt j arrives at step floor(j · steps / requests): evenly spread over the window.
    while (nextArrival < requests && Math.floor((nextArrival * steps) / requests) <= k) {
      queue.push({ left: p - cached, done: cached });
      nextArrival++;
    }
    const chunks: Chunk[] = [];
    let room = budget;
    while (queue.length > 0 && room > 0) {
      const q = queue[0];
      const take = Math.min(q.left, room);
      chunks.push([take, q.done, take === q.left]);
      room -= take;
      q.left -= take;
      q.done += take;
      if (q.left === 0) queue.shift();
    }
    if (chunks.length === 0) {
      if (runStart < 0) runStart = k;
      continue;
    }
    flushRun(k);
    // A prompt being computed holds one of the n slots, so n − chunks sequences decode.
    const decodes = Math.max(0, n - chunks.length);
    // Group identical chunks into one entry with a count; the first entry carries the step's decodes.
    const groups: { chunk: Chunk; count: number }[] = [];
    for (const c of chunks) {
      const g = groups.find((x) => x.chunk[0] === c[0] && x.chunk[1] === c[1] && x.chunk[2] === c[2]);
      if (g) g.count++;
      else groups.push({ chunk: c, count: 1 });
    }
    groups.forEach((g, i) => {
      const e: StepEntry = { kind: 'prefill', count: g.count, new_tokens: g.chunk[0], cached_tokens: g.chunk[1] };
      if (i > 0) (e as { same_step?: boolean }).same_step = true;
      else Object.assign(e, { decode_n: decodes, decode_context_sum: decodes * (p + k) });
      entries.push(e);
    });
    outputTokens += decodes + chunks.filter((c) => c[2]).length;
  }
  flushRun(k);
  return { entries, outputTokens, steps: k };
}

function separateEntries(n: number, steps: number, requests: number, p: number, cached: number, budget: number): { entries: StepEntry[]; outputTokens: number; steps: number } {
  const entries: StepEntry[] = [{ kind: 'decode', n, context_sum: n * p, repeat: steps - 1 }];
  let outputTokens = n * (steps - 1);
  const fresh = p - cached;
  if (fresh <= budget) {
    // Whole prompts packed into steps of at most `budget` new tokens.
    const perStep = Math.floor(budget / fresh);
    for (let left = requests; left > 0; left -= perStep) {
      const count = Math.min(perStep, left);
      entries.push({ kind: 'prefill', count, new_tokens: fresh, cached_tokens: cached });
      outputTokens += count;
    }
  } else {
    for (let r = 0; r < requests; r++) {
      for (let done = cached; done < p; done += budget) {
        entries.push({ kind: 'prefill', count: 1, new_tokens: Math.min(budget, p - done), cached_tokens: done });
      }
      outputTokens += 1;
    }
  }
  // Each prefill entry here is a step of its own (no same_step).
  return { entries, outputTokens, steps: steps - 1 + (entries.length - 1) };
}

/** The steps one row stands for. */
export function rowWork(row: MlEnergyRow, opts: ConvertOptions): RowWork {
  const p = Math.round(opts.promptTokens);
  if (!(p >= 1)) throw new Error(`prompt tokens must be ≥ 1, got ${opts.promptTokens}`);
  const c = opts.cachedPromptTokens;
  const cached = Math.round(typeof c === 'function' ? c(row) : (c ?? 0));
  if (!(cached >= 0 && cached < p)) throw new Error(`cached prompt tokens must be in [0, ${p}), got ${cached}`);
  const n = Math.max(1, Math.round(row.avg_batch_size));
  const steps = Math.max(2, Math.round(row.avg_output_len));
  const requests = Math.max(1, Math.round((n * steps) / row.avg_output_len));
  // vLLM schedules the decodes first; prompt chunks fill what is left of the step's token budget.
  const budget = opts.maxBatchedTokens - n;
  if (!(budget > 0)) throw new Error(`max_batched_tokens ${opts.maxBatchedTokens} leaves no room for prompts next to ${n} decodes`);
  const { entries, outputTokens, steps: stepCount } =
    opts.layout === 'mixed'
      ? mixedEntries(n, steps, requests, p, cached, budget)
      : separateEntries(n, steps, requests, p, cached, budget);
  return { n, steps: stepCount, requests, cachedPromptTokens: cached, prefillTokens: requests * (p - cached), outputTokens, entries };
}

/** The label a row's record gets; `--holdout` regexes match it (e.g. `mns=(16|64)\b`). */
export function rowLabel(row: MlEnergyRow): string {
  return `${row.gpu_model} ${row.task} mns=${row.max_num_seqs} batch=${row.avg_batch_size.toFixed(1)}`;
}

export interface MlEnergyRecord extends MeasurementRecord {
  readonly reps: number;
  readonly avg_watts: number;
  readonly tokens: number;
  readonly work: Omit<RowWork, 'entries'> & { readonly prompt_tokens: number; readonly layout: PrefillLayout };
  readonly source_row: Readonly<Record<string, string>>;
}

/** One row → one record: the steps, and seconds and joules of the tokens they produce at the measured rates. */
export function rowToRecord(row: MlEnergyRow, opts: ConvertOptions): MlEnergyRecord {
  const w = rowWork(row, opts);
  const seconds = w.outputTokens / row.output_throughput_tokens_per_sec;
  const joules = w.outputTokens * row.energy_per_token_joules;
  const { entries, ...counts } = w;
  return {
    label: rowLabel(row),
    steps: entries,
    reps: 1,
    seconds: [seconds],
    joules: [joules],
    seconds_median: seconds,
    joules_median: joules,
    avg_watts: row.avg_power_watts / row.num_gpus,
    tokens: w.outputTokens,
    work: { ...counts, prompt_tokens: Math.round(opts.promptTokens), layout: opts.layout },
    source_row: row.raw,
  };
}

/** Leaderboard names of the GPUs this converter knows, and the joulesim GPU ids they are. */
export const GPU_IDS: Readonly<Record<string, string>> = { H100: 'h100-sxm', B200: 'b200' };

export interface FileOptions extends ConvertOptions {
  /** The GPU the rows ran on (its TDP is the power limit, its idle_w the idle power). */
  readonly gpu: Gpu;
  readonly model: string;
  readonly stack: string;
  /** Where the rows came from, for the environment block. */
  readonly source: string;
  /** The command that wrote the file. */
  readonly command: string;
}

/**
 * Rows of one GPU → a measurement file. Idle power is not in this data: the file carries the GPU file's idle_w and
 * says so; the power limit is the GPU's TDP (ML.ENERGY ran at the default limit).
 */
export function toMeasurementFile(rows: readonly MlEnergyRow[], opts: FileOptions): MeasurementFile {
  if (rows.length === 0) throw new Error('no rows to convert');
  for (const r of rows) {
    if (r.num_gpus !== 1 || r.par_tensor_parallel !== 1) {
      throw new Error(`${rowLabel(r)}: ${r.num_gpus} GPUs / TP ${r.par_tensor_parallel}; only single-GPU rows are converted`);
    }
    if (r.gpu_model !== rows[0].gpu_model || r.model_id !== rows[0].model_id || r.task !== rows[0].task) {
      throw new Error(`${rowLabel(r)}: rows of one model, task and GPU per file`);
    }
  }
  const sorted = [...rows].sort((a, b) => a.max_num_seqs - b.max_num_seqs);
  const file = {
    format: 'joulesim-measurements/1' as const,
    model: opts.model,
    stack: opts.stack,
    gpu: opts.gpu.id,
    environment: {
      gpu_name: `${opts.gpu.name} (ML.ENERGY: "${rows[0].gpu_model}")`,
      power_limit_w: opts.gpu.tdp_w,
      power_limit_source: `${opts.gpu.id} TDP from models/gpus/${opts.gpu.id}.json; ML.ENERGY ran at the default limit and the leaderboard does not record it`,
      serving: 'vLLM 0.11.1 OpenAI server (ML.ENERGY Benchmark v3.0), 1 GPU, bf16, CUDA graphs, chunked prefill, async scheduling',
      source: opts.source,
      model_id: rows[0].model_id,
      task: rows[0].task,
      date: 'not in the leaderboard data (benchmark v3.0, released December 2025)',
      command: opts.command,
    },
    stack_config: {
      max_num_batched_tokens: opts.maxBatchedTokens,
      async_scheduling: true,
      chunked_prefill: true,
      max_num_seqs: sorted.map((r) => r.max_num_seqs),
      converter: {
        prompt_tokens: Math.round(opts.promptTokens),
        prefill_layout: opts.layout,
        note: 'records are steady-state rates turned into the steps of one batch lifetime; see calibration/mlenergy/convertMlEnergy.ts',
      },
    },
    idle: {
      watts_median: opts.gpu.idle_w,
      watts_samples: [] as number[],
      source: `NOT MEASURED in this data: idle_w of models/gpus/${opts.gpu.id}.json (confidence: ${opts.gpu.idle_w_source.confidence})`,
    },
    records: sorted.map((r) => rowToRecord(r, opts)),
  };
  return file as unknown as MeasurementFile;
}

/** Rows of one model and task on one leaderboard GPU name. */
export function selectRows(rows: readonly MlEnergyRow[], modelId: string, task: string, gpuModel: string): MlEnergyRow[] {
  return rows.filter((r) => r.model_id === modelId && r.task === task && r.gpu_model === gpuModel);
}

/**
 * ML.ENERGY Leaderboard v2 runs (leaderboard-v2-runs.csv: vLLM 0.5.4, ShareGPT chat prompts) in the v3 row shape,
 * for cross-checks only: energy per token = Energy/req ÷ Avg Output Tokens, power = that × Token tput, ITL = Avg
 * TPOT (a mean, not a median). `raw` keeps the v2 columns.
 */
export function parseMlEnergyV2Csv(text: string, file: string): MlEnergyRow[] {
  const { header, rows } = parseCsv(text);
  const need = ['Model', 'GPU', 'TP', 'PP', 'Energy/req (J)', 'Avg TPOT (s)', 'Token tput (tok/s)', 'Avg Output Tokens', 'Avg BS (reqs)', 'Max BS (reqs)', '_task'];
  for (const col of need) if (!header.includes(col)) throw new InputError(file, 'line 1', `no column "${col}"`);
  return rows.map((cells, i) => {
    const place = `line ${i + 2}`;
    const raw = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
    const num = (col: string) => {
      const x = Number(raw[col]);
      if (raw[col] === '' || !(x > 0)) throw new InputError(file, `${place} column ${col}`, `expected a positive number, got "${raw[col]}"`);
      return x;
    };
    const outputLen = num('Avg Output Tokens');
    const energyPerToken = num('Energy/req (J)') / outputLen;
    const throughput = num('Token tput (tok/s)');
    const tp = num('TP');
    return {
      model_id: raw.Model,
      task: raw._task,
      gpu_model: /H100/.test(raw.GPU) ? 'H100' : /A100/.test(raw.GPU) ? 'A100' : raw.GPU,
      weight_precision: 'bfloat16',
      num_gpus: tp * num('PP'),
      max_num_seqs: num('Max BS (reqs)'),
      avg_batch_size: num('Avg BS (reqs)'),
      avg_output_len: outputLen,
      avg_power_watts: energyPerToken * throughput,
      energy_per_token_joules: energyPerToken,
      energy_per_request_joules: num('Energy/req (J)'),
      median_itl_ms: num('Avg TPOT (s)') * 1000,
      p90_itl_ms: num('Avg TPOT (s)') * 1000,
      output_throughput_tokens_per_sec: throughput,
      par_tensor_parallel: tp,
      raw,
    };
  });
}
