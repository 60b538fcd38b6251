/**
 * `joulesim estimate [scenario]`: the paper's §2.1 offline estimator on a scenario's requests (or `--trace`), with
 * the same trace / GPU / model / stack flags as `run`. Prints a table (or `--json`); `--out DIR` writes
 * estimate.json and cells.csv.
 */
import { ensureOutputDir, outputPath, writeOutputFiles } from '../io/outputFile.js';
import { dirname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { loadArchitecture } from '../model/architecture.js';
import { loadGpu } from '../model/gpu.js';
import { loadStack } from '../model/stack.js';
import { parseScenario } from '../scenario/loadScenario.js';
import { loadScenarioPolicies } from '../scenario/loadPolicies.js';
import { SCHEDULER_NAMES } from '../policies/scheduler/schedulerRegistry.js';
import { DEFAULT_MAX_BATCH, estimate, type EstimateResult, type FlopsHwChoice } from './estimate.js';
import { displayPath } from '../io/displayPath.js';

export interface EstimateFlags {
  trace?: string;
  traceFormat?: string;
  gpu?: string;
  model?: string;
  stack?: string;
  scheduler?: string;
  batchSize?: number;
  tp?: number;
  seed?: number;
  costModel?: string;
  flopsHw?: FlopsHwChoice;
  unbinned?: boolean;
  json?: boolean;
  out?: string;
}

/** What the run command already knows how to do, handed in so this module does not import the CLI's. */
export interface EstimateCommandDeps {
  readonly defaultScenario: string;
  readScenarioJson(path: string): unknown;
  overridesFromFlags(f: EstimateFlags): { overrides: Record<string, unknown>; workload?: Record<string, unknown> };
  /** Where each flag put its value, so errors about it name the flag (sim/inputSource.ts). */
  flagOrigin?(f: EstimateFlags): { flagPlaces: Record<string, string>; changedBy: string };
}

export function parseFlopsHw(value: string): FlopsHwChoice {
  const v = value.trim().toLowerCase();
  if (v === 'dense' || v === 'sparse') return v;
  const x = Number(v);
  if (v === '' || !Number.isFinite(x) || x <= 0) throw new InputError('--flops-hw', '', `expected dense, sparse or a positive number of TFLOP/s, got "${value}"`);
  return x;
}

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InputError(flag, '', `expected a positive integer, got "${value}"`);
    return Number(value);
  };
}

/**
 * The estimator batches as the stack does (static for a contiguous cache, continuous for a paged one) with B from
 * memory, so a scenario's own scheduler kind and batch size are dropped unless given as flags.
 */
export async function estimateScenario(scenarioPath: string | undefined, flags: EstimateFlags, deps: EstimateCommandDeps): Promise<EstimateResult> {
  if (flags.gpu !== undefined) loadGpu(flags.gpu, '--gpu');
  if (flags.model !== undefined) loadArchitecture(flags.model, '--model');
  if (flags.stack !== undefined) loadStack(flags.stack, '--stack');
  const path = scenarioPath ? resolve(scenarioPath) : deps.defaultScenario;
  const raw = deps.readScenarioJson(path) as Record<string, unknown>;
  const cluster = typeof raw?.cluster === 'object' && raw.cluster !== null ? { ...(raw.cluster as Record<string, unknown>) } : undefined;
  if (cluster && typeof cluster.scheduler === 'object' && cluster.scheduler !== null) {
    const { kind: _kind, batch_size: _batch, ...rest } = cluster.scheduler as Record<string, unknown>;
    cluster.scheduler = rest;
  }
  const stripped = cluster ? { ...raw, cluster } : raw;
  // --batch-size caps B(I*, O*); it is not a scheduler batch size here.
  const { overrides, workload } = deps.overridesFromFlags({ ...flags, batchSize: undefined });
  const base = workload && typeof stripped === 'object' && stripped !== null ? { ...stripped, workload } : stripped;
  const loaded = parseScenario(base, scenarioPath ?? displayPath(path), dirname(path), overrides, deps.flagOrigin?.({ ...flags, batchSize: undefined }));
  return estimate(loaded, { flopsHw: flags.flopsHw, maxBatch: flags.batchSize, unbinned: flags.unbinned, plugins: await loadScenarioPolicies(loaded) });
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(digits - 1);
  return x.toFixed(a >= 100 ? 1 : digits);
}

export function estimateJson(r: EstimateResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

export function estimateTable(r: EstimateResult): string {
  const ex = r.requests.excluded;
  const lines: string[] = [];
  const rows: [string, string][] = [
    ['scenario', r.scenario],
    ['cluster', `${r.gpu}${r.tp > 1 ? ` (tp ${r.tp})` : ''}, ${r.model}, ${r.stack}, ${r.batching} batching`],
    ['cost model', `${r.cost_model.kind}: ${r.cost_model.description}`],
    ['requests', `${r.requests.total} read, ${r.requests.included} binned, ${ex.total} excluded (input > 8192: ${ex.input_over_max_bin}, output > 512: ${ex.output_over_max_bin}, both: ${ex.both_over_max_bin})${r.requests.unservable ? `, ${r.requests.unservable} in cells where one request does not fit in memory` : ''}`],
    ['B(I*,O*)', `largest batch that fits in memory (${r.batching === 'static' ? 'contiguous KV cache + prefill activations' : 'paged KV blocks'}), capped at ${r.max_batch}`],
    ['Ê_total', `${fmt(r.e_total_j)} J = ${fmt(r.e_total_j / 3.6e6, 4)} kWh  (Σ N/B · E_batch)`],
    ['Ê_optimal', `${fmt(r.e_optimal_j)} J  (TDP ${r.tdp_w} W / FLOPS_HW ${fmt(r.flops_hw.tflops)} TFLOP/s (${r.flops_hw.choice}) · Σ N · FLOPs)`],
    ['above optimal', `${fmt(r.pct_above_optimal, 2)} %  (Table 4's metric)`],
  ];
  if (r.unbinned) {
    rows.push(['un-binned', `${fmt(r.unbinned.energy_j)} J: ${r.unbinned.mode}`]);
    rows.push(['binning error', `${fmt(r.binning_error_pct ?? NaN, 2)} %  ((Ê_total − un-binned) / un-binned)`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) lines.push(`${k.padEnd(width)}  ${v}`);
  lines.push('');
  const header = ['I*', 'O*', 'N', 'B', 'N/B', 'E_batch J', 'batch s', 'GFLOP/req', 'Ê_total J', 'Ê_opt J'];
  const body = r.cells.map((c) => [
    String(c.input_bin),
    String(c.output_bin),
    String(c.requests),
    c.batch_size ? String(c.batch_size) : 'does not fit',
    fmt(c.batches),
    fmt(c.e_batch_j),
    fmt(c.batch_seconds),
    fmt(c.flops_per_request / 1e9),
    fmt(c.e_total_j),
    fmt(c.e_optimal_j),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  lines.push(header.map((h, i) => h.padStart(widths[i])).join('  '));
  for (const b of body) lines.push(b.map((x, i) => x.padStart(widths[i])).join('  '));
  return lines.join('\n') + '\n';
}

export function cellsCsv(r: EstimateResult): string {
  const cols = ['input_bin', 'output_bin', 'requests', 'batch_size', 'batches', 'e_batch_j', 'batch_seconds', 'flops_per_request', 'e_total_j', 'e_optimal_j'] as const;
  return [cols.join(','), ...r.cells.map((c) => cols.map((k) => String(c[k])).join(','))].join('\n') + '\n';
}

export function registerEstimateCommand(program: Command, deps: EstimateCommandDeps): void {
  program
    .command('estimate')
    .description("The paper's §2.1 offline estimator: bin requests, price one full batch per bin with the cost model, and compare with the idealized TDP/FLOPS estimate.")
    .argument('[scenario]', 'scenario JSON file whose workload is estimated (default: scenarios/default.json)')
    .option('--trace <file>', 'estimate this trace instead of the scenario workload (CSV, Azure, BurstGPT or Mooncake; auto-detected)')
    .addOption(new Option('--trace-format <format>', 'override trace format detection').choices(['auto', 'csv', 'azure', 'burstgpt', 'mooncake']))
    .option('--gpu <id>', 'GPU id (a6000, rtx6000-ada, a100-pcie, a100-sxm, h100-sxm, h200, l40s, b200)')
    .option('--model <id>', 'model id (llama-3.1-8b, llama-3.2-1b, qwen1.5-32b, olmo-1b, olmo-7b, olmoe-1b-7b, ...)')
    .option('--stack <id>', 'serving stack id (hf-eager, hf-compile, hf-paged, vllm, vllm-eager)')
    .addOption(new Option('--scheduler <kind>', 'batching policy (default: the stack’s)').choices([...SCHEDULER_NAMES]))
    .option('--batch-size <n>', `cap on B(I*,O*), the largest batch that fits in memory (default ${DEFAULT_MAX_BATCH}, the paper's largest)`, positiveInteger('--batch-size'))
    .option('--tp <n>', 'tensor-parallel GPUs', positiveInteger('--tp'))
    .option('--seed <n>', 'seed for synthetic workloads', (v) => {
      if (!/^\d+$/.test(v)) throw new InputError('--seed', '', `expected a non-negative integer, got "${v}"`);
      return Number(v);
    })
    .addOption(new Option('--cost-model <mode>', 'calibrated profile, transferred profile or datasheet roofline').choices(['auto', 'calibrated', 'roofline']))
    .option('--flops-hw <dense|sparse|TFLOPS>', "FLOPS_HW of Ê_optimal: the GPU's dense bf16 peak (default), its sparse figure (what the paper used for the A6000: 309.7), or a number of TFLOP/s", parseFlopsHw)
    .option('--no-unbinned', 'skip the un-binned simulation (no binning error)')
    .option('--json', 'print the estimate as JSON')
    .option('--out <dir>', 'write estimate.json and cells.csv to this folder')
    .action(async (scenario: string | undefined, flags: EstimateFlags) => {
      const outDir = outputPath('--out', flags.out);
      const r = await estimateScenario(scenario, flags, deps);
      if (outDir !== undefined) {
        ensureOutputDir(outDir, '--out');
        writeOutputFiles([
          { path: join(outDir, 'estimate.json'), content: estimateJson(r) + '\n' },
          { path: join(outDir, 'cells.csv'), content: cellsCsv(r) },
        ]);
      }
      process.stdout.write(flags.json ? estimateJson(r) + '\n' : estimateTable(r));
      if (outDir !== undefined && !flags.json) process.stdout.write(`wrote ${join(outDir, 'estimate.json')}, cells.csv\n`);
    });
}
