import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorStats, prepareRecord } from '../../calibration/fit/fitProfile.js';
import type { MeasurementFile, StepEntry } from '../../calibration/fit/measurementSchema.js';
import { readMeasurementFile } from '../../calibration/fit/fitCommand.js';
import { parseCsv, parseMlEnergyCsv, rowToRecord, rowWork, selectRows } from '../../calibration/mlenergy/convertMlEnergy.js';
import { evaluateProfile } from '../../calibration/mlenergy/evaluateProfile.js';
import { FIT_CONFIG } from '../../calibration/mlenergy/profileNotes.js';
import { loadProfile } from '../../sim/cost/resolveCostParameters.js';
import { InputError } from '../../sim/errors.js';
import { packageRoot } from '../../sim/paths.js';

const dir = join(packageRoot, 'calibration', 'measurements', 'mlenergy');
const rowsCsv = join(dir, 'leaderboard-v3-llama-3.1-8b-lm-arena-chat.csv');
const rows = parseMlEnergyCsv(readFileSync(rowsCsv, 'utf8'), rowsCsv);
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('parseCsv / parseMlEnergyCsv', () => {
  it('reads quoted fields with commas, quotes and newlines', () => {
    const { header, rows: r } = parseCsv('a,b,c\r\n1,"x, ""y""\nz",3\r\n');
    expect(header).toEqual(['a', 'b', 'c']);
    expect(r).toEqual([['1', 'x, "y"\nz', '3']]);
  });

  it('keeps the 20 copied rows: 11 H100, 9 B200, one per max_num_seqs', () => {
    expect(rows).toHaveLength(20);
    expect(selectRows(rows, MODEL, 'lm-arena-chat', 'H100').map((r) => r.max_num_seqs)).toEqual([8, 16, 32, 64, 96, 128, 192, 256, 384, 512, 768]);
    expect(selectRows(rows, MODEL, 'lm-arena-chat', 'B200').map((r) => r.max_num_seqs)).toEqual([8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
  });

  it('names the line and column of a bad number', () => {
    const text = readFileSync(rowsCsv, 'utf8').replace('7.978201634877384', 'abc');
    expect(() => parseMlEnergyCsv(text, 'x.csv')).toThrow(InputError);
    expect(() => parseMlEnergyCsv(text, 'x.csv')).toThrow(/x\.csv:line \d+ column avg_batch_size/);
  });
});

describe('rowToRecord on the H100 max_num_seqs 8 row, checked by hand', () => {
  // avg_batch_size 7.978201634877384, avg_output_len 388.677734375,
  // output_throughput_tokens_per_sec 1069.5688508868182, energy_per_token_joules 0.4547982611462042
  const row = rows.find((r) => r.gpu_model === 'H100' && r.max_num_seqs === 8)!;
  const opts = { promptTokens: 670, maxBatchedTokens: 8192, layout: 'mixed' as const };

  it('has the counts: n = 8, 389 steps, 8 requests of 670 prompt tokens', () => {
    const w = rowWork(row, opts);
    expect(w.n).toBe(8); // round(7.978)
    expect(w.steps).toBe(389); // round(388.678)
    expect(w.requests).toBe(8); // round(8 · 389 / 388.678) = round(8.0066)
    expect(w.prefillTokens).toBe(8 * 670);
    // Every step produces 8 tokens: 8 decodes, or 7 decodes + the first token of the prompt computed in it.
    expect(w.outputTokens).toBe(389 * 8);
  });

  it('spreads the 8 prompts evenly, each in a mixed step with the other 7 sequences decoding', () => {
    const { entries } = rowWork(row, opts);
    const mixed = entries.filter((e) => e.kind === 'prefill');
    expect(mixed).toHaveLength(8);
    for (const e of mixed) expect(e).toMatchObject({ count: 1, new_tokens: 670, cached_tokens: 0, decode_n: 7 });
    // Prompt j arrives at step floor(j · 389 / 8): 0, 48, 97, 145, 194, 243, 291, 340.
    const stepOf: number[] = [];
    let k = 0;
    for (const e of entries) {
      if (e.kind === 'prefill') stepOf.push(k++);
      else k += e.repeat!;
    }
    expect(k).toBe(389);
    expect(stepOf).toEqual([0, 48, 97, 145, 194, 243, 291, 340]);
    // Decoding sequences hold the prompt plus the step index: 7 · (670 + 0) at step 0, 8 · (670 + 1) at step 1.
    expect(entries[0]).toMatchObject({ decode_context_sum: 7 * 670 });
    expect(entries[1]).toEqual({ kind: 'decode', n: 8, context_sum: 8 * 671, repeat: 47 });
    expect(entries[2]).toMatchObject({ decode_context_sum: 7 * (670 + 48) });
  });

  it('prices 3112 tokens at the measured rates: 2.9096 s and 1415.33 J', () => {
    const rec = rowToRecord(row, opts);
    const tokens = 3112;
    const seconds = tokens / 1069.5688508868182; // 2.909613...
    const joules = tokens * 0.4547982611462042; // 1415.332...
    expect(rec.tokens).toBe(tokens);
    expect(rec.seconds_median).toBeCloseTo(seconds, 12);
    expect(rec.joules_median).toBeCloseTo(joules, 9);
    expect(rec.seconds_median).toBeCloseTo(2.9096, 4);
    expect(rec.joules_median).toBeCloseTo(1415.33, 2);
    // joules / seconds is the measured average power.
    expect(rec.joules_median / rec.seconds_median).toBeCloseTo(486.438, 3);
    expect(rec.label).toBe('H100 lm-arena-chat mns=8 batch=8.0');
  });

  it('lays the same work out as a decode run plus one prompt-only step with --layout separate', () => {
    const w = rowWork(row, { ...opts, layout: 'separate' });
    expect(w.entries).toEqual<StepEntry[]>([
      { kind: 'decode', n: 8, context_sum: 8 * 670, repeat: 388 },
      { kind: 'prefill', count: 8, new_tokens: 670, cached_tokens: 0 },
    ]);
    expect(w.outputTokens).toBe(8 * 388 + 8);
  });

  it('computes only the uncached part of a prompt that hits the prefix cache', () => {
    const w = rowWork(row, { ...opts, cachedPromptTokens: 600 });
    expect(w.prefillTokens).toBe(8 * 70);
    expect(w.entries.filter((e) => e.kind === 'prefill').every((e) => e.new_tokens === 70 && e.cached_tokens === 600)).toBe(true);
  });

  it('chunks prompts that overflow the step budget, as chunked prefill does', () => {
    const big = rows.find((r) => r.gpu_model === 'B200' && r.max_num_seqs === 2048)!;
    const w = rowWork(big, { ...opts, promptTokens: 1340 });
    // 2043 requests × 1340 tokens do not fit in 396 steps of 8192 − 2043 spare tokens: the window runs longer.
    expect(w.steps).toBeGreaterThan(396);
    const chunkTokens = w.entries.filter((e) => e.kind === 'prefill').reduce((s, e) => s + e.count! * e.new_tokens!, 0);
    expect(chunkTokens).toBe(w.prefillTokens);
    for (const r of [prepareRecord({ label: 'x', steps: w.entries, seconds_median: 1, joules_median: 1 })]) {
      expect(r.stepTokens[1]).toBeLessThanOrEqual(8192);
    }
  });
});

describe('the committed profiles', () => {
  for (const gpu of ['h100-sxm', 'b200'] as const) {
    const profilePath = join(packageRoot, 'calibration', 'profiles', gpu, 'llama-3.1-8b', 'vllm.json');
    const profile = loadProfile(profilePath);
    const provenance = profile.provenance as Record<string, unknown> & { measurements: string[]; fixed: Record<string, number> };
    const measurementPath = join(packageRoot, provenance.measurements[0]);
    const measurements = readMeasurementFile(measurementPath) as MeasurementFile & { stack_config: { converter: { prompt_tokens: number } } };
    const heldOut = profile.fit.held_out as { pattern: string; records: number; time_error_pct: { median: number; max: number }; energy_error_pct: { median: number; max: number } };
    const pattern = new RegExp(heldOut.pattern);
    const heldRecords = measurements.records.filter((r) => pattern.test(r.label));

    it(`${gpu}: loads through loadProfile, was fitted on this GPU's ML.ENERGY rows with the documented split and fixes`, () => {
      expect(profile.gpu).toBe(gpu);
      expect(profile.model).toBe('llama-3.1-8b');
      expect(profile.stack).toBe('vllm');
      expect(measurements.gpu).toBe(gpu);
      expect(heldOut.pattern).toBe(FIT_CONFIG[gpu].holdout);
      expect(provenance.fixed).toEqual(FIT_CONFIG[gpu].fixed);
      // Every fixed coefficient has a written reason.
      expect(Object.keys(provenance.fixed_reasons as object).sort()).toEqual(Object.keys(FIT_CONFIG[gpu].fixed).sort());
      expect(profile.predicts).toMatch(/Steady-state, decode-heavy/);
      expect(profile.does_not_predict).toMatch(/Prefill-heavy/);
      expect(profile.does_not_predict).toMatch(/[Ii]dle power/);
      expect(heldRecords.length).toBe(heldOut.records);
      expect(heldRecords.length).toBeGreaterThanOrEqual(4);
    });

    it(`${gpu}: the measurement file is what the converter makes of the copied rows`, () => {
      const mine = selectRows(rows, MODEL, 'lm-arena-chat', FIT_CONFIG[gpu].leaderboardGpu);
      const opts = { promptTokens: measurements.stack_config.converter.prompt_tokens, maxBatchedTokens: 8192, layout: 'mixed' as const };
      const again = mine.map((r) => rowToRecord(r, opts));
      expect(JSON.parse(JSON.stringify(again))).toEqual(measurements.records);
    });

    it(`${gpu}: reproduces its held-out rows within the error it claims`, () => {
      const errors = evaluateProfile(profilePath, heldRecords);
      // The profile stores its coefficients to 6 significant digits, the fit's errors were computed before rounding:
      // allow 0.01 percentage points for that.
      const slack = 0.01;
      for (const e of errors) {
        expect(Math.abs(e.timeErrorPct)).toBeLessThanOrEqual(heldOut.time_error_pct.max + slack);
        expect(Math.abs(e.energyErrorPct)).toBeLessThanOrEqual(heldOut.energy_error_pct.max + slack);
      }
      // The claimed medians are the medians of these very errors (the profile was not edited after fitting).
      expect(errorStats(errors.map((e) => e.timeErrorPct)).median).toBeCloseTo(heldOut.time_error_pct.median, 2);
      expect(errorStats(errors.map((e) => e.energyErrorPct)).median).toBeCloseTo(heldOut.energy_error_pct.median, 2);
    });
  }

  it('h100-sxm: claims a few percent on held-out rows; b200 says it is coarser', () => {
    const h = loadProfile(join(packageRoot, 'calibration/profiles/h100-sxm/llama-3.1-8b/vllm.json')).fit.held_out as { time_error_pct: { max: number }; energy_error_pct: { max: number } };
    expect(h.time_error_pct.max).toBeLessThan(5);
    expect(h.energy_error_pct.max).toBeLessThan(5);
    const b = loadProfile(join(packageRoot, 'calibration/profiles/b200/llama-3.1-8b/vllm.json'));
    expect(b.predicts).toMatch(/Coarser than the H100 profile/);
  });
});
