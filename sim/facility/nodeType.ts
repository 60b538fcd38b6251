/** Node types: `models/nodes/<id>.json`, the server's power states and embodied carbon with their sources. */
import { join } from 'node:path';
import { listIds, loadDataFile } from '../model/dataFiles.js';
import { modelsDir } from '../paths.js';
import { nodeSchema, type NodeType } from './nodeSchema.js';

export type { NodeType } from './nodeSchema.js';

export const nodesDir = join(modelsDir, 'nodes');

export function loadNodeType(id: string, source = '--node', dir = nodesDir): NodeType {
  return loadDataFile<NodeType>({ noun: 'node type', schema: nodeSchema }, id, source, dir);
}

export function knownNodeTypeIds(dir = nodesDir): string[] {
  return listIds(dir);
}

/** Watts the node draws with nothing running: every constant part. */
export function nodeFloorWatts(n: NodeType): number {
  const p = n.power_w;
  return p.cpu_idle.value + p.dram.value + p.nic.value + p.rest.value;
}

/** The weakest basis among the numbers the power model uses: a node is only as measured as its least part. */
export function nodePowerBasis(n: NodeType): 'measured' | 'vendor' | 'modelled' {
  const p = n.power_w;
  const bases = [p.cpu_idle, p.cpu_busy_per_replica, p.dram, p.nic, p.rest, p.gpu_proportional_fraction].map((x) => x.basis);
  if (bases.includes('modelled')) return 'modelled';
  if (bases.includes('vendor')) return 'vendor';
  return 'measured';
}
