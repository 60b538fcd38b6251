import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { loadStack } from '../../sim/model/stack.js';
import { activationBytesPerToken, memoryBudget, pagedBlockCount } from '../../sim/serving/memoryBudget.js';

describe('memory budget', () => {
  const llama = loadArchitecture('llama-3.1-8b');
  const h100 = loadGpu('h100-sxm');
  const vllm = loadStack('vllm');

  it('llama-3.1-8b on an H100 with vLLM, tp 1 and 2', () => {
    // Activations per token: (4·4096 + 3·14336)·2 B = 118784 B. KV per token: 32 layers × 8 heads × 128 × 2 (K, V)
    // × 2 B = 131072 B. Weights: 8,030,261,248 parameters × 2 B.
    expect(activationBytesPerToken(llama)).toBe(118784);
    // Usable: 79.65 GiB × 0.9 when written (read from the data files, which others may revise).
    const usable = h100.memory_usable_gib * 2 ** 30 * vllm.gpu_memory_utilization;
    const one = memoryBudget(h100, vllm, llama, 1);
    expect(one.kvBytesPerTokenPerGpu).toBe(131072);
    expect(one.activationBytesPerTokenPerGpu).toBe(118784);
    expect(one.freeBytesPerGpu).toBeCloseTo(usable - 8_030_261_248 * 2, 0);
    // tp 2: each GPU holds half the weights, half of every token's KV and activations.
    const two = memoryBudget(h100, vllm, llama, 2);
    expect(two.kvBytesPerTokenPerGpu).toBe(65536);
    expect(two.activationBytesPerTokenPerGpu).toBe(59392);
    expect(two.freeBytesPerGpu).toBeCloseTo(usable - 8_030_261_248, 0);
  });

  it('weights that do not fit are an InputError that suggests --tp', () => {
    const e = (() => {
      try {
        memoryBudget(loadGpu('a6000'), vllm, loadArchitecture('qwen1.5-32b'), 1);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).detail).toMatch(/raise --tp/);
  });

  it('paged block count by hand', () => {
    // 1e9 B free − 8192 tokens × 1e4 B of activations = 9.1808e8 B; a 16-token block of 1e5 B/token is 1.6e6 B
    // → ⌊573.8⌋ = 573 blocks.
    const budget = { freeBytesPerGpu: 1e9, kvBytesPerTokenPerGpu: 1e5, activationBytesPerTokenPerGpu: 1e4 };
    expect(pagedBlockCount(budget, 16, 8192, 'x')).toBe(573);
    expect(() => pagedBlockCount(budget, 16, 100_000, 'scenario.json:/cluster')).toThrow(/no memory left for the KV cache/);
  });
});
