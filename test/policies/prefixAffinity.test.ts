import { describe, expect, it } from 'vitest';
import { prefixAffinityRouter } from '../../sim/policies/router/prefixAffinity.js';
import type { ReplicaView, RequestView } from '../../sim/serving/policyApi.js';

function request(id: number, ids?: number[]): RequestView {
  return { id, arrivalSeconds: 0, inputTokens: 1000, outputTokens: 10, generatedTokens: 0, preemptions: 0, ...(ids ? { prefixBlockIds: ids } : {}) };
}

function replicas(loads: number[]): ReplicaView[] {
  return loads.map((outstanding) => ({ outstanding }) as unknown as ReplicaView);
}

describe('prefix_affinity router, by hand', () => {
  it('follows the deepest block seen before, within the imbalance allowed; else the least loaded', () => {
    const router = prefixAffinityRouter(2);
    // Nothing seen: least loaded (replica 1). Blocks 0, 10 now point at 1.
    expect(router.route(request(0, [0, 10]), replicas([3, 0, 1]), 0)).toBe(1);
    // A new conversation sharing only block 0 (a system prompt): its deepest known block is 0 → replica 1, allowed
    // (1 outstanding there, least is 0: within 2).
    expect(router.route(request(1, [0, 20]), replicas([0, 1, 0]), 0)).toBe(1);
    // Conversation 10's next turn: 0 → 1, 10 → 1, 11 unknown: replica 1, though 0 and 2 are idle (2 ≤ 0 + 2).
    expect(router.route(request(2, [0, 10, 11]), replicas([0, 2, 0]), 0)).toBe(1);
    // Replica 1 too busy (3 > 0 + 2): least loaded, replica 0; its blocks now point at 0.
    expect(router.route(request(3, [0, 10, 11, 12]), replicas([0, 3, 0]), 0)).toBe(0);
    expect(router.route(request(4, [0, 10, 11, 12, 13]), replicas([1, 0, 0]), 0)).toBe(0);
    // No prefix ids: least loaded.
    expect(router.route(request(5), replicas([2, 1, 0]), 0)).toBe(2);
  });
});
