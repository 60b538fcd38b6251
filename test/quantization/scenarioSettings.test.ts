/** Quantization and prefix caching reached from a scenario, run flags and compare --vary. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, simulate, type ScenarioInput } from '../../sim/index.js';
import { cli } from '../cliHarness.js';
import { tempDir } from '../compare/helpers.js';

const synthetic = {
  seed: 3,
  workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 4 }, count: 40, lengths: { kind: 'fixed', input_tokens: 600, output_tokens: 40 } },
} as const;

/** Ten conversations of 3 turns: each turn repeats the conversation so far (its blocks) and adds one block. */
function mooncakeTrace(dir: string): string {
  const lines: string[] = [];
  for (let turn = 0; turn < 3; turn++) {
    for (let c = 0; c < 10; c++) {
      const ids = [0, ...Array.from({ length: turn + 1 }, (_, k) => 1000 * (c + 1) + k)];
      lines.push(JSON.stringify({ timestamp: 1000 * (10 * turn + c), input_length: 512 * ids.length + 100, output_length: 20, hash_ids: ids }));
    }
  }
  const p = join(dir, 'conv.jsonl');
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe('quantization from a scenario', () => {
  it('fp8 weights and KV cache give the hand-computed KV capacity and say what is carried over', async () => {
    const run = await simulate({ ...synthetic, cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm', weight_dtype: 'fp8', kv_cache_dtype: 'fp8' } } satisfies ScenarioInput);
    // test/quantization/quantization.test.ts computes 63,816 blocks of 16 tokens by hand (bf16: 28,580).
    expect(run.scheduler.kv_blocks).toBe(63_816);
    expect(run.quantization?.weight_dtype).toBe('fp8');
    expect(run.quantization?.carried_over_from_bf16.length).toBeGreaterThan(3);
    expect(run.cost_model.description).toContain('carried over from bf16');
    const bf16 = await simulate({ ...synthetic, cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm' } } satisfies ScenarioInput);
    expect(bf16.scheduler.kv_blocks).toBe(28_580);
    expect(bf16.quantization).toBeUndefined();
    // Decode-heavy serving reads half the weight bytes: less energy per token.
    expect(run.energy_per_output_token_j).toBeLessThan(bf16.energy_per_output_token_j);
  });

  it('compare --vary weight-dtype and kv-cache-dtype', async () => {
    const r = await compare(synthetic as ScenarioInput, { 'weight-dtype': ['bf16', 'int4'], 'kv-cache-dtype': ['bf16', 'fp8'] }, { workers: 1 });
    expect(r.variants.map((v) => v.label)).toEqual([
      'weight-dtype=bf16 kv-cache-dtype=bf16',
      'weight-dtype=bf16 kv-cache-dtype=fp8',
      'weight-dtype=int4 kv-cache-dtype=bf16',
      'weight-dtype=int4 kv-cache-dtype=fp8',
    ]);
    expect(r.variants[3].summary.quantization).toEqual(expect.objectContaining({ weight_dtype: 'int4', kv_cache_dtype: 'fp8' }));
  }, 120_000);

  it('a bad dtype is one line naming the flag, exit 2', async () => {
    const r = await cli('run', '--weight-dtype', 'fp4');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--weight-dtype/);
  });
});

describe('prefix caching from a scenario', () => {
  it('hits on a Mooncake-style trace, saving prefill tokens and energy; off by default', async () => {
    const dir = tempDir('prefix');
    const path = mooncakeTrace(dir);
    const base = { seed: 1, workload: { kind: 'trace', path }, cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm' } } as const;
    const on = await simulate({ ...base, cluster: { ...base.cluster, scheduler: { prefix_caching: true } } } as ScenarioInput);
    const off = await simulate(base as ScenarioInput);
    expect(off.prefix_cache).toBeUndefined();
    const p = on.prefix_cache!;
    // Block 0 is shared by all 30 requests: 29 find it (the first computes it). Turns 2 and 3 also find their own
    // conversation's earlier turns: turn t (0-based) finds 1 + t blocks. Hits: 9 × 1 (turn 0) + 10 × 2 + 10 × 3.
    expect(p.lookups).toBe(30);
    expect(p.hit_admissions).toBe(29);
    expect(p.prefill_tokens_saved).toBe(512 * (9 * 1 + 10 * 2 + 10 * 3));
    expect(p.prefill_energy_saved_j).toBeGreaterThan(0);
    expect(on.energy_breakdown_j.prefill).toBeLessThan(off.energy_breakdown_j.prefill);
    expect(on.ttft_s.p50).toBeLessThan(off.ttft_s.p50);
  }, 60_000);

  it('compare --vary prefix-caching, and a policy without it is an error naming the field', async () => {
    const dir = tempDir('prefix-vary');
    const path = mooncakeTrace(dir);
    const r = await compare({ seed: 1, workload: { kind: 'trace', path } } as ScenarioInput, { 'prefix-caching': ['off', 'on'] }, { workers: 1 });
    expect(r.variants[1].summary.prefix_cache?.prefill_tokens_saved).toBe(512 * 59);
    await expect(simulate({ seed: 1, workload: { kind: 'trace', path }, cluster: { stack: 'hf-eager', scheduler: { prefix_caching: true } } } as ScenarioInput)).rejects.toThrow(
      /\/cluster\/scheduler\/prefix_caching: prefix caching is modelled for the continuous \(vLLM\) batching policy only; static does not cache prefixes/,
    );
  }, 120_000);
});
