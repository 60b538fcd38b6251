import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../sim/errors.js';
import { knownArchitectureIds, loadArchitecture } from '../../sim/model/architecture.js';
import { knownGpuIds, loadGpu } from '../../sim/model/gpu.js';
import { knownStackIds, loadStack } from '../../sim/model/stack.js';

const architectureIds = [
  'deepseek-r1-distill-qwen-1.5b', 'deepseek-r1-distill-qwen-32b', 'llama-3.1-8b', 'llama-3.2-1b',
  'olmo-1b', 'olmo-7b', 'olmoe-1b-7b', 'qwen1.5-32b',
];
const gpuIds = ['a100-pcie', 'a100-sxm', 'a100-sxm-40gb', 'a6000', 'b200', 'h100-sxm', 'h200', 'l40s', 'rtx6000-ada'];
const stackIds = ['hf-compile', 'hf-eager', 'hf-paged', 'vllm', 'vllm-eager'];

/** Catches the InputError a call throws, failing the test if it throws nothing or something else. */
function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

function tempDirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-model-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('every data file loads and validates', () => {
  it('lists the expected ids, stable', () => {
    expect(knownArchitectureIds()).toEqual(architectureIds);
    expect(knownGpuIds()).toEqual(gpuIds);
    expect(knownStackIds()).toEqual(stackIds);
  });

  it.each(architectureIds)('architecture %s', (id) => {
    const a = loadArchitecture(id);
    expect(a.id).toBe(id);
    expect(a.num_attention_heads % a.num_key_value_heads).toBe(0); // GQA groups are whole
    expect(a.source).toContain(a.hf_repo);
  });

  it.each(gpuIds)('GPU %s', (id) => {
    const g = loadGpu(id);
    expect(g.id).toBe(id);
    // Marketed "80 GB" is physically 80 GiB; the driver exposes a little less (ECC, reserved regions).
    expect(g.memory_usable_gib).toBeLessThanOrEqual(g.memory_gb);
    expect(g.memory_usable_gib).toBeGreaterThan(0.9 * g.memory_gb);
    expect(g.idle_w).toBeLessThan(g.tdp_w);
  });

  it.each(stackIds)('stack %s', (id) => {
    const s = loadStack(id);
    expect(s.id).toBe(id);
    expect(s.kv_cache === 'paged').toBe(s.kv_block_tokens !== undefined);
  });

  it('caches: a second load returns the same object', () => {
    expect(loadGpu('h100-sxm')).toBe(loadGpu('h100-sxm'));
  });

  it('keeps the numbers the cost model relies on', () => {
    expect(loadGpu('h100-sxm').memory_usable_gib).toBeCloseTo(81559 / 1024, 2);
    expect(loadGpu('h100-sxm').idle_w_source.confidence).toBe('measured');
    expect(loadStack('vllm').kv_block_tokens).toBe(16);
    expect(loadStack('vllm').gpu_memory_utilization).toBe(0.9);
  });
});

describe('bad input gives a one-line InputError', () => {
  it('an unknown id names the source and lists the known ids', () => {
    const e = inputErrorOf(() => loadGpu('h300', '--gpu'));
    expect(e.file).toBe('--gpu');
    expect(e.message).toBe(`--gpu: unknown GPU 'h300'; known: ${gpuIds.join(', ')}`);
    expect(inputErrorOf(() => loadStack('tgi', 'scenario.json')).message).toBe(
      `scenario.json: unknown serving stack 'tgi'; known: ${stackIds.join(', ')}`,
    );
    expect(inputErrorOf(() => loadArchitecture('llama-99b')).message).toContain(`known: ${architectureIds.join(', ')}`);
  });

  it('a path-like id is unknown, not read', () => {
    expect(inputErrorOf(() => loadGpu('../stacks/vllm')).message).toContain("unknown GPU '../stacks/vllm'");
  });

  it('a file that breaks its schema names the file and the JSON path', () => {
    const good = loadArchitecture('llama-3.1-8b');
    const dir = tempDirWith({ 'broken.json': JSON.stringify({ ...good, id: 'broken', num_hidden_layers: 'thirty-two' }) });
    const e = inputErrorOf(() => loadArchitecture('broken', '--model', dir));
    expect(e.file).toBe(join(dir, 'broken.json'));
    expect(e.place).toBe('/num_hidden_layers');
    expect(e.message).toBe(`${join(dir, 'broken.json')}:/num_hidden_layers: must be integer`);
    expect(e.message).not.toContain('\n');
  });

  it('a missing or unexpected property is named', () => {
    const { tdp_w: _dropped, ...withoutTdp } = loadGpu('a6000');
    const dir = tempDirWith({
      'no-tdp.json': JSON.stringify({ ...withoutTdp, id: 'no-tdp' }),
      'extra.json': JSON.stringify({ ...loadGpu('a6000'), id: 'extra', tdp_watts: 300 }),
    });
    expect(inputErrorOf(() => loadGpu('no-tdp', '--gpu', dir)).detail).toBe("missing required property 'tdp_w'");
    expect(inputErrorOf(() => loadGpu('extra', '--gpu', dir)).detail).toBe("unexpected property 'tdp_watts'");
  });

  it('an enum value outside its set lists the allowed ones', () => {
    const dir = tempDirWith({ 'odd.json': JSON.stringify({ ...loadStack('vllm'), id: 'odd', batching: 'dynamic' }) });
    const e = inputErrorOf(() => loadStack('odd', '--stack', dir));
    expect(e.place).toBe('/batching');
    expect(e.detail).toBe('must be one of: "static", "continuous"');
  });

  it('a paged stack needs a block size, a contiguous one must not have one', () => {
    const { kv_block_tokens: _b, ...noBlocks } = loadStack('vllm');
    const dir = tempDirWith({
      'paged.json': JSON.stringify({ ...noBlocks, id: 'paged' }),
      'contiguous.json': JSON.stringify({ ...loadStack('hf-eager'), id: 'contiguous', kv_block_tokens: 16 }),
    });
    expect(inputErrorOf(() => loadStack('paged', '--stack', dir)).detail).toBe(
      "missing required property 'kv_block_tokens'",
    );
    expect(inputErrorOf(() => loadStack('contiguous', '--stack', dir)).place).toBe('/kv_block_tokens');
  });

  it('invalid JSON and a mismatched id are reported against the file', () => {
    const dir = tempDirWith({
      'bad.json': '{ "id": "bad", ',
      'renamed.json': JSON.stringify({ ...loadStack('vllm'), id: 'vllm' }),
    });
    expect(inputErrorOf(() => loadStack('bad', '--stack', dir)).detail).toMatch(/^invalid JSON: /);
    const e = inputErrorOf(() => loadStack('renamed', '--stack', dir));
    expect(e.place).toBe('/id');
  });
});
