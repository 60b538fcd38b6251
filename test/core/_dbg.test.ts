import { it } from 'vitest';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { tinyParams, tinyWork } from './helpers.js';
it('dbg', () => {
  const m = new StepCostModel(tinyWork(), tinyParams());
  const c = m.decodeRun(2, 200);
  console.log(c, c.secondsUpTo(4), m.decodeRunCost(2, 200, 0, 4));
});
