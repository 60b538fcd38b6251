import { describe, it, expect } from 'vitest';
import { loadArchitecture } from '../../sim/model/architecture.js';
import {
  attentionFlopsPerQueryKeyPair,
  expectedDistinctExperts,
  kvCacheBytesPerToken,
  lmHeadFlopsPerToken,
  matmulFlopsPerToken,
  maxContextTokens,
  parameterCounts,
  weightBytes,
  weightBytesReadPerStep,
} from '../../sim/model/modelCosts.js';

describe('parameter counts, by hand', () => {
  it('llama-3.1-8b: untied, GQA, SwiGLU', () => {
    const a = loadArchitecture('llama-3.1-8b');
    const embed = 128256 * 4096; // 525,336,576
    const attention = 4096 * 4096 + 2 * 4096 * 1024 + 4096 * 4096; // q + k,v (8 kv heads × 128) + o
    const mlp = 3 * 4096 * 14336; // gate, up, down
    const normsPerLayer = 2 * 4096; // input + post-attention RMSNorm
    const total = embed + 32 * (attention + mlp + normsPerLayer) + 4096 /* final norm */ + embed; /* lm head */
    const c = parameterCounts(a);
    expect(c.embeddingParams).toBe(embed);
    expect(c.lmHeadParams).toBe(embed);
    expect(c.attentionParamsPerLayer).toBe(attention);
    expect(c.mlpParamsPerLayer).toBe(mlp);
    expect(c.expertParamsPerLayer).toBe(0);
    expect(c.normParams).toBe(32 * normsPerLayer + 4096);
    expect(c.totalParams).toBe(total);
    expect(c.totalParams).toBe(8_030_261_248); // the published 8.03B
    expect(c.activeMatmulParamsPerToken).toBe(32 * (attention + mlp));
    expect(weightBytes(a)).toBe(2 * total);
    expect(matmulFlopsPerToken(a)).toBe(2 * 32 * (attention + mlp));
    expect(lmHeadFlopsPerToken(a)).toBe(2 * 4096 * 128256);
    expect(attentionFlopsPerQueryKeyPair(a)).toBe(4 * 32 * 32 * 128);
    expect(maxContextTokens(a)).toBe(131072);
  });

  it('llama-3.2-1b: tied embeddings add no LM-head parameters, but the LM-head matmul still runs', () => {
    const a = loadArchitecture('llama-3.2-1b');
    const embed = 128256 * 2048;
    const attention = 2048 * 2048 + 2 * 2048 * 512 + 2048 * 2048; // 8 kv heads × 64
    const mlp = 3 * 2048 * 8192;
    const total = embed + 16 * (attention + mlp + 2 * 2048) + 2048;
    const c = parameterCounts(a);
    expect(c.lmHeadParams).toBe(0);
    expect(c.totalParams).toBe(total);
    expect(c.totalParams).toBe(1_235_814_400); // ~1.24e9
    expect(lmHeadFlopsPerToken(a)).toBe(2 * 2048 * 128256);
    // Tied: the embedding table is read once per step, as the LM head.
    expect(weightBytesReadPerStep(a, 1)).toBe(2 * total);
  });

  it('qwen1.5-32b: q, k, v biases count as attention parameters', () => {
    const a = loadArchitecture('qwen1.5-32b');
    const matmul = 5120 * 5120 + 2 * 5120 * 1024 + 5120 * 5120;
    const bias = 5120 + 2 * 1024;
    const c = parameterCounts(a);
    expect(c.attentionParamsPerLayer).toBe(matmul + bias);
    // Biases are not matmul weights: they do not enter the FLOPs.
    expect(c.activeMatmulParamsPerToken).toBe(64 * (matmul + 3 * 5120 * 27392));
    expect(c.totalParams).toBe(2 * 152064 * 5120 + 64 * (matmul + bias + 3 * 5120 * 27392 + 2 * 5120) + 5120);
    expect(c.totalParams / 1e9).toBeCloseTo(32.5, 1);
  });

  it('deepseek-r1-distill-qwen-32b matches the published safetensors total exactly', () => {
    const a = loadArchitecture('deepseek-r1-distill-qwen-32b');
    expect(parameterCounts(a).totalParams).toBe(a.reported_total_params!.value);
  });

  it('olmo: non-parametric LayerNorm has no norm weights', () => {
    const a = loadArchitecture('olmo-1b');
    const c = parameterCounts(a);
    expect(c.normParams).toBe(0);
    expect(c.totalParams).toBe(50304 * 2048 + 16 * (4 * 2048 * 2048 + 3 * 2048 * 8192)); // tied
    expect(parameterCounts(loadArchitecture('olmo-7b')).totalParams / 1e9).toBeCloseTo(6.89, 2);
  });

  it('olmoe-1b-7b: ~6.9e9 total, ~1.3e9 active', () => {
    const a = loadArchitecture('olmoe-1b-7b');
    const c = parameterCounts(a);
    const perExpert = 3 * 2048 * 1024;
    const attention = 4 * 2048 * 2048;
    const router = 2048 * 64;
    const norms = 2 * 2048 + 2048 + 2048; // input, post-attention, q_norm, k_norm
    expect(c.paramsPerExpert).toBe(perExpert);
    expect(c.expertParamsPerLayer).toBe(64 * perExpert);
    expect(c.mlpParamsPerLayer).toBe(0); // no shared expert
    expect(c.totalParams).toBe(2 * 50304 * 2048 + 16 * (attention + 64 * perExpert + router + norms) + 2048);
    expect(c.totalParams / 1e9).toBeCloseTo(6.92, 2);
    expect(c.activeMatmulParamsPerToken).toBe(16 * (attention + 8 * perExpert + router));
    const activeWithEmbeddings = c.activeMatmulParamsPerToken + c.embeddingParams + c.lmHeadParams;
    expect(activeWithEmbeddings / 1e9).toBeCloseTo(1.28, 2);
  });
});

describe('KV cache and experts', () => {
  it('llama-3.1-8b stores 2·32·8·128·2 = 131072 bytes per token', () => {
    expect(kvCacheBytesPerToken(loadArchitecture('llama-3.1-8b'))).toBe(2 * 32 * 8 * 128 * 2);
    expect(kvCacheBytesPerToken(loadArchitecture('llama-3.1-8b'))).toBe(131072);
  });

  it('one token uses exactly k experts; many tokens approach E', () => {
    const a = loadArchitecture('olmoe-1b-7b');
    expect(expectedDistinctExperts(a, 1)).toBeCloseTo(8, 10);
    expect(expectedDistinctExperts(a, 2)).toBeCloseTo(64 * (1 - (56 / 64) ** 2), 10);
    expect(expectedDistinctExperts(a, 64)).toBeGreaterThan(63);
    expect(expectedDistinctExperts(a, 10_000)).toBeCloseTo(64, 6);
    expect(expectedDistinctExperts(loadArchitecture('llama-3.1-8b'), 100)).toBe(0);
  });

  it('a dense step reads every weight but the embedding lookup, whatever its token count', () => {
    const a = loadArchitecture('llama-3.1-8b');
    const expected = 2 * (8_030_261_248 - 128256 * 4096);
    expect(weightBytesReadPerStep(a, 1)).toBe(expected);
    expect(weightBytesReadPerStep(a, 4096)).toBe(expected);
  });

  it('an MoE step reads the non-expert weights plus only the experts its tokens hit', () => {
    const a = loadArchitecture('olmoe-1b-7b');
    const c = parameterCounts(a);
    const nonExpert = c.totalParams - c.embeddingParams - 16 * c.expertParamsPerLayer;
    expect(weightBytesReadPerStep(a, 1)).toBeCloseTo(2 * (nonExpert + 16 * 8 * c.paramsPerExpert), 0);
    const many = weightBytesReadPerStep(a, 100_000);
    expect(many).toBeCloseTo(2 * (nonExpert + 16 * 64 * c.paramsPerExpert), 0);
    expect(weightBytesReadPerStep(a, 4)).toBeGreaterThan(weightBytesReadPerStep(a, 1));
  });
});
