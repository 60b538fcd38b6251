import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { EventQueue, type EventTarget } from '../../sim/engine/eventQueue.js';
import { runStatic, spec } from './helpers.js';

describe('EventQueue', () => {
  it('fires events in (time, insertion) order and advances the clock', () => {
    const q = new EventQueue();
    const log: string[] = [];
    const target = (name: string): EventTarget => ({
      onEvent: (t, token) => log.push(`${name}@${t}#${token}`),
    });
    q.schedule(2, target('c'));
    q.schedule(1, target('a'), 7);
    q.schedule(2, target('d'));
    q.schedule(1, target('b'));
    q.schedule(0.5, target('first'));
    expect(q.pending).toBe(5);
    q.run();
    // Time first; at equal times, the order of scheduling (a before b, c before d).
    expect(log).toEqual(['first@0.5#0', 'a@1#7', 'b@1#0', 'c@2#0', 'd@2#0']);
    expect(q.nowSeconds).toBe(2);
    expect(q.fired).toBe(5);
    expect(q.pending).toBe(0);
  });

  it('the event kept outside the heap fires exactly where schedule() would have put it (time, then sequence)', () => {
    // The same script twice: once with every event in the heap, once with a stream's events outside it.
    const script = (outside: boolean): string[] => {
      const q = new EventQueue();
      const log: string[] = [];
      const plain = (name: string): EventTarget => ({ onEvent: (t) => log.push(`${name}@${t}`) });
      let n = 0;
      const times = [1, 1, 2, 2, 2, 3.5, 5];
      const stream: EventTarget = {
        onEvent: (t) => {
          log.push(`stream${n}@${t}`);
          // Heap events at the same instant, scheduled before and after the stream's next one.
          q.schedule(t, plain(`same-before${n}`));
          const next = times[++n];
          if (next !== undefined) {
            if (outside) q.scheduleOutside(next, stream);
            else q.schedule(next, stream);
          }
          q.schedule(next ?? t, plain(`tie-after${n}`));
        },
      };
      q.schedule(1, plain('early-tie'));
      if (outside) q.scheduleOutside(times[0], stream);
      else q.schedule(times[0], stream);
      q.schedule(1, plain('late-tie'));
      q.schedule(2, plain('at2'));
      const cancelled = q.schedule(1.5, plain('cancelled'));
      q.cancel(cancelled);
      expect(q.pending).toBe(4);
      q.run();
      expect(q.pending).toBe(0);
      return [...log, `fired ${q.fired}`];
    };
    const inHeap = script(false);
    expect(script(true)).toEqual(inHeap);
    expect(inHeap).toContain('stream6@5');
  });

  it('reschedule() fires exactly as cancel() then schedule() would (random script against the reference)', () => {
    const run = (inPlace: boolean): string[] => {
      const random = seedrandom('reschedule');
      const q = new EventQueue();
      const log: string[] = [];
      const handles: number[] = [];
      let made = 0;
      const target = (name: string): EventTarget => ({
        onEvent: (t, token) => {
          log.push(`${name}@${t}#${token}`);
          // Each firing schedules a few more and moves some pending ones (earlier, later, to the same time).
          for (let k = 0; k < 2 && made < 3000; k++) handles.push(q.schedule(t + Math.floor(random() * 8) / 4, target(`e${made++}`), made));
          for (let k = 0; k < 2 && handles.length > 0 && made < 3000; k++) {
            const i = Math.floor(random() * handles.length);
            const when = t + Math.floor(random() * 8) / 4;
            const who = target(`moved${made++}`);
            if (inPlace) handles[i] = q.reschedule(handles[i], when, who, made);
            else {
              q.cancel(handles[i]);
              handles[i] = q.schedule(when, who, made);
            }
          }
        },
      });
      for (let i = 0; i < 5; i++) handles.push(q.schedule(i / 4, target(`seed${i}`), i));
      q.run();
      return [...log, `fired ${q.fired}`, `pending ${q.pending}`];
    };
    const reference = run(false);
    expect(reference.length).toBeGreaterThan(1000);
    expect(run(true)).toEqual(reference);
  });

  it('events scheduled while running, at the current time, run after those already queued for that time', () => {
    const q = new EventQueue();
    const log: string[] = [];
    const late: EventTarget = { onEvent: (t) => log.push(`late@${t}`) };
    const queued: EventTarget = { onEvent: (t) => log.push(`queued@${t}`) };
    const spawner: EventTarget = {
      onEvent: (t) => {
        log.push(`spawner@${t}`);
        q.schedule(t, late);
      },
    };
    q.schedule(1, spawner);
    q.schedule(1, queued);
    q.run();
    expect(log).toEqual(['spawner@1', 'queued@1', 'late@1']);
  });

  it('a cancelled event never fires; the others keep their order', () => {
    const q = new EventQueue();
    const log: string[] = [];
    const t = (name: string): EventTarget => ({ onEvent: () => log.push(name) });
    q.schedule(1, t('a'));
    const b = q.schedule(1, t('b'));
    q.schedule(2, t('c'));
    q.cancel(b);
    expect(q.pending).toBe(2);
    q.run();
    expect(log).toEqual(['a', 'c']);
  });

  it('scheduling in the past throws; at the current time is allowed; NaN is refused', () => {
    const q = new EventQueue();
    let thrown: unknown = null;
    const target: EventTarget = {
      onEvent: (t) => {
        try {
          q.schedule(t - 0.001, { onEvent: () => {} });
        } catch (e) {
          thrown = e;
        }
        q.schedule(t, { onEvent: () => {} });
      },
    };
    q.schedule(3, target);
    q.run();
    expect(String(thrown)).toMatch(/event scheduled in the past: 2\.999 < now 3/);
    expect(q.fired).toBe(2);
    expect(() => q.schedule(Number.NaN, target)).toThrow(/in the past/);
  });
});

describe('arrivals', () => {
  it('same-time arrivals are delivered together: an offline static batch fills up to B', () => {
    // Batch size 3; five requests at t = 0 → batches of 3 and 2 (not 1 + ...: the replica starts only after every
    // request arriving at this instant is queued). Two more at t = 10 (replica idle by then) → one batch of 2.
    const specs = [
      spec(0, 0, 10, 1),
      spec(1, 0, 10, 1),
      spec(2, 0, 10, 1),
      spec(3, 0, 10, 1),
      spec(4, 0, 10, 1),
      spec(5, 10, 10, 1),
      spec(6, 10, 10, 1),
    ];
    const { rec } = runStatic(specs, { batchSize: 3 });
    const prefills = rec.works.filter((w) => w.work.kind === 'step');
    expect(prefills.map((w) => w.chunks!.length)).toEqual([3, 2, 2]);
    expect(prefills.map((w) => w.start)).toEqual([0, prefills[0].end, 10]);
  });
});
