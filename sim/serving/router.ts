/** The built-in routing rules, as Router objects (the router registry names them; plug-ins implement Router too). */
import type { ReplicaView, Router } from './policyApi.js';

export type RouterKind = 'round_robin' | 'least_outstanding';

export interface RoutableReplica {
  outstanding(): number;
}

export function roundRobinRouter(): Router {
  let next = 0;
  return {
    route: (_request, replicas) => {
      const chosen = next;
      next = (next + 1) % replicas.length;
      return chosen;
    },
  };
}

/** Least outstanding (waiting + running); ties go to the lowest index, so the choice is deterministic. */
export function leastOutstandingRouter(): Router {
  return {
    route: (_request, replicas: readonly ReplicaView[]) => {
      let best = 0;
      let bestLoad = replicas[0].outstanding;
      for (let i = 1; i < replicas.length; i++) {
        const load = replicas[i].outstanding;
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
        }
      }
      return best;
    },
  };
}

export function builtinRouter(kind: RouterKind): Router {
  return kind === 'round_robin' ? roundRobinRouter() : leastOutstandingRouter();
}

/** A routing function over replicas that only report their load (tests and small tools). */
export function makeRouter(kind: RouterKind, replicas: readonly RoutableReplica[]): () => number {
  const router = builtinRouter(kind);
  const views = replicas.map((r, index) => ({
    index,
    get outstanding() {
      return r.outstanding();
    },
    running: 0,
    queued: 0,
    state: 'awake' as const,
    idleSinceSeconds: null,
    gpu: { smClockMhz: null, powerLimitWatts: Number.POSITIVE_INFINITY },
    phase: null,
    lastDecodeStepSeconds: null,
  }));
  const dummy = { id: 0, arrivalSeconds: 0, inputTokens: 0, outputTokens: 0, generatedTokens: 0, preemptions: 0 };
  return () => router.route(dummy, views, 0);
}
