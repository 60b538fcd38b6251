import { describe, expect, it } from 'vitest';
import { amortisedKgco2e } from '../../sim/facility/embodied.js';
import { hostBusySeconds } from '../../sim/facility/hostBusy.js';
import { loadNodeType, knownNodeTypeIds, nodeFloorWatts, nodePowerBasis } from '../../sim/facility/nodeType.js';
import { placeReplicas } from '../../sim/facility/placement.js';
import { knownRegionIds, loadRegion } from '../../sim/facility/region.js';
import { gpuEmbodiedKgco2e } from '../../sim/facility/embodiedGpus.js';
import { knownGpuIds } from '../../sim/model/gpu.js';
import { expectClose, tinyParams } from '../core/helpers.js';

describe('host-busy time from the cost model', () => {
  const p = tinyParams({ stepOverheadSeconds: 0.01, overlappedOverheadSeconds: 0.004, perSequenceOverheadSeconds: 0.001 });
  it('a step: fixed + overlapped + per sequence (chunks and decodes), never more than the step', () => {
    const step = { chunkNewTokens: [5, 6, 7], chunkCachedTokens: [0, 0, 0], chunksProducingToken: 3, decodeCount: 2, decodeContextSum: 40 };
    expectClose(hostBusySeconds(p, { kind: 'step', step }, 1, 1), 0.01 + 0.004 + 5 * 0.001, 1e-12);
    expect(hostBusySeconds(p, { kind: 'step', step }, 1, 0.012)).toBe(0.012);
  });
  it('a decode run: per step done, not per step planned', () => {
    const run = { kind: 'decodeRun' as const, sequences: 4, contextSum0: 100, steps: 10, interruptible: true };
    expectClose(hostBusySeconds(p, run, 7, 100), 7 * (0.014 + 0.004), 1e-12);
  });
});

describe('placement and embodied carbon', () => {
  it('packs whole replicas per node; the last node may be partly empty', () => {
    const pl = placeReplicas(3, 2, 4, 'n', 'test');
    expect(pl).toEqual({ nodes: 2, replicasPerNode: 2, nodeOf: [0, 0, 1], replicasOn: [2, 1], emptyGpuSlots: 2 });
    expect(() => placeReplicas(1, 8, 4, 'n', 'test')).toThrow(/a replica of 8 GPUs \(tp\) does not fit a n node of 4 GPUs/);
  });
  it('amortises evenly over the service life', () => {
    expectClose(amortisedKgco2e(1000, 5, 3600), (1000 * 3600) / (5 * 365.25 * 86400), 1e-15);
  });
});

describe('shipped data', () => {
  it('every node type loads, says its basis, and its floor is below its rated maximum', () => {
    const ids = knownNodeTypeIds();
    expect(ids).toEqual(['dgx-a100', 'dgx-h100', 'dgx-h200', 'pcie-server-4gpu']);
    for (const id of ids) {
      const n = loadNodeType(id);
      expect(nodePowerBasis(n)).toBe('modelled');
      if (n.max_system_w) expect(nodeFloorWatts(n)).toBeLessThan(n.max_system_w.value);
    }
  });
  it('every GPU has an embodied-carbon figure; every region loads its series file', () => {
    for (const g of knownGpuIds()) expect(gpuEmbodiedKgco2e(g, 'test').value).toBeGreaterThan(0);
    expect(knownRegionIds()).toEqual(['us-ciso', 'us-pjm']);
    for (const r of knownRegionIds()) expect(loadRegion(r).licence).toMatch(/public domain/);
  });
});
