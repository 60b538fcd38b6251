/**
 * Power states and GPU settings changed during a run, checked by hand on the tiny cost model of test/core/helpers
 * (a step of ≤ 10 tokens takes 0.02 s; idle 100 W; busy floor 200 W; cap 1000 W).
 */
import { describe, expect, it } from 'vitest';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { simulate, type SimulationSetup } from '../../sim/run/simulation.js';
import { autoscaleEntry } from '../../sim/policies/power/autoscale.js';
import { ContinuousScheduler } from '../../sim/serving/continuousScheduler.js';
import type { GpuSetting, PowerController } from '../../sim/serving/policyApi.js';
import { continuousConfig, expectClose, memorySource, Recorder, spec, tinyParams, tinyWork } from '../core/helpers.js';

function setup(specs: ReturnType<typeof spec>[], over: Partial<SimulationSetup>, rec: Recorder): SimulationSetup {
  const params = tinyParams();
  return {
    source: memorySource(specs),
    replicas: 1,
    router: 'round_robin',
    makeScheduler: (onFinished) => new ContinuousScheduler(continuousConfig(), onFinished),
    costModel: new StepCostModel(tinyWork(), params),
    idleWattsPerReplica: params.idleWatts,
    intervalSeconds: 0.1,
    maxIntervals: 10_000,
    rowWriter: rec,
    observer: rec,
    ...over,
  };
}

describe('replica sleep states (autoscale controller)', () => {
  it('sleeps after the idle timeout, draws sleep power, wakes on an arrival after the wake-up latency', () => {
    const rec = new Recorder();
    const params = tinyParams();
    const model = new StepCostModel(tinyWork(), params);
    const built = autoscaleEntry.create({ options: { idle_timeout_s: 1, min_awake: 0, tick_s: 0.5 }, random: () => 0, replica: -1, replicas: 1 })!;
    const result = simulate(
      setup([spec(0, 0, 5, 1), spec(1, 5, 5, 1)], {
        power: {
          replica: { initialSetting: { smClockMhz: null, powerLimitWatts: 1000 }, costFor: () => model, sleepWatts: 10, wakeSeconds: 0.4 },
          control: { ...built, name: 'autoscale', gpu: { tdpWatts: 1000, maxSmClockMhz: null } },
        },
        slo: { ttftSeconds: 0.1 },
      }, rec),
    );
    // Request 0: one 0.02 s step. Idle from 0.02; the tick at 1.5 s is the first with ≥ 1 s idle: asleep 1.5 → 5.
    // Request 1 arrives at 5, wakes the replica (0.4 s at idle power), runs 5.4 → 5.42.
    const rows = rec.byId();
    expectClose(rows.get(1)!.firstToken, 5.42, 1e-12);
    expectClose(result.makespanSeconds, 5.42, 1e-12);
    expect(result.replicaStates).toEqual([{ asleepSeconds: 3.5, wakeups: 1 }]);
    const t = result.ledger.totals();
    expectClose(t.idle, 100 * (1.5 - 0.02) + 10 * (5 - 1.5) + 100 * 0.4, 1e-12);
    // Conservation: busy energy is the two steps', and attributed + idle is the total.
    const step = model.stepCost({ chunkNewTokens: [5], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 });
    expectClose(t.prefill + t.decode, 2 * step.joules, 1e-12);
    expectClose(result.metrics.attributedJoules + t.idle, t.total, 1e-12);
    // SLO: request 0's TTFT is 0.02 s, request 1's 0.42 s (the wake-up): one of two within 0.1 s.
    expect(result.metrics.sloAttained).toBe(1);
  });

  it('keeps min_awake replicas awake and sleeps the longest idle first', () => {
    const view = {
      nowSeconds: 10,
      reason: 'tick' as const,
      gpu: { tdpWatts: 700, maxSmClockMhz: null },
      replicas: [0, 1, 2].map((index) => ({ index, outstanding: 0, running: 0, queued: 0, state: 'awake' as const, idleSinceSeconds: [5, 2, 2][index], gpu: { smClockMhz: null, powerLimitWatts: 700 }, phase: null, lastDecodeStepSeconds: null })),
    };
    const built = autoscaleEntry.create({ options: { idle_timeout_s: 1, min_awake: 1, tick_s: 1 }, random: () => 0, replica: -1, replicas: 3 })!;
    // Replicas 1 and 2 have been idle longest (since 2 s); ties go to the higher index first. One stays awake.
    expect(built.controller.decide(view)).toEqual([
      { replica: 2, state: 'asleep' },
      { replica: 1, state: 'asleep' },
    ]);
  });
});

describe('GPU settings changed by a controller', () => {
  it('a power limit takes effect after its settling time: the next compute-bound step stretches to the new cap', () => {
    const rec = new Recorder();
    const params = tinyParams();
    const models = new Map<number, StepCostModel>();
    const costFor = (s: GpuSetting) => {
      if (!models.has(s.powerLimitWatts)) models.set(s.powerLimitWatts, new StepCostModel(tinyWork(), { ...params, powerCapWatts: s.powerLimitWatts }));
      return models.get(s.powerLimitWatts)!;
    };
    let asked = false;
    const controller: PowerController = {
      decide: (view) => {
        if (asked || view.reason !== 'tick') return [];
        asked = true;
        return [{ replica: 0, setting: { powerLimitWatts: 250 } }];
      },
    };
    simulate(
      setup([spec(0, 0, 1000, 1), spec(1, 1.5, 1000, 1)], {
        costModel: costFor({ smClockMhz: null, powerLimitWatts: 1000 }),
        makeScheduler: (onFinished) => new ContinuousScheduler(continuousConfig({ maxBatchedTokens: 4096, totalBlocks: 1000 }), onFinished),
        power: {
          replica: { initialSetting: { smClockMhz: null, powerLimitWatts: 1000 }, costFor, sleepWatts: 100, wakeSeconds: 0 },
          control: { controller, name: 'test controller', tickSeconds: 0.5, everyBoundary: false, settlingSeconds: 0.5, gpu: { tdpWatts: 1000, maxSmClockMhz: null } },
        },
      }, rec),
    );
    // 1000 tokens: 0.01 + 1000·1e9/1e12 = 1.01 s at 200 W + 101 J / 1.01 s = 300 W, under the 1000 W cap.
    // Asked at the 0.5 s tick, settled at 1.0 s: request 1 (1.5 s) runs under 250 W: 101 J / (250 − 200) W = 2.02 s.
    const [a, b] = rec.works;
    expectClose(a.end - a.start, 1.01, 1e-12);
    expectClose(b.start, 1.5, 1e-12);
    expectClose(b.end - b.start, 2.02, 1e-12);
    expectClose(b.joules / (b.end - b.start), 250, 1e-12);
  });

  it('a controller that names a replica that does not exist is stopped with one line naming it', () => {
    const rec = new Recorder();
    const controller: PowerController = { decide: () => [{ replica: 3, state: 'asleep' }] };
    const model = new StepCostModel(tinyWork(), tinyParams());
    expect(() =>
      simulate(
        setup([spec(0, 0, 5, 1)], {
          power: {
            replica: { initialSetting: { smClockMhz: null, powerLimitWatts: 1000 }, costFor: () => model, sleepWatts: 10, wakeSeconds: 0 },
            control: { controller, name: './ctl.js', tickSeconds: 1, everyBoundary: true, settlingSeconds: 0, gpu: { tdpWatts: 1000, maxSmClockMhz: null } },
          },
        }, rec),
      ),
    ).toThrow(/^\.\/ctl\.js: decide\(\) at t = 0\.02 s named replica 3; there are 1$/);
  });
});
