/**
 * The `joulesim` command line. Bad input of any kind ends in one line on stderr and exit code 2, never a trace.
 */
import { LINK_KINDS } from '../model/kvTransfer.js';
import { KV_CACHE_DTYPES, WEIGHT_DTYPES } from '../model/precision.js';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputError, isInputError } from '../errors.js';
import { loadArchitecture } from '../model/architecture.js';
import { loadGpu } from '../model/gpu.js';
import { loadStack } from '../model/stack.js';
import { loadNodeType } from '../facility/nodeType.js';
import { loadRegion } from '../facility/region.js';
import { parseRegionGroups, regionGroupsOverride } from '../facility/regionGroupsFlag.js';
import { packageRoot, scenariosDir } from '../paths.js';
import { summaryJson, summaryTable } from '../report/summary.js';
import { runScenarioInSlices } from '../run/runScenario.js';
import { clearOutputPlaces, discardPendingOutputs, ioCause, isBrokenPipe, outputPath } from '../io/outputFile.js';
import { displayPath } from '../io/displayPath.js';
import { parseScenario } from '../scenario/loadScenario.js';
import { registerCalibrateCommands } from './calibrateCommands.js';
import { ADMISSION_NAMES, ADMISSION_POLICIES } from '../policies/admission/admissionRegistry.js';
import { POWER_CONTROLLER_NAMES, POWER_CONTROLLERS } from '../policies/power/powerRegistry.js';
import { ROUTER_NAMES, ROUTERS } from '../policies/router/routerRegistry.js';
import { SCHEDULER_NAMES, SCHEDULER_POLICIES } from '../policies/scheduler/schedulerRegistry.js';
import { loadScenarioPolicies } from '../scenario/loadPolicies.js';
import { registerCompareCommand } from '../compare/compareCommand.js';
import { registerEstimateCommand } from '../estimate/estimateCommand.js';
import { registerReproduceCommand } from '../reproduce/reproduceCommand.js';
import { registerSweepCommand } from '../sweep/sweepCommand.js';

export const DEFAULT_SCENARIO = join(scenariosDir, 'default.json');

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InputError(flag, '', `expected a positive integer, got "${value}"`);
    return Number(value);
  };
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InputError(flag, '', `expected a positive number, got "${value}"`);
    return x;
  };
}

export interface RunFlags {
  trace?: string;
  traceFormat?: string;
  offline?: boolean;
  gpu?: string;
  model?: string;
  stack?: string;
  scheduler?: string;
  batchSize?: number;
  tp?: number;
  replicas?: number;
  router?: string;
  powerController?: string;
  admission?: string;
  sloTtftS?: number;
  sloTpotS?: number;
  seed?: number;
  powerCapW?: number;
  costModel?: string;
  maxRunSteps?: number;
  json?: boolean;
  out?: string;
  traceEvents?: string;
  progress?: boolean;
  draftModel?: string;
  gamma?: number;
  acceptance?: Record<string, unknown>;
  speculativeBase?: string;
  decoding?: string;
  beamWidth?: number;
  topP?: number;
  temperature?: number;
  allReduce?: string;
  node?: string;
  pue?: number;
  region?: string;
  regions?: string;
  start?: string;
  carbonGPerKwh?: number;
  priceUsdPerKwh?: number;
  lifetimeYears?: number;
  weightDtype?: string;
  kvCacheDtype?: string;
  link?: string;
  prefillGpu?: string;
  prefillTp?: number;
  prefillReplicas?: number;
  decodeGpu?: string;
  decodeTp?: number;
  decodeReplicas?: number;
  prefixCaching?: boolean;
}

/**
 * `--acceptance`: a rate α in [0, 1] (constant per-token acceptance), `beta:A,B` or `uniform:LO,HI` (a rate per
 * request drawn from that distribution).
 */
export function parseAcceptance(value: string): Record<string, unknown> {
  const bad = () => new InputError('--acceptance', '', `expected a rate in [0, 1], beta:A,B or uniform:LO,HI, got "${value}"`);
  const num = (x: string) => {
    const v = Number(x);
    if (x.trim() === '' || !Number.isFinite(v)) throw bad();
    return v;
  };
  const m = /^(beta|uniform):([^,]+),([^,]+)$/.exec(value.trim());
  if (m) {
    const [a, b] = [num(m[2]), num(m[3])];
    if (m[1] === 'uniform' && a > b) throw new InputError('--acceptance', '', `uniform:LO,HI needs LO <= HI, got "${value}"`);
    return m[1] === 'beta'
      ? { kind: 'per_request', distribution: { kind: 'beta', a, b } }
      : { kind: 'per_request', distribution: { kind: 'uniform', lo: a, hi: b } };
  }
  const rate = num(value);
  if (rate < 0 || rate > 1) throw bad();
  return { kind: 'constant', rate };
}

/** `--decoding` with its parameters (`--beam-width`, `--top-p`, `--temperature`) as a scenario `decoding` object. */
function decodingFromFlags(f: RunFlags): Record<string, unknown> | undefined {
  if (f.decoding === undefined) {
    if (f.beamWidth !== undefined) return { kind: 'beam', width: f.beamWidth };
    if (f.topP !== undefined || f.temperature !== undefined) return { kind: 'sampling', ...(f.temperature !== undefined ? { temperature: f.temperature } : {}), ...(f.topP !== undefined ? { top_p: f.topP } : {}) };
    return undefined;
  }
  if (f.decoding === 'beam') return { kind: 'beam', width: f.beamWidth ?? 4 };
  if (f.decoding === 'sampling') return { kind: 'sampling', ...(f.temperature !== undefined ? { temperature: f.temperature } : {}), ...(f.topP !== undefined ? { top_p: f.topP } : {}) };
  return { kind: 'greedy' };
}

/** Each flag that sets a scenario value, and where it puts it (so errors about the value name the flag). */
const FLAG_PLACES: readonly [keyof RunFlags, string, string][] = [
  ['gpu', '--gpu', '/cluster/gpu'],
  ['model', '--model', '/cluster/model'],
  ['stack', '--stack', '/cluster/stack'],
  ['tp', '--tp', '/cluster/tp'],
  ['replicas', '--replicas', '/cluster/replicas'],
  ['router', '--router', '/cluster/router'],
  ['powerController', '--power-controller', '/cluster/power_controller'],
  ['admission', '--admission', '/cluster/admission'],
  ['sloTtftS', '--slo-ttft-s', '/slo/ttft_s'],
  ['sloTpotS', '--slo-tpot-s', '/slo/tpot_s'],
  ['powerCapW', '--power-cap-w', '/cluster/power_cap_w'],
  ['costModel', '--cost-model', '/cluster/cost_model'],
  ['allReduce', '--all-reduce', '/cluster/all_reduce'],
  ['link', '--link', '/cluster/disaggregation/link'],
  ['prefillGpu', '--prefill-gpu', '/cluster/disaggregation/prefill/gpu'],
  ['prefillTp', '--prefill-tp', '/cluster/disaggregation/prefill/tp'],
  ['prefillReplicas', '--prefill-replicas', '/cluster/disaggregation/prefill/replicas'],
  ['decodeGpu', '--decode-gpu', '/cluster/disaggregation/decode/gpu'],
  ['decodeTp', '--decode-tp', '/cluster/disaggregation/decode/tp'],
  ['decodeReplicas', '--decode-replicas', '/cluster/disaggregation/decode/replicas'],
  ['scheduler', '--scheduler', '/cluster/scheduler/kind'],
  ['batchSize', '--batch-size', '/cluster/scheduler/batch_size'],
  ['maxRunSteps', '--max-run-steps', '/cluster/scheduler/max_run_steps'],
  ['draftModel', '--draft-model', '/cluster/scheduler/draft_model'],
  ['gamma', '--gamma', '/cluster/scheduler/gamma'],
  ['acceptance', '--acceptance', '/cluster/scheduler/acceptance'],
  ['speculativeBase', '--speculative-base', '/cluster/scheduler/speculative_base'],
  ['decoding', '--decoding', '/cluster/decoding'],
  ['beamWidth', '--beam-width', '/cluster/decoding/width'],
  ['topP', '--top-p', '/cluster/decoding/top_p'],
  ['temperature', '--temperature', '/cluster/decoding/temperature'],
  ['seed', '--seed', '/seed'],
  ['trace', '--trace', '/workload'],
  ['traceFormat', '--trace-format', '/workload/format'],
  ['offline', '--offline', '/workload/offline'],
  ['node', '--node', '/facility/node'],
  ['pue', '--pue', '/facility/pue'],
  ['region', '--region', '/facility/region'],
  ['regions', '--regions', '/facility/regions'],
  ['start', '--start', '/facility/start'],
  ['carbonGPerKwh', '--carbon-g-per-kwh', '/facility/carbon_g_per_kwh'],
  ['priceUsdPerKwh', '--price-usd-per-kwh', '/facility/price_usd_per_kwh'],
  ['lifetimeYears', '--lifetime-years', '/facility/lifetime_years'],
];

/**
 * Where each given flag put its value, and the flags as a short label (`--stack hf-eager --tp 2`) for titles: a
 * report must not carry the scenario file's title alone when flags changed what ran.
 */
export function flagOrigin(f: RunFlags): { flagPlaces: Record<string, string>; changedBy: string } {
  const flagPlaces: Record<string, string> = {};
  const words: string[] = [];
  for (const [key, flag, pointer] of FLAG_PLACES) {
    const v = f[key];
    if (v === undefined || v === false) continue;
    flagPlaces[pointer] = flag;
    if (v === true) words.push(flag);
    else if (key === 'acceptance') words.push(`${flag} ${describeAcceptanceFlag(v as Record<string, unknown>)}`);
    else words.push(`${flag} ${key === 'trace' ? basename(String(v)) : String(v)}`);
  }
  // beam/sampling parameters given without --decoding make the whole decoding object theirs.
  if (f.decoding === undefined && (f.beamWidth !== undefined || f.topP !== undefined || f.temperature !== undefined)) {
    flagPlaces['/cluster/decoding/kind'] = f.beamWidth !== undefined ? '--beam-width' : f.topP !== undefined ? '--top-p' : '--temperature';
  }
  return { flagPlaces, changedBy: words.join(' ') };
}

function describeAcceptanceFlag(a: Record<string, unknown>): string {
  if (a.kind === 'constant') return String(a.rate);
  const d = a.distribution as Record<string, unknown>;
  return d.kind === 'beta' ? `beta:${d.a},${d.b}` : `uniform:${d.lo},${d.hi}`;
}

/** The facility flags as a partial `facility` section; any of them turns the facility model on. */
function facilityFromFlags(f: RunFlags): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (f.node !== undefined) out.node = f.node;
  if (f.pue !== undefined) out.pue = f.pue;
  if (f.region !== undefined) out.region = f.region;
  if (f.regions !== undefined) Object.assign(out, regionGroupsOverride(parseRegionGroups(f.regions, '--regions')).facility);
  if (f.start !== undefined) out.start = f.start;
  if (f.carbonGPerKwh !== undefined) out.carbon_g_per_kwh = f.carbonGPerKwh;
  if (f.priceUsdPerKwh !== undefined) out.price_usd_per_kwh = f.priceUsdPerKwh;
  if (f.lifetimeYears !== undefined) out.lifetime_years = f.lifetimeYears;
  return Object.keys(out).length ? out : undefined;
}

/** The pool and link flags as a partial `cluster.disaggregation` (merged over the file's). */
function disaggregationFromFlags(f: RunFlags): Record<string, unknown> | undefined {
  const pool = (gpu?: string, tp?: number, replicas?: number) => {
    const p: Record<string, unknown> = {};
    if (gpu !== undefined) p.gpu = gpu;
    if (tp !== undefined) p.tp = tp;
    if (replicas !== undefined) p.replicas = replicas;
    return Object.keys(p).length ? p : undefined;
  };
  const out: Record<string, unknown> = {};
  if (f.link !== undefined) out.link = f.link;
  const prefill = pool(f.prefillGpu, f.prefillTp, f.prefillReplicas);
  const decode = pool(f.decodeGpu, f.decodeTp, f.decodeReplicas);
  if (prefill) out.prefill = prefill;
  if (decode) out.decode = decode;
  return Object.keys(out).length ? out : undefined;
}

function nonNegativeNumber(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new InputError(flag, '', `expected a non-negative number, got "${value}"`);
    return x;
  };
}

/** Flags become a partial scenario merged over the file, so they are validated by the same schema. */
export function overridesFromFlags(f: RunFlags): { overrides: Record<string, unknown>; workload?: Record<string, unknown> } {
  const cluster: Record<string, unknown> = {};
  const scheduler: Record<string, unknown> = {};
  if (f.gpu !== undefined) cluster.gpu = f.gpu;
  if (f.model !== undefined) cluster.model = f.model;
  if (f.stack !== undefined) cluster.stack = f.stack;
  if (f.tp !== undefined) cluster.tp = f.tp;
  if (f.replicas !== undefined) cluster.replicas = f.replicas;
  // Replicas in groups imply the cluster's count (an explicit --replicas that disagrees is reported).
  else if (f.regions !== undefined) cluster.replicas = regionGroupsOverride(parseRegionGroups(f.regions, '--regions')).replicas;
  if (f.router !== undefined) cluster.router = f.router;
  if (f.powerController !== undefined) cluster.power_controller = f.powerController;
  if (f.admission !== undefined) cluster.admission = f.admission;
  if (f.powerCapW !== undefined) cluster.power_cap_w = f.powerCapW;
  const slo: Record<string, unknown> = {};
  if (f.sloTtftS !== undefined) slo.ttft_s = f.sloTtftS;
  if (f.sloTpotS !== undefined) slo.tpot_s = f.sloTpotS;
  if (f.costModel !== undefined) cluster.cost_model = f.costModel;
  if (f.weightDtype !== undefined) cluster.weight_dtype = f.weightDtype;
  if (f.kvCacheDtype !== undefined) cluster.kv_cache_dtype = f.kvCacheDtype;
  if (f.prefixCaching !== undefined) scheduler.prefix_caching = f.prefixCaching;
  const disaggregation = disaggregationFromFlags(f);
  if (disaggregation) cluster.disaggregation = disaggregation;
  if (f.scheduler !== undefined) scheduler.kind = f.scheduler;
  if (f.batchSize !== undefined) scheduler.batch_size = f.batchSize;
  if (f.maxRunSteps !== undefined) scheduler.max_run_steps = f.maxRunSteps;
  if (f.draftModel !== undefined) scheduler.draft_model = f.draftModel;
  if (f.gamma !== undefined) scheduler.gamma = f.gamma;
  if (f.acceptance !== undefined) scheduler.acceptance = f.acceptance;
  if (f.speculativeBase !== undefined) scheduler.speculative_base = f.speculativeBase;
  if (f.allReduce !== undefined) cluster.all_reduce = f.allReduce;
  const decoding = decodingFromFlags(f);
  // A whole object: the scenario's decoding is replaced, not merged (see dropReplacedObjects).
  if (decoding !== undefined) cluster.decoding = decoding;
  if (Object.keys(scheduler).length) cluster.scheduler = scheduler;
  const overrides: Record<string, unknown> = {};
  if (Object.keys(cluster).length) overrides.cluster = cluster;
  if (f.seed !== undefined) overrides.seed = f.seed;
  if (Object.keys(slo).length) overrides.slo = slo;
  const facility = facilityFromFlags(f);
  if (facility) overrides.facility = facility;
  let workload: Record<string, unknown> | undefined;
  if (f.trace !== undefined) {
    // A trace from the command line replaces the scenario's workload and resolves against the working directory.
    workload = { kind: 'trace', path: resolve(f.trace), format: f.traceFormat ?? 'auto' };
  } else if (f.traceFormat !== undefined) {
    overrides.workload = { format: f.traceFormat };
  }
  if (f.offline) {
    workload = workload ? { ...workload, offline: true } : undefined;
    if (!workload) overrides.workload = { ...(overrides.workload as object | undefined), offline: true };
  }
  return { overrides, workload };
}

/**
 * Flags that give a whole tagged object (`--decoding`, `--acceptance`) replace the scenario's object instead of
 * being deep-merged into it: a sampling top_p must not survive into a beam search, nor a per-request distribution
 * into a constant rate.
 */
export function dropReplacedObjects(raw: unknown, f: RunFlags): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  let r = raw as Record<string, unknown>;
  // A region and a carbon intensity are two ways to give one signal: the flag's way replaces the file's.
  if (typeof r.facility === 'object' && r.facility !== null && (f.region !== undefined || f.carbonGPerKwh !== undefined)) {
    const fac = { ...(r.facility as Record<string, unknown>) };
    if (f.region !== undefined) delete fac.carbon_g_per_kwh;
    if (f.carbonGPerKwh !== undefined) delete fac.region;
    delete fac.regions;
    r = { ...r, facility: fac };
  }
  const cluster = r.cluster;
  if (typeof cluster !== 'object' || cluster === null) return raw;
  const c = { ...(cluster as Record<string, unknown>) };
  if (decodingFromFlags(f) !== undefined) delete c.decoding;
  if (f.acceptance !== undefined && typeof c.scheduler === 'object' && c.scheduler !== null) {
    const sch = { ...(c.scheduler as Record<string, unknown>) };
    delete sch.acceptance;
    c.scheduler = sch;
  }
  return { ...r, cluster: c };
}

export function readScenarioJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(path, '', 'cannot read the scenario file');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(path, '', `not valid JSON (${(e as Error).message})`);
  }
}

async function runCommand(scenarioPath: string | undefined, flags: RunFlags): Promise<void> {
  const out = outputPath('--out', flags.out);
  const traceEvents = outputPath('--trace-events', flags.traceEvents);
  // Ids given as flags are checked first, so a bad one is reported against its flag, not the scenario file.
  if (flags.gpu !== undefined) loadGpu(flags.gpu, '--gpu');
  if (flags.model !== undefined) loadArchitecture(flags.model, '--model');
  if (flags.stack !== undefined) loadStack(flags.stack, '--stack');
  if (flags.draftModel !== undefined) loadArchitecture(flags.draftModel, '--draft-model');
  if (flags.node !== undefined) loadNodeType(flags.node, '--node');
  if (flags.region !== undefined) loadRegion(flags.region, '--region');
  if (flags.regions !== undefined) parseRegionGroups(flags.regions, '--regions');
  const path = scenarioPath ? resolve(scenarioPath) : DEFAULT_SCENARIO;
  const raw = readScenarioJson(path) as Record<string, unknown>;
  const { overrides, workload } = overridesFromFlags(flags);
  const base = dropReplacedObjects(workload && typeof raw === 'object' && raw !== null ? { ...raw, workload } : raw, flags);
  const loaded = parseScenario(base, scenarioPath ?? displayPath(path), dirname(path), overrides, flagOrigin(flags));
  const plugins = await loadScenarioPolicies(loaded);
  const started = Date.now();
  let lastReport = started;
  // Progress is for the person watching; it reads the wall clock but never feeds the simulation.
  const onProgress =
    flags.progress === false
      ? undefined
      : (events: number, simulated: number, completed: number) => {
          const now = Date.now();
          if (now - lastReport < 2000) return;
          lastReport = now;
          process.stderr.write(`joulesim: ${completed} requests done, simulated ${simulated.toFixed(0)} s, ${events} events, ${((now - started) / 1000).toFixed(0)} s elapsed\n`);
        };
  const { summary } = await runScenarioInSlices(loaded, { outDir: out, onProgress, traceEventsFile: traceEvents, plugins });
  process.stdout.write(flags.json ? summaryJson(summary) + '\n' : summaryTable(summary));
  if (out && !flags.json) process.stdout.write(`wrote ${join(out, 'summary.json')}, requests.csv, timeseries.csv, report.html\n`);
  if (traceEvents && !flags.json) process.stdout.write(`wrote ${traceEvents} (open in https://ui.perfetto.dev or chrome://tracing)\n`);
}

export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('joulesim')
    .description('Discrete-event simulator of LLM serving energy and latency, calibrated on real GPUs.')
    .version(version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `joulesim: ${s}` : s) });

  program
    .command('run')
    .description('Simulate a scenario (default: scenarios/default.json, the Azure 2023 conversation trace on one H100 with vLLM-style continuous batching).')
    .argument('[scenario]', 'scenario JSON file')
    .option('--trace <file>', 'replay this trace instead of the scenario workload (CSV, Azure, BurstGPT or Mooncake; auto-detected)')
    .addOption(new Option('--trace-format <format>', 'override trace format detection').choices(['auto', 'csv', 'azure', 'burstgpt', 'mooncake']))
    .option('--offline', 'every request arrives at t = 0 (the paper setting)')
    .option('--gpu <id>', 'GPU id (a6000, rtx6000-ada, a100-pcie, a100-sxm, h100-sxm, h200, l40s, b200)')
    .option('--model <id>', 'model id (llama-3.1-8b, llama-3.2-1b, qwen1.5-32b, olmo-1b, olmo-7b, olmoe-1b-7b, ...)')
    .option('--stack <id>', 'serving stack id (hf-eager, hf-compile, hf-paged, vllm, vllm-eager)')
    .addOption(new Option('--scheduler <kind>', `batching policy (default: the stack’s): ${SCHEDULER_POLICIES.map((p) => `${p.name}: ${p.description}`).join('; ')}`).choices([...SCHEDULER_NAMES]))
    .option('--draft-model <id>', 'speculative: the draft model id (e.g. llama-3.2-1b for llama-3.1-8b)')
    .option('--gamma <n>', 'speculative: draft tokens per round (default 4)', positiveInteger('--gamma'))
    .option('--acceptance <a>', 'speculative: per-token acceptance rate α, or beta:A,B / uniform:LO,HI for a rate per request (default 0.7)', parseAcceptance)
    .addOption(new Option('--speculative-base <kind>', 'speculative: the batching the rounds ride on (default: the stack’s)').choices(['static', 'continuous']))
    .addOption(new Option('--decoding <kind>', 'decoding strategy (default greedy)').choices(['greedy', 'sampling', 'beam']))
    .option('--beam-width <n>', 'beam search width (default 4 with --decoding beam)', positiveInteger('--beam-width'))
    .option('--top-p <p>', 'sampling: nucleus threshold in (0, 1]', positiveNumber('--top-p'))
    .option('--temperature <t>', 'sampling: temperature', positiveNumber('--temperature'))
    .addOption(new Option('--all-reduce <mode>', 'tensor-parallel all-reduce: measured table (auto when one exists) or analytic').choices(['auto', 'measured', 'analytic']))
    .option('--batch-size <n>', 'static batch size, or max running sequences for continuous batching', positiveInteger('--batch-size'))
    .option('--tp <n>', 'tensor-parallel GPUs per replica', positiveInteger('--tp'))
    .option('--replicas <n>', 'number of replicas behind the router', positiveInteger('--replicas'))
    .addOption(new Option('--router <kind>', `how arrivals are spread over replicas: ${ROUTERS.map((p) => `${p.name}: ${p.description}`).join('; ')}`).choices([...ROUTER_NAMES]))
    .addOption(new Option('--power-controller <kind>', `what changes GPU settings and sleep states during the run: ${POWER_CONTROLLERS.map((p) => `${p.name}: ${p.description}`).join('; ')}`).choices([...POWER_CONTROLLER_NAMES]))
    .addOption(new Option('--admission <kind>', `which arrivals are let in: ${ADMISSION_POLICIES.map((p) => `${p.name}: ${p.description}`).join('; ')}`).choices([...ADMISSION_NAMES]))
    .option('--seed <n>', 'seed for every random draw', (v) => {
      if (!/^\d+$/.test(v)) throw new InputError('--seed', '', `expected a non-negative integer, got "${v}"`);
      return Number(v);
    })
    .option('--slo-ttft-s <seconds>', 'SLO target for time to first token (summary: SLO attainment and goodput)', positiveNumber('--slo-ttft-s'))
    .option('--slo-tpot-s <seconds>', 'SLO target for time per output token', positiveNumber('--slo-tpot-s'))
    .option('--power-cap-w <watts>', 'per-GPU power cap; steps that would draw more run longer', positiveNumber('--power-cap-w'))
    .addOption(new Option('--cost-model <mode>', 'calibrated profile, transferred profile or datasheet roofline').choices(['auto', 'calibrated', 'roofline']))
    .addOption(new Option('--weight-dtype <dtype>', 'precision of the linear-layer weights (fp8: W8A8 where the GPU has fp8 tensor cores; int4: weight-only); calibrations are bf16, the summary lists what is carried over').choices([...WEIGHT_DTYPES]))
    .addOption(new Option('--kv-cache-dtype <dtype>', 'precision of the KV cache').choices([...KV_CACHE_DTYPES]))
    .option('--prefix-caching', 'continuous batching: share KV blocks of common prompt prefixes (traces with prefix block ids: Mooncake hash_ids)')
    .addOption(new Option('--link <kind>', 'disaggregated serving: prefill and decode on separate pools, the KV cache moving over this link (nvlink inside a node; infiniband or ethernet between nodes)').choices([...LINK_KINDS]))
    .option('--prefill-gpu <id>', 'disaggregated: the prefill pool’s GPU (default: --gpu)')
    .option('--prefill-tp <n>', 'disaggregated: tensor-parallel GPUs per prefill replica', positiveInteger('--prefill-tp'))
    .option('--prefill-replicas <n>', 'disaggregated: prefill replicas (default 1)', positiveInteger('--prefill-replicas'))
    .option('--decode-gpu <id>', 'disaggregated: the decode pool’s GPU (default: --gpu)')
    .option('--decode-tp <n>', 'disaggregated: tensor-parallel GPUs per decode replica', positiveInteger('--decode-tp'))
    .option('--decode-replicas <n>', 'disaggregated: decode replicas (default 1)', positiveInteger('--decode-replicas'))
    .option('--max-run-steps <n>', 'longest decode run priced as one event (1 = step-by-step reference path)', positiveInteger('--max-run-steps'))
    .option('--node <id>', 'facility: node type around the GPUs (dgx-h100, dgx-h200, dgx-a100, pcie-server-4gpu); turns on node, facility, carbon and cost accounting')
    .option('--pue <x>', 'facility: power usage effectiveness, facility energy per IT joule (default 1)', positiveNumber('--pue'))
    .option('--region <id>', 'facility: grid region whose hourly carbon intensity applies (us-ciso, us-pjm)')
    .option('--regions <groups>', 'facility: replicas in several grid regions, REGION:N joined by + (us-ciso:4+us-pjm:4); sets --replicas to the total')
    .option('--carbon-g-per-kwh <g>', 'facility: a constant grid carbon intensity instead of a region', nonNegativeNumber('--carbon-g-per-kwh'))
    .option('--price-usd-per-kwh <usd>', 'facility: a constant electricity price', nonNegativeNumber('--price-usd-per-kwh'))
    .option('--start <time>', "facility: wall-clock time of the run's t = 0, e.g. 2022-11-16T18:00:00Z (default: the trace's own dates)")
    .option('--lifetime-years <y>', 'facility: years the embodied carbon is spread over', positiveNumber('--lifetime-years'))
    .option('--json', 'print the summary as JSON')
    .option('--out <dir>', 'write summary.json, requests.csv, timeseries.csv and report.html to this folder')
    .option('--trace-events <file>', 'write Chrome trace-event JSON of every step (open in Perfetto or chrome://tracing)')
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (scenario: string | undefined, flags: RunFlags) => runCommand(scenario, flags));

  registerCompareCommand(program, { defaultScenario: DEFAULT_SCENARIO, readScenarioJson, overridesFromFlags });
  registerEstimateCommand(program, { defaultScenario: DEFAULT_SCENARIO, readScenarioJson, overridesFromFlags, flagOrigin });
  registerReproduceCommand(program);
  registerSweepCommand(program);
  registerCalibrateCommands(program);
  return program;
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * While a command runs, Ctrl-C (or SIGTERM) removes every output still under its temporary name, says so in one
 * line, and exits 128 + the signal number: outputs are complete or absent. Long simulations return to the event
 * loop between slices (runScenarioInSlices), which is when this handler runs.
 */
function onInterrupt(signal: keyof typeof SIGNAL_EXIT_CODES): void {
  discardPendingOutputs();
  process.stderr.write(`joulesim: interrupted (${signal}); unfinished output files removed\n`);
  process.exit(SIGNAL_EXIT_CODES[signal]);
}

/**
 * A reader that goes away (`joulesim run | head`) ends the program quietly, not with an unhandled 'error' event.
 * Installed once and never removed: the error can arrive after main() has returned.
 */
function onStdoutError(e: Error): void {
  if (isBrokenPipe(e)) process.exit(0);
  process.stderr.write(`joulesim: stdout: ${ioCause(e)}\n`);
  process.exit(2);
}
let stdoutGuarded = false;

export async function main(argv: string[]): Promise<number> {
  const handlers = { SIGINT: () => onInterrupt('SIGINT'), SIGTERM: () => onInterrupt('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  if (!stdoutGuarded) {
    process.stdout.on('error', onStdoutError);
    stdoutGuarded = true;
  }
  clearOutputPlaces();
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    discardPendingOutputs();
    if (e instanceof CommanderError) {
      // commander has already printed its message (or the help text).
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isInputError(e)) {
      // One line even when the detail quotes multi-line input (V8's JSON.parse messages do).
      process.stderr.write(`joulesim: ${e.message.replace(/\r?\n/g, '\\n')}\n`);
      return 2;
    }
    const errno = e as NodeJS.ErrnoException;
    if (typeof errno.code === 'string' && typeof errno.syscall === 'string') {
      // A file operation no writer wrapped: still the user's file and cause in one line, not a crash.
      process.stderr.write(`joulesim: ${errno.path ? displayPath(errno.path) : errno.syscall}: ${ioCause(errno)}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`joulesim: internal error: ${err.message}\n${process.env.JOULESIM_DEBUG ? (err.stack ?? '') + '\n' : ''}`);
    return 1;
  } finally {
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
    clearOutputPlaces();
  }
}
