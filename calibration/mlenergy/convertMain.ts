/**
 * Command line of the ML.ENERGY converter (compiled to dist/calibration/mlenergy/convertMain.js by `npm run build`):
 *
 *   node dist/calibration/mlenergy/convertMain.js extract SHARED_CSV
 *       copies the Llama-3.1-8B-Instruct / lm-arena-chat rows of leaderboard-v3-llm-configs.csv, verbatim, to
 *       calibration/measurements/mlenergy/leaderboard-v3-llama-3.1-8b-lm-arena-chat.csv
 *   node dist/calibration/mlenergy/convertMain.js convert [--prompt-tokens 670] [--layout mixed|separate]
 *       [--max-batched-tokens 8192] [--csv FILE] [--out-dir DIR] [--suffix S]
 *       writes DIR/<gpu>-llama-3.1-8b-vllm<S>.json for the H100 and the B200 rows
 *
 * See calibration/measurements/mlenergy/README.md for why the defaults are what they are.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isInputError } from '../../sim/errors.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { packageRoot } from '../../sim/paths.js';
import { GPU_IDS, parseCsv, parseMlEnergyCsv, type PrefillLayout, selectRows, toMeasurementFile } from './convertMlEnergy.js';

export const MODEL_ID = 'meta-llama/Llama-3.1-8B-Instruct';
export const TASK = 'lm-arena-chat';
export const MEASUREMENTS_DIR = join(packageRoot, 'calibration', 'measurements', 'mlenergy');
export const ROWS_CSV = join(MEASUREMENTS_DIR, 'leaderboard-v3-llama-3.1-8b-lm-arena-chat.csv');
/** 634 content tokens (ML.ENERGY's mean for lm-arena-chat) + ~36 of the Llama 3.1 chat template; README.md. */
export const DEFAULT_PROMPT_TOKENS = 670;
/** --max-num-batched-tokens in ML.ENERGY's vLLM config for this model. */
export const DEFAULT_MAX_BATCHED_TOKENS = 8192;
export const SOURCE =
  'ML.ENERGY Leaderboard v3 (ml-energy/leaderboard : public/data @ 0cd52dab, leaderboard-v3-llm-configs.csv; Apache-2.0), rows copied to calibration/measurements/mlenergy/leaderboard-v3-llama-3.1-8b-lm-arena-chat.csv';

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

export function extract(sharedCsv: string, out = ROWS_CSV): number {
  const { header, rows } = parseCsv(readFileSync(sharedCsv, 'utf8'));
  const at = (name: string) => header.indexOf(name);
  const kept = rows.filter((r) => r[at('model_id')] === MODEL_ID && r[at('task')] === TASK);
  kept.sort((a, b) => a[at('gpu_model')].localeCompare(b[at('gpu_model')]) || Number(a[at('max_num_seqs')]) - Number(b[at('max_num_seqs')]));
  mkdirSync(MEASUREMENTS_DIR, { recursive: true });
  writeFileSync(out, [header, ...kept].map((r) => r.map(csvField).join(',')).join('\n') + '\n');
  return kept.length;
}

export function convert(args: string[]): string[] {
  const csv = flag(args, '--csv') ?? ROWS_CSV;
  const promptTokens = Number(flag(args, '--prompt-tokens') ?? DEFAULT_PROMPT_TOKENS);
  const maxBatchedTokens = Number(flag(args, '--max-batched-tokens') ?? DEFAULT_MAX_BATCHED_TOKENS);
  const layout = (flag(args, '--layout') ?? 'mixed') as PrefillLayout;
  if (layout !== 'mixed' && layout !== 'separate') throw new Error(`--layout must be mixed or separate, got ${layout}`);
  if (!(promptTokens >= 1) || !(maxBatchedTokens >= 1)) throw new Error('--prompt-tokens and --max-batched-tokens must be positive numbers');
  const outDir = flag(args, '--out-dir') ?? MEASUREMENTS_DIR;
  const suffix = flag(args, '--suffix') ?? '';
  const rows = parseMlEnergyCsv(readFileSync(csv, 'utf8'), csv);
  const command = `node dist/calibration/mlenergy/convertMain.js convert ${args.join(' ')}`.trim();
  const written: string[] = [];
  mkdirSync(outDir, { recursive: true });
  for (const [leaderboardGpu, gpuId] of Object.entries(GPU_IDS)) {
    const mine = selectRows(rows, MODEL_ID, TASK, leaderboardGpu);
    if (mine.length === 0) continue;
    const file = toMeasurementFile(mine, {
      gpu: loadGpu(gpuId),
      model: 'llama-3.1-8b',
      stack: 'vllm',
      promptTokens,
      maxBatchedTokens,
      layout,
      source: SOURCE,
      command,
    });
    const out = join(outDir, `${gpuId}-llama-3.1-8b-vllm${suffix}.json`);
    writeFileSync(out, JSON.stringify(file, null, 1) + '\n');
    written.push(relative(process.cwd(), resolve(out)));
  }
  return written;
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'extract' && rest[0]) {
      process.stdout.write(`kept ${extract(rest[0])} rows → ${relative(process.cwd(), ROWS_CSV)}\n`);
      return 0;
    }
    if (cmd === 'convert') {
      for (const f of convert(rest)) process.stdout.write(`wrote ${f}\n`);
      return 0;
    }
  } catch (e) {
    process.stderr.write(`convertMain: ${isInputError(e) ? e.message : (e as Error).message}\n`);
    return 2;
  }
  process.stderr.write('usage: convertMain.js extract SHARED_CSV | convert [--prompt-tokens N] [--layout mixed|separate] [--max-batched-tokens N] [--csv FILE] [--out-dir DIR] [--suffix S]\n');
  return 2;
}

// Run only as a script, not when imported (tests import the functions above).
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  process.exitCode = main(process.argv.slice(2));
}
