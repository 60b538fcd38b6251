/**
 * Where replicas sit: packed onto nodes in order, as many whole replicas per node as its GPU slots hold. A node's
 * floor power is shared evenly by the replicas on it, so a half-empty node charges its whole floor to the
 * replicas it does hold (the slots nobody uses are not powered GPUs in this model).
 */
import { InputError } from '../errors.js';

export interface Placement {
  readonly nodes: number;
  readonly replicasPerNode: number;
  /** Node of each replica. */
  readonly nodeOf: readonly number[];
  /** Replicas on each node. */
  readonly replicasOn: readonly number[];
  /** GPU slots no replica uses, over all nodes. */
  readonly emptyGpuSlots: number;
}

export function placeReplicas(replicas: number, gpusPerReplica: number, gpusPerNode: number, nodeId: string, source: string): Placement {
  if (gpusPerReplica > gpusPerNode) {
    throw new InputError(source, '', `a replica of ${gpusPerReplica} GPUs (tp) does not fit a ${nodeId} node of ${gpusPerNode} GPUs`);
  }
  const perNode = Math.floor(gpusPerNode / gpusPerReplica);
  const nodes = Math.ceil(replicas / perNode);
  const nodeOf = Array.from({ length: replicas }, (_, i) => Math.floor(i / perNode));
  const replicasOn = Array.from({ length: nodes }, (_, n) => Math.min(perNode, replicas - n * perNode));
  return { nodes, replicasPerNode: perNode, nodeOf, replicasOn, emptyGpuSlots: nodes * gpusPerNode - replicas * gpusPerReplica };
}

/**
 * Replicas in groups (one per grid region), each group packed onto its own nodes: a node sits in one building, so
 * groups never share one. Node numbers run on across groups.
 */
export function placeGroups(groupReplicas: readonly number[], gpusPerReplica: number, gpusPerNode: number, nodeId: string, source: string): Placement {
  const nodeOf: number[] = [];
  const replicasOn: number[] = [];
  let emptyGpuSlots = 0;
  let replicasPerNode = 0;
  for (const count of groupReplicas) {
    const p = placeReplicas(count, gpusPerReplica, gpusPerNode, nodeId, source);
    const offset = replicasOn.length;
    for (const n of p.nodeOf) nodeOf.push(n + offset);
    replicasOn.push(...p.replicasOn);
    emptyGpuSlots += p.emptyGpuSlots;
    replicasPerNode = p.replicasPerNode;
  }
  return { nodes: replicasOn.length, replicasPerNode, nodeOf, replicasOn, emptyGpuSlots };
}
