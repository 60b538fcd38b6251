/**
 * `joulesim calibrate fit MEASUREMENTS... --out PROFILE.json`: validate the harness files, fit, and write a profile
 * with its coefficients, fitted ranges, residuals (and held-out errors) and provenance.
 */
import { readFileSync } from 'node:fs';
import { ensureOutputDir, writeOutputFile } from '../../sim/io/outputFile.js';
import { dirname, relative, resolve } from 'node:path';
import { withFusedExpertEfficiency } from '../../sim/cost/moeEfficiency.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { InputError } from '../../sim/errors.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { loadStack } from '../../sim/model/stack.js';
import { packageRoot } from '../../sim/paths.js';
import { describeAjvError } from '../../sim/scenario/loadScenario.js';
import { schemaValidator } from '../../sim/schemaValidator.js';
import { withAbsentFeatures, errorStats, FITTED_KEYS, type FittedKey, fitCoefficients, fitModels, parametersFromCoefficients, type PreparedRecord, prepareRecord, residuals } from './fitProfile.js';
import { type MeasurementFile, measurementFileSchema } from './measurementSchema.js';
import { fitKernelCommand, hasKernelProfiles } from './fitKernelCommand.js';

export function readMeasurementFile(path: string): MeasurementFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(path, '', `cannot read the measurement file (${(e as Error).message})`);
  }
  const validateMeasurements = schemaValidator('profile', measurementFileSchema);
  if (!validateMeasurements(raw)) {
    const { place, detail } = describeAjvError(validateMeasurements.errors![0]);
    throw new InputError(path, place, detail);
  }
  return raw as MeasurementFile;
}

export interface FitOptions {
  readonly out: string;
  readonly gpu?: string;
  /** Records whose label matches are kept out of the fit and reported as held-out errors. */
  readonly holdout?: string;
  /** Coefficients held fixed instead of fitted (profile units; busy_base_w is the part above idle). */
  readonly fixed?: Partial<Record<FittedKey, number>>;
  /** Kernel-class fit: GPU rates and class powers from this profile (same GPU, another stack); host time fitted. */
  readonly ratesFrom?: string;
  /** Kernel-class fit: host time fitted on these files' records only (one machine's host CPU). */
  readonly hostFrom?: readonly string[];
  /** With ratesFrom: class powers fitted on these records too (the stack's kernels differ from the source's). */
  readonly refitPower?: boolean;
}

/** Parses `--fix key=value` pairs. */
export function parseFixed(pairs: readonly string[]): Partial<Record<FittedKey, number>> {
  const out: Partial<Record<FittedKey, number>> = {};
  for (const p of pairs) {
    const [key, value] = p.split('=');
    const x = Number(value);
    if (!(FITTED_KEYS as readonly string[]).includes(key) || !Number.isFinite(x) || x < 0) {
      throw new InputError('--fix', '', `expected KEY=VALUE with KEY one of ${FITTED_KEYS.join(', ')}, got "${p}"`);
    }
    out[key as FittedKey] = x;
  }
  return out;
}

/**
 * Whether a measurement file was taken on `gpuId`: its `gpu` id must match, and the GPU name the harness read from
 * NVML must name the same chip (the id's first part, `a6000`, `h100`, `rtx6000`, appears in the name).
 */
export function measurementGpuProblem(m: MeasurementFile, gpuId: string): { place: string; detail: string } | undefined {
  if (m.gpu !== undefined && m.gpu !== gpuId) return { place: '/gpu', detail: `measured on ${m.gpu}, not ${gpuId}` };
  const name = (m.environment as Record<string, unknown>).gpu_name;
  const chip = gpuId.split('-')[0].toLowerCase();
  if (typeof name === 'string' && !name.toLowerCase().replace(/[\s_-]+/g, '').includes(chip)) {
    return { place: '/environment/gpu_name', detail: `measured on ${JSON.stringify(name)}, not ${/^[aeiou]/.test(gpuId) ? 'an' : 'a'} ${gpuId}` };
  }
  return undefined;
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) >> 1] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
}

export function fitCommand(files: string[], opts: FitOptions): { profile: Record<string, unknown>; summary: string } {
  const measured = files.map((f) => ({ path: f, data: readMeasurementFile(f) }));
  const first = measured[0].data;
  for (const m of measured) {
    if (m.data.model !== first.model || m.data.stack !== first.stack) {
      throw new InputError(m.path, '', `model/stack ${m.data.model}/${m.data.stack} differs from ${first.model}/${first.stack} in ${measured[0].path}; fit one profile at a time`);
    }
  }
  const gpuId = opts.gpu ?? first.gpu;
  if (!gpuId) throw new InputError(measured[0].path, '/gpu', 'no gpu id in the file; pass --gpu');
  const gpu = loadGpu(gpuId, opts.gpu !== undefined ? '--gpu' : `${measured[0].path}:/gpu`);
  // A profile for one GPU fitted on another's measurements would carry the wrong power limit and speeds.
  for (const m of measured) {
    const problem = measurementGpuProblem(m.data, gpuId);
    if (problem) throw new InputError(m.path, problem.place, `${problem.detail}${opts.gpu !== undefined ? ` (--gpu ${opts.gpu})` : ''}`);
  }
  const arch = loadArchitecture(first.model, `${measured[0].path}:/model`);
  const idles = measured.map((m) => m.data.idle?.watts_median).filter((x): x is number => x !== undefined);
  if (idles.length === 0) throw new InputError(measured[0].path, '/idle', 'no idle power measured');
  const env = first.environment as Record<string, unknown>;
  const cap = typeof env.power_limit_w === 'number' ? env.power_limit_w : gpu.tdp_w;
  if (opts.refitPower && !opts.ratesFrom) throw new InputError('--refit-power', '', 'needs --rates-from (a full kernel-class fit always fits the powers)');
  if ((hasKernelProfiles(measured) || opts.ratesFrom) && !opts.holdout && Object.keys(opts.fixed ?? {}).length === 0) return fitKernelCommand(measured, files, gpu, arch, cap, opts);
  if (opts.hostFrom?.length) throw new InputError('--host-from', '', 'applies only to a kernel-class fit (measurement files with kernel profiles, no --holdout or --fix)');
  const holdout = opts.holdout ? new RegExp(opts.holdout) : null;
  const fitRecords: PreparedRecord[] = [];
  const heldRecords: PreparedRecord[] = [];
  for (const m of measured) {
    const plusOne = (m.data.context_convention ?? '').includes('+ 1');
    for (const r of m.data.records) (holdout?.test(r.label) ? heldRecords : fitRecords).push(prepareRecord(r, plusOne));
  }
  // Stacks that pack a step's attention into one masked call (models/stacks/<id>.json "attention").
  let packedAttention = false;
  try {
    packedAttention = loadStack(first.stack, `${measured[0].path}:/stack`).attention === 'packed-dense-mask';
  } catch {
    packedAttention = false;
  }
  const freeCount = FITTED_KEYS.length - Object.keys(withAbsentFeatures({ records: fitRecords, packedAttention }, opts.fixed ?? {})).length;
  if (fitRecords.length < freeCount) {
    throw new InputError(measured[0].path, '/records', `only ${fitRecords.length} records to fit ${freeCount} coefficients; fix some with --fix`);
  }
  const inputs = {
    records: fitRecords,
    // The work the simulator prices (buildCostModel): an MoE model's expert legs carry the fused-expert-kernel
    // stretch there, so the fit must replay it too, or a calibrated MoE profile would absorb the slowdown and the
    // simulator would apply it a second time.
    work: arch.moe ? withFusedExpertEfficiency(modelWorkFor(arch), arch) : modelWorkFor(arch),
    idleWatts: median(idles),
    powerCapWatts: cap,
    interconnectBytesPerSecond: gpu.interconnect.bandwidth_gb_s * 1e9,
    interconnectLatencySeconds: gpu.interconnect.latency_us * 1e-6,
    peakComputeTflops: gpu.bf16_dense_tflops,
    peakBandwidthGbS: gpu.memory_bandwidth_gb_s,
    packedAttention,
  };
  // Without padded records the masked factor is not identified: it is then the unmasked one (1 if fixed so).
  const fixed = { ...(opts.fixed ?? {}) };
  const anyPadded = fitRecords.some((r) => r.masked);
  const { coefficients } = fitCoefficients(inputs, anyPadded ? fixed : { ...fixed, masked_kv_traffic_factor: fixed.kv_traffic_factor ?? 1 });
  if (!anyPadded && fixed.kv_traffic_factor === undefined) coefficients.masked_kv_traffic_factor = coefficients.kv_traffic_factor;
  const model = fitModels(inputs.work, parametersFromCoefficients(coefficients, inputs));
  const fitted = residuals(model, fitRecords);
  const held = residuals(model, heldRecords);
  const range = (pick: (r: PreparedRecord) => [number, number]) => [
    Math.min(...fitRecords.map((r) => pick(r)[0])),
    Math.max(...fitRecords.map((r) => pick(r)[1])),
  ];
  const round = (x: number) => Number(x.toPrecision(6));
  const profile = {
    format: 'joulesim-profile/1',
    gpu: gpu.id,
    model: arch.id,
    stack: first.stack,
    // Features held absent (0) are left out, so profiles of other stacks keep their form.
    coefficients: Object.fromEntries(
      Object.entries(coefficients)
        .filter(([k, v]) => !((k === 'packed_attention_flops_factor' || k === 'cold_shape_s') && v === 0))
        .map(([k, v]) => [k, round(v)]),
    ),
    fitted_range: {
      batch_size: range((r) => r.batch),
      step_tokens: range((r) => r.stepTokens),
      context_tokens: range((r) => r.context).map(Math.round),
    },
    fit: {
      records: fitRecords.length,
      time_error_pct: errorStats(fitted.map((r) => r.time_error_pct)),
      energy_error_pct: errorStats(fitted.map((r) => r.energy_error_pct)),
      residuals: fitted,
      held_out: {
        pattern: opts.holdout ?? null,
        records: held.length,
        time_error_pct: errorStats(held.map((r) => r.time_error_pct)),
        energy_error_pct: errorStats(held.map((r) => r.energy_error_pct)),
        residuals: held,
      },
    },
    predicts:
      'Step time and energy of this model on this GPU and stack as a roofline (compute and memory legs) plus fixed and per-sequence overhead, power as busy floor + energy per FLOP and per byte, capped at the power limit, within the fitted range.',
    does_not_predict:
      'Costs outside the fitted range (extrapolated, with a warning), other models or stacks, tensor parallelism (all-reduces are modelled from the interconnect, not measured), clock or power-limit changes other than the cap model.',
    provenance: {
      measurements: measured.map((m) => relative(packageRoot, resolve(m.path))),
      environment: first.environment,
      stack_config: first.stack_config ?? null,
      idle_w_measured: idles,
      command: `joulesim calibrate fit ${files.map((f) => relative(packageRoot, resolve(f))).join(' ')} --out ${relative(packageRoot, resolve(opts.out))}${opts.gpu ? ` --gpu ${opts.gpu}` : ''}${opts.holdout ? ` --holdout '${opts.holdout}'` : ''}${Object.entries(opts.fixed ?? {}).map(([k, v]) => ` --fix ${k}=${v}`).join('')}`,
      fixed: opts.fixed ?? {},
    },
  };
  ensureOutputDir(dirname(opts.out), '--out');
  writeOutputFile(opts.out, JSON.stringify(profile, null, 2) + '\n');
  const f = profile.fit;
  const lines = [
    `fitted ${gpu.id} / ${arch.id} / ${first.stack} on ${fitRecords.length} records → ${opts.out}`,
    `  overhead ${(coefficients.step_overhead_s * 1e3).toFixed(2)} ms/step + ${(coefficients.per_sequence_overhead_s * 1e6).toFixed(1)} µs/seq, ` +
      `compute ${coefficients.compute_tflops.toFixed(0)} TFLOP/s, bandwidth ${coefficients.memory_bandwidth_gb_s.toFixed(0)} GB/s`,
    `  power: idle ${coefficients.idle_w.toFixed(0)} W, busy floor ${coefficients.busy_base_w.toFixed(0)} W, ${coefficients.joules_per_tflop.toFixed(3)} J/TFLOP, ${coefficients.joules_per_gb.toFixed(3)} J/GB, cap ${cap} W`,
    `  fit error |%|: time median ${f.time_error_pct.median.toFixed(2)} p90 ${f.time_error_pct.p90.toFixed(2)} max ${f.time_error_pct.max.toFixed(2)}; energy median ${f.energy_error_pct.median.toFixed(2)} p90 ${f.energy_error_pct.p90.toFixed(2)} max ${f.energy_error_pct.max.toFixed(2)}`,
  ];
  if (held.length) {
    const h = f.held_out;
    lines.push(`  held out (${held.length}) |%|: time median ${h.time_error_pct.median.toFixed(2)} max ${h.time_error_pct.max.toFixed(2)}; energy median ${h.energy_error_pct.median.toFixed(2)} max ${h.energy_error_pct.max.toFixed(2)}`);
  }
  return { profile, summary: lines.join('\n') + '\n' };
}
