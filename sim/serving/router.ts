/** Picks the replica an arriving request goes to. */
export type RouterKind = 'round_robin' | 'least_outstanding';

export interface RoutableReplica {
  outstanding(): number;
}

export function makeRouter(kind: RouterKind, replicas: readonly RoutableReplica[]): () => number {
  if (kind === 'round_robin') {
    let next = 0;
    return () => {
      const chosen = next;
      next = (next + 1) % replicas.length;
      return chosen;
    };
  }
  // Least outstanding (waiting + running); ties go to the lowest index, so the choice is deterministic.
  return () => {
    let best = 0;
    let bestLoad = replicas[0].outstanding();
    for (let i = 1; i < replicas.length; i++) {
      const load = replicas[i].outstanding();
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return best;
  };
}
