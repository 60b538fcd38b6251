/**
 * Prints the modelled energy-vs-clock curve of one decode step and one prefill step for the calibrated profiles that
 * price by kernel class (docs/COST-MODEL.md, "Locked SM clocks"): step time, energy per token and average power at
 * each locked SM clock, and the change against the top clock. Run: npm run build && node dist/bench/clockCurve.js
 */
import { buildCostModel } from '../sim/cost/buildCostModel.js';
import { decodeOnlyStep, type Step } from '../sim/cost/step.js';
import { loadArchitecture } from '../sim/model/architecture.js';
import { loadGpu } from '../sim/model/gpu.js';
import { loadStack } from '../sim/model/stack.js';

const CASES = [['h200', 'hf-eager'], ['h200', 'hf-paged'], ['h100-sxm', 'hf-eager'], ['h100-sxm', 'vllm']] as const;
const CLOCKS = [1980, 1800, 1600, 1400, 1200, 1000, 800, 600];
const prefill2048: Step = { chunkNewTokens: [2048], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 };
const decode16 = decodeOnlyStep(16, 16 * 1024);

const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;

for (const [gpu, stack] of CASES) {
  const sel = { gpu: loadGpu(gpu), arch: loadArchitecture('llama-3.1-8b'), stack: loadStack(stack), tp: 1, mode: 'auto' as const };
  const top = buildCostModel(sel);
  console.log(`\n${gpu} ${stack} (${top.params.provenance.kind}, ${top.params.kernelClasses ? 'kernel-class' : 'roofline'} form), Llama-3.1-8B`);
  console.log('| SM clock | decode 16 × 1024: ms | J/token | W | Δ J/token | prefill 2048: ms | J | W | Δ J |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const d0 = top.model.stepCost(decode16);
  const p0 = top.model.stepCost(prefill2048);
  for (const f of CLOCKS) {
    const m = buildCostModel({ ...sel, smClockMhz: f }).model;
    const d = m.stepCost(decode16);
    const p = m.stepCost(prefill2048);
    console.log(
      `| ${f} | ${(d.seconds * 1e3).toFixed(2)} | ${(d.joules / 16).toFixed(3)} | ${(d.joules / d.seconds).toFixed(0)} | ${pct(d.joules / d0.joules - 1)} ` +
        `| ${(p.seconds * 1e3).toFixed(1)} | ${p.joules.toFixed(1)} | ${(p.joules / p.seconds).toFixed(0)} | ${pct(p.joules / p0.joules - 1)} |`,
    );
  }
}
