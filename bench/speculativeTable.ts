/**
 * docs/MECHANISMS.md §1's table: the energy change of speculative decoding (γ = 4, Llama-3.2-1B drafting for
 * Llama-3.1-8B) against autoregressive decoding on the same batching, offline, input 512, output 64, datasheet
 * roofline, batch 1 … 128, and the makespan change of the H100 hf-eager static row at α = 0.7. Each point runs
 * `mult` × max(16, 2b) requests (default mult 4: the direction tests' sample, large enough that the draws' noise
 * does not reorder neighbouring batch sizes).
 *
 *   node dist/bench/speculativeTable.js [mult]
 */
import { runScenario } from '../sim/run/runScenario.js';
import { parseScenario } from '../sim/scenario/loadScenario.js';
import type { Summary } from '../sim/report/summary.js';

const BATCHES = [1, 2, 4, 8, 16, 32, 64, 128];

function run(cluster: Record<string, unknown>, count: number): Summary {
  const scenario = {
    name: 'speculative table',
    seed: 1,
    workload: { kind: 'synthetic', arrival: { process: 'offline' }, count, lengths: { kind: 'fixed', input_tokens: 512, output_tokens: 64 } },
    cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'hf-eager', cost_model: 'roofline', ...cluster },
  };
  return runScenario(parseScenario(scenario, 'speculativeTable', process.cwd())).summary;
}

const pct = (x: number, base: number) => 100 * (x / base - 1);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

interface Row {
  label: string;
  gpu: string;
  stack: string;
  base: 'static' | 'continuous';
  alpha: number;
}

function main(): void {
  const mult = Number(process.argv[2] ?? 4);
  const rows: Row[] = [
    ...[0.6, 0.7, 0.8, 0.9].map((alpha) => ({ label: 'H100, hf-eager, static', gpu: 'h100-sxm', stack: 'hf-eager', base: 'static' as const, alpha })),
    { label: 'H100, hf-eager, continuous base', gpu: 'h100-sxm', stack: 'hf-eager', base: 'continuous', alpha: 0.7 },
    { label: 'H100, vllm, continuous base', gpu: 'h100-sxm', stack: 'vllm', base: 'continuous', alpha: 0.7 },
    { label: 'A100 PCIe, hf-eager, static', gpu: 'a100-pcie', stack: 'hf-eager', base: 'static', alpha: 0.7 },
    { label: 'RTX A6000, hf-eager, static', gpu: 'a6000', stack: 'hf-eager', base: 'static', alpha: 0.7 },
  ];
  const latency: string[] = [];
  for (const row of rows) {
    const cells: string[] = [];
    for (const b of BATCHES) {
      const count = mult * Math.max(16, 2 * b);
      const plain = row.base === 'static' ? { kind: 'static', batch_size: b } : { kind: 'continuous', batch_size: b };
      const cluster = { gpu: row.gpu, stack: row.stack };
      const ar = run({ ...cluster, scheduler: plain }, count);
      const sp = run(
        { ...cluster, scheduler: { kind: 'speculative', speculative_base: row.base, batch_size: b, draft_model: 'llama-3.2-1b', gamma: 4, acceptance: { kind: 'constant', rate: row.alpha } } },
        count,
      );
      cells.push(signed(pct(sp.energy_j, ar.energy_j)));
      if (row.label === 'H100, hf-eager, static' && row.alpha === 0.7) latency.push(signed(pct(sp.makespan_s, ar.makespan_s)));
    }
    console.log(`| ${row.label} | ${row.alpha} | ${cells.join(' | ')} |`);
  }
  console.log(`\nLatency (makespan) Δ at α = 0.7 on the H100, hf-eager static: ${latency.join(', ')}%.`);
}

main();
