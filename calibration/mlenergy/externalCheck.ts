/**
 * `convertMain.js external PROFILE...`: the vLLM profiles against public vLLM measurements they were not fitted on:
 * ML.ENERGY Leaderboard v2 (vLLM 0.5.4, ShareGPT chat prompts) of Llama-3.1-8B-Instruct on one A100-SXM4-40GB and
 * one H100 SXM. The profiles are of vLLM 0.11.1 on the H100 (v3), so the H100 rows test the carry across vLLM
 * versions and the A100 rows the carry across GPUs as well; the A100/H100 energy ratio at equal batch is the
 * hardware what-if a user would ask for.
 */
import { readFileSync } from 'node:fs';
import type { CostParameters } from '../../sim/cost/costParameters.js';
import { kernelCalibratedParameters, kernelTransferredParameters } from '../../sim/cost/kernelProfileParameters.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { calibratedParameters, loadAnyProfile, transferredParameters } from '../../sim/cost/resolveCostParameters.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { errorStats, predictRecord, prepareRecord } from '../fit/fitProfile.js';
import { type ConvertOptions, type MlEnergyRow, parseMlEnergyV2Csv, rowToRecord } from './convertMlEnergy.js';

/** The v2 leaderboard's GPU names and the GPU files of those boards. */
const V2_GPUS: Readonly<Record<string, string>> = { A100: 'a100-sxm-40gb', H100: 'h100-sxm' };

export interface ExternalRow {
  readonly gpu: string;
  readonly batch: number;
  readonly time_error_pct: number;
  readonly power_error_pct: number;
  readonly energy_error_pct: number;
  readonly joules_per_token_measured: number;
  readonly joules_per_token_model: number;
}

function parametersOn(profilePath: string, gpuId: string): { params: CostParameters; model: string } {
  const any = loadAnyProfile(profilePath);
  const target = loadGpu(gpuId, profilePath);
  const p = any.profile;
  const source = loadGpu(p.gpu, profilePath);
  if (any.kind === 'kernel') {
    const k = any.profile;
    return { params: k.gpu === gpuId ? kernelCalibratedParameters(k, target, 1, undefined, profilePath) : kernelTransferredParameters(k, source, target, 1, undefined, profilePath), model: k.model };
  }
  const r = any.profile;
  return { params: r.gpu === gpuId ? calibratedParameters(r, target, 1, undefined, profilePath) : transferredParameters(r, source, target, 1, undefined, profilePath), model: r.model };
}

export function externalCheck(profilePath: string, rowFiles: readonly string[], opts: ConvertOptions): { rows: ExternalRow[]; ratios: { batch: number; measured: number; model: number }[] } {
  const rows: MlEnergyRow[] = rowFiles.flatMap((f) => parseMlEnergyV2Csv(readFileSync(f, 'utf8'), f));
  const out: ExternalRow[] = [];
  const models = new Map<string, StepCostModel>();
  for (const row of rows) {
    const gpuId = V2_GPUS[row.gpu_model];
    if (!gpuId) continue;
    let model = models.get(gpuId);
    if (!model) {
      const { params, model: modelId } = parametersOn(profilePath, gpuId);
      model = new StepCostModel(modelWorkFor(loadArchitecture(modelId, profilePath)), params);
      models.set(gpuId, model);
    }
    const rec = rowToRecord(row, opts);
    const p = predictRecord(model, prepareRecord(rec));
    const wMeasured = rec.joules_median / rec.seconds_median;
    out.push({
      gpu: gpuId,
      batch: row.max_num_seqs,
      time_error_pct: (100 * (p.seconds - rec.seconds_median)) / rec.seconds_median,
      power_error_pct: (100 * (p.joules / p.seconds - wMeasured)) / wMeasured,
      energy_error_pct: (100 * (p.joules - rec.joules_median)) / rec.joules_median,
      joules_per_token_measured: rec.joules_median / rec.tokens,
      joules_per_token_model: p.joules / rec.tokens,
    });
  }
  const ratios = out
    .filter((r) => r.gpu === 'a100-sxm-40gb')
    .flatMap((a) => {
      const h = out.find((r) => r.gpu === 'h100-sxm' && r.batch === a.batch);
      return h ? [{ batch: a.batch, measured: a.joules_per_token_measured / h.joules_per_token_measured, model: a.joules_per_token_model / h.joules_per_token_model }] : [];
    });
  return { rows: out, ratios };
}

export function externalReport(profilePath: string, rowFiles: readonly string[], opts: ConvertOptions): string {
  const { rows, ratios } = externalCheck(profilePath, rowFiles, opts);
  const lines = [`${profilePath} against ML.ENERGY v2 (vLLM 0.5.4) Llama-3.1-8B-Instruct rows (model − measured, %):`];
  for (const r of rows) {
    lines.push(`  ${r.gpu.padEnd(14)} batch ${String(r.batch).padStart(4)}  time ${r.time_error_pct.toFixed(1).padStart(6)}  power ${r.power_error_pct.toFixed(1).padStart(6)}  energy ${r.energy_error_pct.toFixed(1).padStart(6)}`);
  }
  for (const g of Object.values(V2_GPUS)) {
    const mine = rows.filter((r) => r.gpu === g);
    if (!mine.length) continue;
    const s = (xs: number[]) => errorStats(xs);
    const t = s(mine.map((r) => r.time_error_pct));
    const pw = s(mine.map((r) => r.power_error_pct));
    const e = s(mine.map((r) => r.energy_error_pct));
    const signed = (xs: number[]) => `${Math.min(...xs).toFixed(0)} to ${Math.max(...xs).toFixed(0)}`;
    lines.push(
      `  ${g}: |time| median ${t.median.toFixed(1)} (range ${signed(mine.map((r) => r.time_error_pct))}), |power| median ${pw.median.toFixed(1)} (${signed(mine.map((r) => r.power_error_pct))}), |energy| median ${e.median.toFixed(1)} (${signed(mine.map((r) => r.energy_error_pct))})`,
    );
  }
  for (const r of ratios) lines.push(`  A100/H100 energy per token at batch ${r.batch}: measured ${r.measured.toFixed(2)}, model ${r.model.toFixed(2)}`);
  return lines.join('\n') + '\n';
}
