/**
 * The disaggregated side of buildSimulation: a prefill pool and a decode pool, each with its own GPU, TP degree,
 * stack, cost model and KV cache (vLLM's continuous policy in a prefill-only or decode-only role), a router from the
 * registry per pool, and the link between them, resolved from the GPU file (NVLink) or the pools' node files
 * (InfiniBand, Ethernet).
 */
import { buildCostModel, type BuiltCostModel } from '../cost/buildCostModel.js';
import type { CostParameters, CostProvenanceKind } from '../cost/costParameters.js';
import type { DecodingStrategy } from '../cost/decodingStrategy.js';
import { InputError } from '../errors.js';
import { loadNodeType, knownNodeTypeIds, type NodeType } from '../facility/nodeType.js';
import { inputErrorAt, sourceLabel, sourceOf } from '../inputSource.js';
import type { Architecture } from '../model/architecture.js';
import { loadGpu, type Gpu } from '../model/gpu.js';
import { joulesPerByteOf, type KvLink, type LinkKind } from '../model/kvTransfer.js';
import { kvCacheBytesPerToken } from '../model/modelCosts.js';
import type { Precision } from '../model/precision.js';
import { loadStack } from '../model/stack.js';
import { tensorParallelProblem } from '../model/tensorParallel.js';
import type { PolicyReference } from '../policies/policyEntry.js';
import { buildRouter, resolveReference, routerEntries } from '../policies/resolvePolicies.js';
import { continuousConfigFor, resolvedContinuous } from '../policies/scheduler/continuousPolicy.js';
import type { ResolvedScheduler } from '../policies/scheduler/schedulerPolicy.js';
import type { ContinuousConfig } from '../serving/continuousScheduler.js';
import { memoryBudget } from '../serving/memoryBudget.js';
import type { LoadedScenario } from '../scenario/loadScenario.js';
import type { DisaggregationSetup, PoolSetup } from './simulation.js';

type PoolRole = 'prefill' | 'decode';

/** What the summary says about each pool. */
export interface ResolvedPool {
  readonly gpu: string;
  readonly stack: string;
  readonly tp: number;
  readonly replicas: number;
  readonly router: string;
  readonly node: string | null;
  readonly costKind: CostProvenanceKind;
  readonly scheduler: Record<string, unknown>;
}

export interface ResolvedDisaggregation {
  readonly prefill: ResolvedPool;
  readonly decode: ResolvedPool;
  readonly link: KvLink;
  readonly kvBytesPerToken: number;
}

interface BuiltPool {
  readonly setup: PoolSetup;
  readonly resolved: ResolvedPool;
  readonly cost: BuiltCostModel;
  readonly gpu: Gpu;
  readonly node: NodeType | null;
  readonly scheduler: ResolvedScheduler;
}

const PROVENANCE_ORDER: readonly CostProvenanceKind[] = ['calibrated', 'transferred', 'datasheet'];

/** The node type built around a GPU (the first in models/nodes/ that lists it), or null. */
function nodeFor(gpu: string, named: string | undefined, source: string): NodeType | null {
  if (named !== undefined) return loadNodeType(named, source);
  for (const id of knownNodeTypeIds()) {
    const n = loadNodeType(id, source);
    if (n.gpu_ids?.includes(gpu)) return n;
  }
  return null;
}

export function buildDisaggregation(
  loaded: LoadedScenario,
  arch: Architecture,
  precision: Precision,
  decoding: DecodingStrategy,
): { setup: DisaggregationSetup; resolved: ResolvedDisaggregation; cost: CostParameters; scheduler: ResolvedScheduler; maxContextTokens: number } {
  const { scenario, file, flagPlaces } = loaded;
  const c = scenario.cluster;
  const d = c.disaggregation!;
  const at = (pointer: string) => sourceLabel(file, flagPlaces, pointer);
  const fail = (pointer: string, detail: string) => inputErrorAt(file, flagPlaces, pointer, detail);
  const s = c.scheduler as Record<string, unknown> & { kind?: string; module?: string };
  if (s.module !== undefined) throw fail('/cluster/scheduler/module', 'disaggregated serving runs vLLM’s continuous policy on both pools; a plug-in batching policy is not supported there');
  if (s.kind !== undefined && s.kind !== 'continuous') throw fail('/cluster/scheduler/kind', `disaggregated serving runs vLLM’s continuous policy on both pools, not ${s.kind}`);
  if (decoding.kind === 'beam') throw fail('/cluster/decoding', 'beam search is not modelled with disaggregated serving');
  if (c.power_controller !== 'none') throw fail('/cluster/power_controller', 'power controllers are not modelled with disaggregated serving (pools of different GPUs)');
  if (scenario.facility !== undefined) throw fail('/facility', 'node, facility and grid accounting are not modelled with disaggregated serving yet (pools of different node types)');
  // A flag the run would ignore is a mistake: the pools have their own counts and routers.
  const ownSetting = [
    ['/cluster/replicas', 'replica count (--prefill-replicas, --decode-replicas)'],
    ['/cluster/router', 'router (disaggregation.prefill.router, .decode.router)'],
  ] as const;
  for (const [pointer, what] of ownSetting) {
    if (flagPlaces?.[pointer] !== undefined) throw fail(pointer, `with disaggregated serving each pool has its own ${what}`);
  }
  if (c.profile !== undefined) throw fail('/cluster/profile', 'a profile file belongs to one GPU; with disaggregated serving each pool takes its own calibrated profile');

  const pool = (role: PoolRole): BuiltPool => {
    const p = d[role]!;
    const base = `/cluster/disaggregation/${role}`;
    const gpu = loadGpu(p.gpu ?? c.gpu, at(p.gpu !== undefined ? `${base}/gpu` : '/cluster/gpu'));
    const stack = loadStack(p.stack ?? c.stack, at(p.stack !== undefined ? `${base}/stack` : '/cluster/stack'));
    const tp = p.tp ?? c.tp;
    const tpProblem = tensorParallelProblem(arch, tp);
    if (tpProblem) throw fail(`${base}/tp`, tpProblem);
    if (stack.batching !== 'continuous' || (stack.scheduler_policy !== undefined && stack.scheduler_policy !== 'vllm')) {
      throw fail(`${base}/stack`, `disaggregated serving runs vLLM’s continuous policy; ${stack.id} batches ${stack.scheduler_policy ?? stack.batching}`);
    }
    const capPointer = p.power_cap_w !== undefined ? `${base}/power_cap_w` : '/cluster/power_cap_w';
    const cost = buildCostModel({
      gpu,
      arch,
      stack,
      tp,
      powerCapWatts: p.power_cap_w ?? c.power_cap_w,
      mode: c.cost_model,
      profileFile: undefined,
      allReduce: c.all_reduce,
      allReduceSource: at('/cluster/all_reduce'),
      powerCapSource: sourceOf(file, flagPlaces, capPointer),
      decoding,
      shapeCache: c.shape_cache,
      precision,
    });
    if (cost.params.powerCapWatts <= cost.params.busyBaseWatts) {
      throw fail(capPointer, `a cap of ${cost.params.powerCapWatts} W is below the ${cost.params.busyBaseWatts.toFixed(0)} W a busy ${gpu.id} draws before doing any work`);
    }
    const budget = memoryBudget(gpu, stack, arch, tp, at(base), precision);
    const options = { ...s, ...(p.batch_size !== undefined ? { batch_size: p.batch_size } : {}) };
    // The continuous policy prices no draft model (buildDraftCost is for speculative decoding, refused above).
    const config: ContinuousConfig = continuousConfigFor(
      { file, place: '/cluster/scheduler', flagPlaces, options, gpu, arch, stack, tp, seed: scenario.seed, decoding, precision, cost, budget, buildDraftCost: () => cost },
      cost.work.maxContextTokens,
    );
    const ref = p.router as PolicyReference;
    const router = resolveReference('router', ref, routerEntries, {}, { file, place: `${base}/router` });
    const replicas = p.replicas;
    const node = nodeFor(gpu.id, p.node, at(`${base}/node`));
    const scheduler = resolvedContinuous(config);
    return {
      setup: { replicas, costModel: cost.model, idleWattsPerReplica: cost.params.idleWatts * tp, config, router: buildRouter(router, scenario.seed, replicas) },
      resolved: { gpu: gpu.id, stack: stack.id, tp, replicas, router: router.name, node: node?.id ?? null, costKind: cost.params.provenance.kind, scheduler: scheduler.summary },
      cost,
      gpu,
      node,
      scheduler,
    };
  };
  const prefill = pool('prefill');
  const built = pool('decode');
  // Prefix caching: prompts hit on the prefill pool (and recomputes on the decode pool); one tally for the summary.
  const pc = prefill.setup.config.prefixCaching;
  const dc = built.setup.config.prefixCaching;
  const decode: BuiltPool = pc && dc ? { ...built, setup: { ...built.setup, config: { ...built.setup.config, prefixCaching: { ...dc, stats: pc.stats } } } } : built;
  const link = resolveLink(d.link, prefill, decode, (detail) => fail('/cluster/disaggregation/link', detail));
  const kvBytesPerToken = kvCacheBytesPerToken(arch, precision.kvCache);

  // The run is only as measured as its weaker pool.
  const weaker = PROVENANCE_ORDER.indexOf(prefill.cost.params.provenance.kind) >= PROVENANCE_ORDER.indexOf(decode.cost.params.provenance.kind) ? prefill : decode;
  const pd = prefill.cost.params.provenance;
  const dd = decode.cost.params.provenance;
  const carried = [...new Set([...(pd.carriedOverFromBf16 ?? []), ...(dd.carriedOverFromBf16 ?? [])])];
  const cost: CostParameters = {
    ...weaker.cost.params,
    provenance: {
      kind: weaker.cost.params.provenance.kind,
      description: `prefill pool (${prefill.gpu.id}): ${pd.kind}, ${pd.description}; decode pool (${decode.gpu.id}): ${dd.kind}, ${dd.description}; KV transfer: ${link.basis}, ${link.description}`,
      ...(carried.length ? { carriedOverFromBf16: carried } : {}),
    },
  };
  return {
    setup: {
      prefill: prefill.setup,
      decode: decode.setup,
      link,
      kvBytesPerToken,
      decodeSource: sourceOf(file, flagPlaces, '/cluster/disaggregation/decode'),
    },
    resolved: { prefill: prefill.resolved, decode: decode.resolved, link, kvBytesPerToken },
    cost,
    scheduler: prefill.scheduler,
    maxContextTokens: Math.min(prefill.cost.work.maxContextTokens, decode.cost.work.maxContextTokens),
  };
}

const BASIS_ORDER = ['measured', 'vendor', 'modelled'] as const;
function weakestBasis(...bases: (typeof BASIS_ORDER)[number][]): (typeof BASIS_ORDER)[number] {
  return BASIS_ORDER[Math.max(...bases.map((b) => BASIS_ORDER.indexOf(b)))];
}

/**
 * The link one transfer sees. A replica's KV cache is sharded over its TP GPUs and each GPU sends its shard over
 * its own NVLink or adapter at once, so the rate is per-GPU rate × GPUs, on the narrower side.
 */
function resolveLink(kind: LinkKind, prefill: BuiltPool, decode: BuiltPool, fail: (detail: string) => InputError): KvLink {
  const tpP = prefill.resolved.tp;
  const tpD = decode.resolved.tp;
  if (kind === 'nvlink') {
    const g = prefill.gpu;
    if (decode.gpu.id !== g.id) throw fail(`NVLink joins GPUs inside one node: the prefill pool has ${g.id}, the decode pool ${decode.gpu.id} (use infiniband or ethernet)`);
    const ic = g.interconnect;
    if (ic.kind !== 'nvlink') throw fail(`${g.id} has no NVLink (models/gpus/${g.id}.json: ${ic.kind})`);
    if (ic.energy_pj_per_bit === undefined) throw fail(`models/gpus/${g.id}.json gives no energy per bit for its NVLink`);
    const gpus = prefill.resolved.replicas * tpP + decode.resolved.replicas * tpD;
    const perNode = prefill.node?.gpus_per_node ?? 8;
    if (gpus > perNode) throw fail(`NVLink joins GPUs inside one node: the two pools have ${gpus} GPUs, a node ${perNode}`);
    const gbPerSecond = ic.bandwidth_gb_s * Math.min(tpP, tpD);
    return {
      kind,
      bytesPerSecond: gbPerSecond * 1e9,
      latencySeconds: ic.latency_us * 1e-6,
      joulesPerByte: joulesPerByteOf(ic.energy_pj_per_bit),
      description: `NVLink (${g.id}): ${gbPerSecond} GB/s per transfer (${ic.bandwidth_gb_s} GB/s per GPU × ${Math.min(tpP, tpD)}), ${ic.latency_us} µs, ${ic.energy_pj_per_bit} pJ/bit (energy modelled)`,
      basis: 'modelled',
    };
  }
  const end = (pool: BuiltPool, role: PoolRole) => {
    const n = pool.node;
    if (!n) throw fail(`no node type in models/nodes/ is built around ${pool.gpu.id}, so its ${kind} adapters are unknown (name one with disaggregation.${role}.node)`);
    const f = n.network?.[kind];
    if (!f) throw fail(`models/nodes/${n.id}.json has no ${kind} adapters on file (network.${kind})`);
    return f;
  };
  const a = end(prefill, 'prefill');
  const b = end(decode, 'decode');
  const gbitPerSecond = Math.min(a.gbit_s_per_gpu.value * tpP, b.gbit_s_per_gpu.value * tpD);
  const latencyUs = Math.max(a.latency_us.value, b.latency_us.value);
  const pj = a.energy_pj_per_bit_per_end.value + b.energy_pj_per_bit_per_end.value;
  return {
    kind,
    bytesPerSecond: (gbitPerSecond * 1e9) / 8,
    latencySeconds: latencyUs * 1e-6,
    joulesPerByte: joulesPerByteOf(pj),
    description: `${kind === 'infiniband' ? 'InfiniBand' : 'Ethernet'} (${prefill.node!.id} → ${decode.node!.id}): ${gbitPerSecond} Gb/s per transfer (the slower end: Gb/s per GPU × TP), ${latencyUs} µs, ${pj} pJ/bit (both adapters)`,
    basis: weakestBasis(a.gbit_s_per_gpu.basis, b.gbit_s_per_gpu.basis, a.latency_us.basis, b.latency_us.basis, a.energy_pj_per_bit_per_end.basis, b.energy_pj_per_bit_per_end.basis),
  };
}
