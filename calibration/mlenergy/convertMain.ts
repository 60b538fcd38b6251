/**
 * Command line of the ML.ENERGY converter, compiled to dist/calibration/mlenergy/convertMain.js by `npm run build`.
 * Run from the repository root; calibration/measurements/mlenergy/README.md has the whole sequence.
 *
 *   extract SHARED_V3_CSV [SHARED_V2_CSV]
 *       copy the Llama-3.1-8B-Instruct / lm-arena-chat rows of leaderboard-v3-llm-configs.csv (and the
 *       Llama-3.1-8B H100 rows of leaderboard-v2-runs.csv) into calibration/measurements/mlenergy/
 *   convert [--prompt-tokens 670] [--layout mixed|separate] [--cached-prompt-tokens 0] [--prefix-cache-repeats]
 *           [--max-batched-tokens 8192] [--csv FILE] [--out-dir DIR] [--suffix S]
 *       write DIR/<gpu>-llama-3.1-8b-vllm<S>.json (joulesim-measurements/1) for the H100 and the B200 rows
 *   annotate GPU PROFILE
 *       after `joulesim calibrate fit`: add predicts / does_not_predict, the reasons for the fixed coefficients,
 *       the held-out split, the prompt assumption and its sensitivity to the profile
 *   sensitivity [--prompt-tokens 670]
 *       refit both GPUs with half, the assumed and double the prompt length (same split and fixed values) and
 *       write calibration/measurements/mlenergy/prompt-sensitivity.json
 *   v2check PROFILE
 *       replay the leaderboard v2 H100 rows (vLLM 0.5.4) through a profile and print the errors
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInputError } from '../../sim/errors.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { packageRoot } from '../../sim/paths.js';
import { fitCommand } from '../fit/fitCommand.js';
import type { MeasurementFile } from '../fit/measurementSchema.js';
import {
  type ConvertOptions, GPU_IDS, type MlEnergyRow, parseCsv, parseMlEnergyCsv, parseMlEnergyV2Csv, type PrefillLayout, rowToRecord,
  selectRows, toMeasurementFile,
} from './convertMlEnergy.js';
import { evaluateProfile } from './evaluateProfile.js';
import { FIT_CONFIG, profileTexts } from './profileNotes.js';
import { externalReport } from './externalCheck.js';
import { kernelFit, writeKernelFit } from './vllmKernelCommand.js';

export const MODEL_ID = 'meta-llama/Llama-3.1-8B-Instruct';
export const TASK = 'lm-arena-chat';
export const MEASUREMENTS_DIR = join(packageRoot, 'calibration', 'measurements', 'mlenergy');
export const ROWS_CSV = join(MEASUREMENTS_DIR, 'leaderboard-v3-llama-3.1-8b-lm-arena-chat.csv');
export const V2_ROWS_CSV = join(MEASUREMENTS_DIR, 'leaderboard-v2-llama-3.1-8b-h100.csv');
export const V2_A100_ROWS_CSV = join(MEASUREMENTS_DIR, 'leaderboard-v2-llama-3.1-8b-a100.csv');
export const SENSITIVITY_JSON = join(MEASUREMENTS_DIR, 'prompt-sensitivity.json');
/** 634 content tokens (ML.ENERGY's mean for lm-arena-chat) + ~36 of the Llama 3.1 chat template; README.md. */
export const DEFAULT_PROMPT_TOKENS = 670;
/** --max-num-batched-tokens in ML.ENERGY's vLLM config for this model. */
export const DEFAULT_MAX_BATCHED_TOKENS = 8192;
export const SOURCE =
  'ML.ENERGY Leaderboard v3 (ml-energy/leaderboard : public/data @ 0cd52dab, leaderboard-v3-llm-configs.csv; Apache-2.0), rows copied to calibration/measurements/mlenergy/leaderboard-v3-llama-3.1-8b-lm-arena-chat.csv';

/**
 * num_request_repeats of each max_num_seqs in ML.ENERGY's sweeps (ml-energy/benchmark
 * configs/vllm/lm-arena-chat/meta-llama/Llama-3.1-8B-Instruct/{H100,B200}/sweeps.yaml): the 1024 sampled prompts
 * were sent this many times. Used only by --prefix-cache-repeats, an upper bound on prefix-cache hits.
 */
export const REQUEST_REPEATS: Readonly<Record<string, Readonly<Record<number, number>>>> = {
  H100: { 8: 1, 16: 1, 32: 1, 64: 1, 96: 1, 128: 1, 192: 1, 256: 2, 384: 2, 512: 2, 768: 3, 1024: 3 },
  B200: { 8: 1, 16: 1, 32: 1, 64: 1, 128: 2, 256: 2, 512: 3, 1024: 4, 2048: 8, 4096: 16 },
};

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

function writeCsv(out: string, header: string[], rows: string[][]): void {
  mkdirSync(MEASUREMENTS_DIR, { recursive: true });
  writeFileSync(out, [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n');
}

/** Copies the rows this calibration uses, field for field (line endings become \n). Returns the counts. */
export function extract(sharedV3Csv: string, sharedV2Csv?: string): { v3: number; v2: number } {
  const v3 = parseCsv(readFileSync(sharedV3Csv, 'utf8'));
  const at = (name: string) => v3.header.indexOf(name);
  const kept = v3.rows.filter((r) => r[at('model_id')] === MODEL_ID && r[at('task')] === TASK);
  kept.sort((a, b) => a[at('gpu_model')].localeCompare(b[at('gpu_model')]) || Number(a[at('max_num_seqs')]) - Number(b[at('max_num_seqs')]));
  writeCsv(ROWS_CSV, v3.header, kept);
  let v2Count = 0;
  if (sharedV2Csv) {
    const v2 = parseCsv(readFileSync(sharedV2Csv, 'utf8'));
    const c = (name: string) => v2.header.indexOf(name);
    const keptV2 = v2.rows.filter((r) => r[c('Model')] === 'meta-llama/Meta-Llama-3.1-8B-Instruct' && /H100/.test(r[c('GPU')]));
    keptV2.sort((a, b) => Number(a[c('Max BS (reqs)')]) - Number(b[c('Max BS (reqs)')]));
    writeCsv(V2_ROWS_CSV, v2.header, keptV2);
    const keptA100 = v2.rows.filter((r) => r[c('Model')] === 'meta-llama/Meta-Llama-3.1-8B-Instruct' && /A100/.test(r[c('GPU')]));
    keptA100.sort((a, b) => Number(a[c('Max BS (reqs)')]) - Number(b[c('Max BS (reqs)')]));
    writeCsv(V2_A100_ROWS_CSV, v2.header, keptA100);
    v2Count = keptV2.length + keptA100.length;
  }
  return { v3: kept.length, v2: v2Count };
}

export interface ConvertArgs {
  readonly csv: string;
  readonly outDir: string;
  readonly suffix: string;
  readonly options: ConvertOptions;
  readonly prefixCacheRepeats: boolean;
}

export function parseConvertArgs(args: string[]): ConvertArgs {
  const promptTokens = Number(flag(args, '--prompt-tokens') ?? DEFAULT_PROMPT_TOKENS);
  const maxBatchedTokens = Number(flag(args, '--max-batched-tokens') ?? DEFAULT_MAX_BATCHED_TOKENS);
  const cachedPromptTokens = Number(flag(args, '--cached-prompt-tokens') ?? 0);
  const layout = (flag(args, '--layout') ?? 'mixed') as PrefillLayout;
  if (layout !== 'mixed' && layout !== 'separate') throw new Error(`--layout must be mixed or separate, got ${layout}`);
  if (!(promptTokens >= 1) || !(maxBatchedTokens >= 1) || !(cachedPromptTokens >= 0)) {
    throw new Error('--prompt-tokens and --max-batched-tokens must be positive, --cached-prompt-tokens non-negative');
  }
  const prefixCacheRepeats = args.includes('--prefix-cache-repeats');
  if (prefixCacheRepeats && cachedPromptTokens > 0) throw new Error('give --cached-prompt-tokens or --prefix-cache-repeats, not both');
  return {
    csv: flag(args, '--csv') ?? ROWS_CSV,
    outDir: flag(args, '--out-dir') ?? MEASUREMENTS_DIR,
    suffix: flag(args, '--suffix') ?? '',
    prefixCacheRepeats,
    options: {
      promptTokens,
      maxBatchedTokens,
      layout,
      // Upper bound: every repeat of a prompt finds the whole prompt but its last token in the prefix cache.
      cachedPromptTokens: prefixCacheRepeats
        ? (row: MlEnergyRow) => {
            const k = REQUEST_REPEATS[row.gpu_model]?.[row.max_num_seqs] ?? 1;
            return Math.min(promptTokens - 1, Math.round(promptTokens * (1 - 1 / k)));
          }
        : cachedPromptTokens,
    },
  };
}

/** Writes one measurement file per GPU; returns their paths. */
export function convert(args: string[]): string[] {
  const a = parseConvertArgs(args);
  const rows = parseMlEnergyCsv(readFileSync(a.csv, 'utf8'), a.csv);
  const command = `node dist/calibration/mlenergy/convertMain.js convert ${args.join(' ')}`.trim();
  const written: string[] = [];
  mkdirSync(a.outDir, { recursive: true });
  for (const [leaderboardGpu, gpuId] of Object.entries(GPU_IDS)) {
    const mine = selectRows(rows, MODEL_ID, TASK, leaderboardGpu);
    if (mine.length === 0) continue;
    const file = toMeasurementFile(mine, { ...a.options, gpu: loadGpu(gpuId), model: 'llama-3.1-8b', stack: 'vllm', source: SOURCE, command });
    const out = join(a.outDir, `${gpuId}-llama-3.1-8b-vllm${a.suffix}.json`);
    writeFileSync(out, JSON.stringify(file, null, 1) + '\n');
    written.push(out);
  }
  return written;
}

interface FitOutcome {
  readonly coefficients: Record<string, number>;
  readonly fit: { time_error_pct: Stats; energy_error_pct: Stats };
  readonly held_out: { time_error_pct: Stats; energy_error_pct: Stats };
}
interface Stats {
  median: number;
  p90: number;
  max: number;
}

/** Refits both GPUs with half, the assumed and double the prompt length; same split and fixed values. */
export function sensitivity(args: string[]): Record<string, unknown> {
  const base = Number(flag(args, '--prompt-tokens') ?? DEFAULT_PROMPT_TOKENS);
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-mlenergy-'));
  const round = (x: number) => Number(x.toPrecision(4));
  const out: Record<string, unknown> = {
    description:
      'Refits with the prompt length halved and doubled (converter --prompt-tokens), every other setting as in the committed profiles. Written by: node dist/calibration/mlenergy/convertMain.js sensitivity',
    assumed_prompt_tokens: base,
  };
  try {
    for (const prompt of [Math.round(base / 2), base, base * 2]) {
      const files = convert(['--prompt-tokens', String(prompt), '--out-dir', dir, '--suffix', `-p${prompt}`]);
      for (const file of files) {
        const gpu = Object.keys(FIT_CONFIG).find((g) => file.includes(`${g}-llama`))!;
        const cfg = FIT_CONFIG[gpu];
        const { profile } = fitCommand([file], { out: join(dir, `${gpu}-p${prompt}.profile.json`), holdout: cfg.holdout, fixed: cfg.fixed });
        const p = profile as unknown as { coefficients: Record<string, number>; fit: FitOutcome['fit'] & { held_out: FitOutcome['held_out'] } };
        const stats = (s: Stats) => ({ median: round(s.median), max: round(s.max) });
        ((out[gpu] ??= {}) as Record<string, unknown>)[`prompt_${prompt}`] = {
          coefficients: Object.fromEntries(Object.entries(p.coefficients).map(([k, v]) => [k, round(v)])),
          fit: { time_error_pct: stats(p.fit.time_error_pct), energy_error_pct: stats(p.fit.energy_error_pct) },
          held_out: { time_error_pct: stats(p.fit.held_out.time_error_pct), energy_error_pct: stats(p.fit.held_out.energy_error_pct) },
        };
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(SENSITIVITY_JSON, JSON.stringify(out, null, 2) + '\n');
  return out;
}

/** Adds the texts and reasons of profileNotes.ts to a fitted profile (in place). */
export function annotate(gpu: string, profilePath: string): void {
  const cfg = FIT_CONFIG[gpu];
  if (!cfg) throw new Error(`no fit configuration for ${gpu}; known: ${Object.keys(FIT_CONFIG).join(', ')}`);
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  if (profile.gpu !== gpu) throw new Error(`${profilePath} is a ${profile.gpu} profile, not ${gpu}`);
  const fixed = profile.provenance?.fixed ?? {};
  for (const [k, v] of Object.entries(cfg.fixed)) {
    if (fixed[k] !== v) throw new Error(`${profilePath} was fitted with ${k}=${fixed[k]}, profileNotes.ts says ${v}: refit with the README's command`);
  }
  if (profile.fit?.held_out?.pattern !== cfg.holdout) throw new Error(`${profilePath} was fitted with holdout ${profile.fit?.held_out?.pattern}, profileNotes.ts says ${cfg.holdout}`);
  const measurement = JSON.parse(readFileSync(join(packageRoot, profile.provenance.measurements[0]), 'utf8')) as MeasurementFile & {
    stack_config: { converter: { prompt_tokens: number } };
  };
  const promptTokens = measurement.stack_config.converter.prompt_tokens;
  const h = profile.fit.held_out;
  const texts = profileTexts(gpu, {
    heldOut: { time: h.time_error_pct, energy: h.energy_error_pct },
    residuals: [...profile.fit.residuals, ...h.residuals],
    promptTokens,
    batchRange: profile.fitted_range.batch_size,
  });
  profile.predicts = texts.predicts;
  profile.does_not_predict = texts.doesNotPredict;
  profile.provenance.fixed_reasons = cfg.fixedReasons;
  profile.provenance.held_out_split = cfg.holdoutReason;
  profile.provenance.not_measured = {
    idle_w: `${profile.coefficients.idle_w} W is idle_w of models/gpus/${gpu}.json; the leaderboard has no idle rows`,
    power_cap_w: `${profile.coefficients.power_cap_w} W is the TDP of models/gpus/${gpu}.json; the leaderboard does not record the power limit`,
  };
  profile.provenance.prompt_tokens = {
    value: promptTokens,
    reason:
      'Not in the leaderboard file. ML.ENERGY\'s v3.0 write-up (ml-energy/blog docs/posts/ml-energy-leaderboard-v3.0.md) gives a mean of 634 input tokens for Text Conversation (lm-arena-chat; 224 for GPQA); ' +
      'their sampler (ml-energy/benchmark mlenergy/llm/datasets.py, LMArenaHumanPreferenceDataset) counts the tokens of the concatenated user and assistant turns without the chat template, ' +
      'and the Llama 3.1 template adds ~36 tokens per request (system header with the knowledge-cutoff and date lines, per-message headers, assistant header; an independent reconstruction of these requests puts the template at a median +35.8 tokens for lm-arena-chat). 634 + 36 = 670. ' +
      'Not modelled: prefix-cache hits on shared multi-turn history and on repeated prompts (ML.ENERGY sends the 1024 prompts 2-8 times at large max_num_seqs), which lower the prefill actually computed.',
  };
  try {
    const sens = JSON.parse(readFileSync(SENSITIVITY_JSON, 'utf8'));
    profile.provenance.prompt_sensitivity = { source: relative(packageRoot, SENSITIVITY_JSON), ...sens[gpu] };
  } catch {
    profile.provenance.prompt_sensitivity = 'run `node dist/calibration/mlenergy/convertMain.js sensitivity` first';
  }
  if (cfg.anomalies) profile.provenance.anomalies = cfg.anomalies;
  writeFileSync(profilePath, JSON.stringify(profile, null, 2) + '\n');
}

/** The v2 H100 rows replayed through a profile (vLLM 0.5.4: a different stack version, so a cross-check only). */
export function v2check(profilePath: string, args: string[] = []): string {
  const a = parseConvertArgs(args);
  const rows = parseMlEnergyV2Csv(readFileSync(V2_ROWS_CSV, 'utf8'), V2_ROWS_CSV);
  const records = rows.map((r) => ({ ...rowToRecord(r, a.options), label: `v2 H100 chat mns=${r.max_num_seqs} batch=${r.avg_batch_size.toFixed(1)}` }));
  const errors = evaluateProfile(profilePath, records);
  return errors
    .map((e, i) => `${e.label.padEnd(34)} measured ${rows[i].output_throughput_tokens_per_sec.toFixed(0).padStart(5)} tok/s ${(rows[i].energy_per_token_joules).toFixed(3)} J/tok  model time ${e.timeErrorPct.toFixed(0).padStart(4)}%  energy ${e.energyErrorPct.toFixed(0).padStart(4)}%`)
    .join('\n') + '\n';
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'extract' && rest[0]) {
      const n = extract(rest[0], rest[1]);
      process.stdout.write(`kept ${n.v3} v3 rows → ${relative(process.cwd(), ROWS_CSV)}${rest[1] ? `, ${n.v2} v2 rows → ${relative(process.cwd(), V2_ROWS_CSV)}` : ''}\n`);
      return 0;
    }
    if (cmd === 'convert') {
      for (const f of convert(rest)) process.stdout.write(`wrote ${relative(process.cwd(), f)}\n`);
      return 0;
    }
    if (cmd === 'annotate' && rest.length === 2) {
      annotate(rest[0], rest[1]);
      process.stdout.write(`annotated ${rest[1]}\n`);
      return 0;
    }
    if (cmd === 'sensitivity') {
      const s = sensitivity(rest) as Record<string, Record<string, FitOutcome>>;
      for (const gpu of Object.keys(FIT_CONFIG)) {
        for (const [key, r] of Object.entries(s[gpu] ?? {})) {
          const c = r.coefficients;
          const hh = r.held_out;
          process.stdout.write(
            `${gpu.padEnd(9)} ${key.padEnd(12)} overhead ${(c.step_overhead_s * 1e3).toFixed(2)} ms + ${(c.per_sequence_overhead_s * 1e6).toFixed(1)} us/seq, ` +
              `${c.memory_bandwidth_gb_s.toFixed(0)} GB/s, ${c.joules_per_tflop.toFixed(3)} J/TFLOP, ${c.joules_per_gb.toFixed(3)} J/GB; ` +
              `held out |time| ${hh.time_error_pct.median.toFixed(1)}/${hh.time_error_pct.max.toFixed(1)}%, |energy| ${hh.energy_error_pct.median.toFixed(1)}/${hh.energy_error_pct.max.toFixed(1)}% (median/max)\n`,
          );
        }
      }
      process.stdout.write(`wrote ${relative(process.cwd(), SENSITIVITY_JSON)}\n`);
      return 0;
    }
    if (cmd === 'kernelfit' && rest[0]) {
      process.stdout.write(rest.includes('--dry-run') ? kernelFit(rest[0]).summary : writeKernelFit(rest[0]));
      return 0;
    }
    if (cmd === 'external' && rest[0]) {
      for (const profile of rest) process.stdout.write(externalReport(profile, [V2_A100_ROWS_CSV, V2_ROWS_CSV], parseConvertArgs([]).options));
      return 0;
    }
    if (cmd === 'v2check' && rest[0]) {
      process.stdout.write(v2check(rest[0], rest.slice(1)));
      return 0;
    }
  } catch (e) {
    process.stderr.write(`convertMain: ${isInputError(e) ? e.message : (e as Error).message}\n`);
    return 2;
  }
  process.stderr.write(
    'usage: convertMain.js extract V3_CSV [V2_CSV] | convert [--prompt-tokens N] [--layout mixed|separate] [--cached-prompt-tokens N] [--prefix-cache-repeats] [--max-batched-tokens N] [--csv FILE] [--out-dir DIR] [--suffix S] | annotate GPU PROFILE | kernelfit GPU [--dry-run] | external PROFILE... | sensitivity [--prompt-tokens N] | v2check PROFILE\n',
  );
  return 2;
}

// Run only as a script, not when imported (tests import the functions above).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
