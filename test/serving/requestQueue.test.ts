/**
 * The waiting queue keeps deep, fresh requests as numbers (requestQueue.ts): whatever it keeps, it hands back the
 * same requests in the same order, with every field equal, and a short queue hands back the very objects.
 */
import { describe, expect, it } from 'vitest';
import { LiveRequest } from '../../sim/serving/liveRequest.js';
import { KEEP_OBJECTS, RequestQueue } from '../../sim/serving/requestQueue.js';
import type { RequestSpec } from '../../sim/workload/request.js';
import { rng } from '../core/helpers.js';

const fresh = (id: number): LiveRequest => new LiveRequest({ id, arrivalSeconds: id * 0.37 + 1e-7, inputTokens: 100 + (id % 13), outputTokens: 1 + (id % 7) });

/** Everything a scheduler reads of a request. */
function fields(r: LiveRequest): unknown {
  const { prev, next, ...rest } = r;
  return { ...rest, spec: { ...r.spec }, prev: prev?.spec.id ?? null, next: next?.spec.id ?? null, fresh: r.isFresh() };
}

describe('RequestQueue', () => {
  it('a short queue hands back the objects it was given', () => {
    const q = new RequestQueue();
    const rs = Array.from({ length: KEEP_OBJECTS }, (_, i) => fresh(i));
    for (const r of rs) q.push(r);
    for (const r of rs) expect(q.shift()).toBe(r);
    expect(q.length).toBe(0);
  });

  it('an arrival pushed as its spec is the same as one pushed as a fresh request, short queue or deep', () => {
    const bySpec = new RequestQueue();
    const byRequest = new RequestQueue();
    const n = 3 * KEEP_OBJECTS;
    for (let i = 0; i < n; i++) {
      const r = fresh(i);
      // Some specs carry prefix ids (never kept as numbers).
      const spec: RequestSpec = i % 50 === 7 ? { ...r.spec, prefixBlockIds: [i], prefixBlockTokens: 16 } : r.spec;
      bySpec.pushSpec(spec);
      byRequest.push(new LiveRequest(spec));
    }
    expect(bySpec.length).toBe(n);
    for (let i = 0; i < n; i++) expect(fields(bySpec.shift()!)).toEqual(fields(byRequest.shift()!));
    expect(bySpec.length).toBe(0);
  });

  it('random pushes, front pushes and shifts over a deep queue: the same requests in the same order, fields equal', () => {
    const random = rng('request-queue');
    const q = new RequestQueue();
    const model: LiveRequest[] = [];
    let id = 0;
    for (let op = 0; op < 20_000; op++) {
      const x = random();
      if (x < 0.55) {
        const r = fresh(id++);
        if (random() < 0.1) {
          // A request the queue must keep as is: preempted, or with prefix ids, or a spec with an extra field.
          const kind = Math.floor(random() * 3);
          if (kind === 0) {
            r.preemptions = 1;
            r.promptTokens += 3;
          } else if (kind === 1) {
            (r as { spec: RequestSpec }).spec = { ...r.spec, prefixBlockIds: [1, 2], prefixBlockTokens: 16 };
          } else {
            (r as { spec: RequestSpec }).spec = { ...r.spec, tag: 'x' } as RequestSpec;
          }
        }
        if (random() < 0.1) {
          q.pushFront(r);
          model.unshift(r);
        } else {
          q.push(r);
          model.push(r);
        }
      } else if (x < 0.6) {
        expect(q.peek() === undefined).toBe(model.length === 0);
        if (model.length > 0) expect(q.peek()).toBe(q.peek());
      } else if (model.length > 0) {
        const want = model.shift()!;
        const got = q.shift()!;
        expect(fields(got)).toEqual(fields(want));
      }
      expect(q.length).toBe(model.length);
    }
    while (model.length > 0) expect(fields(q.shift()!)).toEqual(fields(model.shift()!));
    expect(q.shift()).toBeUndefined();
  });
});
