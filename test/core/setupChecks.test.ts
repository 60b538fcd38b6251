/**
 * Nothing silently wrong: setups that cannot run are refused with one line naming the flag or the file and JSON
 * path; setups that run beyond what the data covers say so where the user looks first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCostModel } from '../../sim/cost/buildCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { kvCacheBytesPerToken } from '../../sim/model/modelCosts.js';
import { loadStack } from '../../sim/model/stack.js';
import { kvCacheShards, tensorParallelProblem } from '../../sim/model/tensorParallel.js';
import { rejectionKind } from '../../sim/accounting/requestMetrics.js';
import { memoryBudget } from '../../sim/serving/memoryBudget.js';
import { cli } from '../cliHarness.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core');
const dir = mkdtempSync(join(tmpdir(), 'joulesim-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const tinyTrace = { kind: 'trace', path: join(fixtures, 'tiny.csv'), format: 'csv' };
/** Short prompts and outputs: every step's context is far below the vLLM H100 profile's fitted range. */
const shortRequests = {
  kind: 'synthetic',
  arrival: { process: 'poisson', rate_per_s: 4 },
  count: 40,
  lengths: { kind: 'fixed', input_tokens: 64, output_tokens: 16 },
};

async function oneLineError(...args: string[]): Promise<string> {
  const { code, stderr, stdout } = await cli(...args, '--no-progress');
  expect(code).toBe(2);
  expect(stdout).toBe('');
  const lines = stderr.replace(/\n$/, '').split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

async function runJson(...args: string[]): Promise<Record<string, any>> {
  const { code, stdout, stderr } = await cli(...args, '--json', '--no-progress');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

describe('tensor parallelism must fit the model', () => {
  const llama = loadArchitecture('llama-3.1-8b'); // 32 heads, 8 KV heads
  const qwen15 = loadArchitecture('deepseek-r1-distill-qwen-1.5b'); // 12 heads, 2 KV heads

  it('tp divides the heads; KV heads split (kv % tp = 0) or replicate (tp % kv = 0); at most one node', () => {
    for (const tp of [1, 2, 4, 8]) expect(tensorParallelProblem(llama, tp), `tp ${tp}`).toBeUndefined();
    expect(tensorParallelProblem(llama, 3)).toBe("tp 3 does not divide llama-3.1-8b's 32 attention heads; use 1, 2, 4, 8");
    expect(tensorParallelProblem(llama, 5)).toMatch(/does not divide/);
    expect(tensorParallelProblem(llama, 16)).toMatch(/more GPUs than one node holds \(at most 8\)/);
    expect(tensorParallelProblem(llama, 1_000_000_000)).toMatch(/more GPUs than one node holds/);
    // 12 heads, 2 KV heads: tp 4 replicates each KV head on 2 GPUs; tp 3 divides the heads but not the KV heads.
    expect(tensorParallelProblem(qwen15, 4)).toBeUndefined();
    expect(tensorParallelProblem(qwen15, 6)).toBeUndefined();
    expect(tensorParallelProblem(qwen15, 3)).toMatch(/neither divides deepseek-r1-distill-qwen-1\.5b's 2 KV heads nor is a multiple of them/);
  });

  it('replicated KV heads: per-GPU KV memory stops shrinking at tp = kv_heads', () => {
    const gpu = loadGpu('h100-sxm');
    const vllm = loadStack('vllm');
    // 28 layers × 2 KV heads × 128 dims × 2 (K and V) × 2 B = 28,672 B per token in all.
    expect(kvCacheBytesPerToken(qwen15)).toBe(28_672);
    expect(kvCacheShards(qwen15, 2)).toBe(2);
    expect(kvCacheShards(qwen15, 4)).toBe(2);
    expect(memoryBudget(gpu, vllm, qwen15, 2).kvBytesPerTokenPerGpu).toBe(14_336);
    expect(memoryBudget(gpu, vllm, qwen15, 4).kvBytesPerTokenPerGpu).toBe(14_336);
    expect(memoryBudget(gpu, vllm, llama, 4).kvBytesPerTokenPerGpu).toBe(kvCacheBytesPerToken(llama) / 4);
  });

  it('replicated KV heads: each GPU reads its whole KV head, so KV traffic per GPU stops shrinking too', () => {
    const gpu = loadGpu('h100-sxm');
    const vllm = loadStack('vllm');
    const at = (tp: number) => buildCostModel({ gpu, arch: qwen15, stack: vllm, tp, mode: 'roofline' });
    // The step model divides by tp: 28,672 B × 2 / 4 = 14,336 B per GPU at tp 4, as at tp 2 (28,672 / 2).
    expect(at(2).work.kvBytesPerToken).toBe(28_672);
    expect(at(4).work.kvBytesPerToken).toBe(57_344);
    expect(at(4).params.provenance.description).toContain('2 KV heads replicated over tp 4: each GPU reads 1/2 of the KV cache');
    expect(buildCostModel({ gpu, arch: llama, stack: vllm, tp: 8, mode: 'roofline' }).work.kvBytesPerToken).toBe(kvCacheBytesPerToken(llama));
  });

  it('--tp 3, --tp 5, --tp 64 name the flag; "tp": 1000000000 in a file names the file and path', async () => {
    const s = file('tiny.json', { workload: tinyTrace });
    expect(await oneLineError('run', s, '--tp', '3')).toBe("joulesim: --tp: tp 3 does not divide llama-3.1-8b's 32 attention heads; use 1, 2, 4, 8");
    expect(await oneLineError('run', s, '--tp', '5')).toMatch(/^joulesim: --tp: tp 5 does not divide/);
    expect(await oneLineError('run', s, '--tp', '64')).toMatch(/^joulesim: --tp: tp 64 is more GPUs than one node holds/);
    const huge = file('huge-tp.json', { workload: tinyTrace, cluster: { tp: 1_000_000_000 } });
    expect(await oneLineError('run', huge)).toMatch(new RegExp(`^joulesim: ${huge}:/cluster/tp: tp 1000000000 is more GPUs`));
  });

  it('replicas, gamma, beam width, KV block size and time-series intervals have bounds', async () => {
    const s = file('tiny.json', { workload: tinyTrace });
    expect(await oneLineError('run', s, '--replicas', '10000000')).toBe('joulesim: --replicas: must be <= 4096');
    expect(await oneLineError('run', s, '--beam-width', '1000')).toBe('joulesim: --beam-width: must be <= 64');
    const blocks = file('blocks.json', { workload: tinyTrace, cluster: { scheduler: { kv_block_tokens: 1e9 } } });
    expect(await oneLineError('run', blocks)).toBe(`joulesim: ${blocks}:/cluster/scheduler/kv_block_tokens: must be <= 4096`);
    const intervals = file('intervals.json', { workload: tinyTrace, output: { max_intervals: 1e9 } });
    expect(await oneLineError('run', intervals)).toBe(`joulesim: ${intervals}:/output/max_intervals: must be <= 1000000`);
    const spec = file('gamma.json', { workload: tinyTrace, cluster: { scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', gamma: 100000 } } });
    expect(await oneLineError('run', spec)).toBe(`joulesim: ${spec}:/cluster/scheduler/gamma: must be <= 64`);
  });
});

describe('speculative settings', () => {
  const s = file('tiny.json', { workload: tinyTrace });

  it('speculative flags without --scheduler speculative name the flag', async () => {
    expect(await oneLineError('run', s, '--draft-model', 'llama-3.2-1b')).toBe(
      "joulesim: --draft-model: only applies to the speculative scheduler, and this scheduler is vllm's default (continuous)",
    );
    expect(await oneLineError('run', s, '--gamma', '3')).toMatch(/^joulesim: --gamma: only applies to the speculative scheduler/);
    expect(await oneLineError('run', s, '--acceptance', '0.5', '--scheduler', 'static')).toBe(
      'joulesim: --acceptance: only applies to the speculative scheduler, and this scheduler is static',
    );
    expect(await oneLineError('run', s, '--speculative-base', 'static')).toMatch(/^joulesim: --speculative-base: only applies/);
    // A scenario file may carry them for when it runs speculative (a base for compare --vary scheduler=...).
    const inFile = file('base-gamma.json', { workload: tinyTrace, cluster: { scheduler: { gamma: 4, draft_model: 'llama-3.2-1b' } } });
    expect((await runJson('run', inFile)).scheduler.kind).toBe('continuous');
    expect((await runJson('run', inFile, '--scheduler', 'speculative')).scheduler.speculative.gamma).toBe(4);
  });

  it('uniform acceptance with LO > HI is refused, as a flag and in a file', async () => {
    expect(await oneLineError('run', s, '--scheduler', 'speculative', '--draft-model', 'llama-3.2-1b', '--acceptance', 'uniform:0.9,0.1')).toBe(
      'joulesim: --acceptance: uniform:LO,HI needs LO <= HI, got "uniform:0.9,0.1"',
    );
    const upsideDown = file('upside-down.json', {
      workload: tinyTrace,
      cluster: { scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', acceptance: { kind: 'per_request', distribution: { kind: 'uniform', lo: 0.9, hi: 0.1 } } } },
    });
    expect(await oneLineError('run', upsideDown)).toBe(`joulesim: ${upsideDown}:/cluster/scheduler/acceptance: uniform acceptance needs lo <= hi, got lo 0.9 > hi 0.1`);
  });

  it('a JSON acceptance of 2 says what was expected and what was found', async () => {
    const two = file('acceptance-2.json', { workload: tinyTrace, cluster: { scheduler: { kind: 'speculative', draft_model: 'llama-3.2-1b', acceptance: 2 } } });
    expect(await oneLineError('run', two)).toBe(
      `joulesim: ${two}:/cluster/scheduler/acceptance: must be an object, found the number 2 (for example {"kind":"constant","rate":0.7})`,
    );
  });
});

describe('stacks declare their schedulers; other pairings are labelled extrapolations', () => {
  it('every stack file lists its own batching among its schedulers', () => {
    for (const id of ['hf-eager', 'hf-compile', 'hf-paged', 'vllm', 'vllm-eager']) {
      const st = loadStack(id);
      expect(st.schedulers, id).toContain(st.batching);
    }
    expect(loadStack('hf-eager').schedulers).not.toContain('continuous');
    expect(loadStack('vllm').schedulers).not.toContain('static');
  });

  it('hf-eager under continuous batching runs, but says it is an extrapolation, not plainly "calibrated"', async () => {
    const s = file('tiny.json', { workload: tinyTrace });
    const x = await runJson('run', s, '--stack', 'hf-eager', '--scheduler', 'continuous');
    expect(x.cost_model.kind).toBe('calibrated');
    expect(x.cost_model.extrapolated[0]).toMatch(/^hf-eager has no continuous scheduler \(it has static, speculative\)/);
    const table = (await cli('run', s, '--stack', 'hf-eager', '--scheduler', 'continuous', '--no-progress')).stdout;
    expect(table).toMatch(/cost model +calibrated, EXTRAPOLATED \(hf-eager has no continuous scheduler/);
    // Its own batching is no extrapolation.
    const own = await runJson('run', s, '--stack', 'hf-eager', '--scheduler', 'static');
    expect(own.cost_model.extrapolated.filter((r: string) => r.includes('scheduler'))).toEqual([]);
    // vLLM's kernels under static batches (the paper's Figure 7 what-if) are labelled too.
    const vllmStatic = await runJson('run', s, '--scheduler', 'static');
    expect(vllmStatic.cost_model.extrapolated.join(' ')).toMatch(/vllm has no static scheduler/);
  });
});

describe('the provenance a user sees first', () => {
  it('a run whose steps are mostly outside the fitted range gets an extrapolated banner and cost-model line', async () => {
    const s = file('short.json', { name: 'short prompts', workload: shortRequests });
    const out = join(dir, 'short-out');
    const { code, stdout } = await cli('run', s, '--out', out, '--no-progress');
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.cost_model.kind).toBe('calibrated');
    expect(summary.cost_model.extrapolated).toHaveLength(1);
    expect(summary.cost_model.extrapolated[0]).toMatch(/^100% of steps \(\d+ of \d+\) ran outside the profile's fitted range/);
    expect(stdout).toMatch(/cost model +calibrated, EXTRAPOLATED \(100% of steps/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('class="provenance prov-extrapolated"><strong>extrapolated</strong>: 100% of steps');
    expect(html).not.toContain('class="provenance prov-calibrated"');
  });

  it('a run inside the fitted range keeps the calibrated banner', async () => {
    // The hf-eager profile was fitted on batches of 1-64 prompts of 128-2048 tokens; 8 × 512 sits inside.
    const inside = file('inside.json', {
      workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 16, lengths: { kind: 'fixed', input_tokens: 512, output_tokens: 32 } },
      cluster: { stack: 'hf-eager', scheduler: { kind: 'static', batch_size: 8 } },
    });
    const x = await runJson('run', inside);
    expect(x.cost_model.kind).toBe('calibrated');
    expect(x.cost_model.extrapolated).toEqual([]);
  });

  it('the title says which flags changed the scenario', async () => {
    const s = file('titled.json', { name: 'my scenario', workload: tinyTrace });
    expect((await runJson('run', s)).scenario).toBe('my scenario');
    expect((await runJson('run', s, '--stack', 'hf-eager', '--scheduler', 'static', '--batch-size', '2')).scenario).toBe(
      'my scenario (with --stack hf-eager --scheduler static --batch-size 2)',
    );
    const out = join(dir, 'titled-out');
    expect((await cli('run', s, '--tp', '2', '--out', out, '--no-progress')).code).toBe(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<title>joulesim: my scenario (with --tp 2)</title>');
  });
});

describe('errors point at the right place', () => {
  const s = file('tiny.json', { workload: tinyTrace });

  it('--trace nope.csv names the flag, not the scenario file', async () => {
    const line = await oneLineError('run', s, '--trace', join(dir, 'nope.csv'));
    expect(line).toBe(`joulesim: --trace: no such file ${JSON.stringify(join(dir, 'nope.csv'))}`);
  });

  it('--power-cap-w 50 and --top-p 2 name the flag', async () => {
    expect(await oneLineError('run', s, '--power-cap-w', '50')).toBe('joulesim: --power-cap-w: a cap of 50 W is below the 128 W a busy h100-sxm draws before doing any work');
    expect(await oneLineError('run', s, '--top-p', '2')).toBe('joulesim: --top-p: must be <= 1');
    expect(await oneLineError('run', s, '--decoding', 'sampling', '--top-p', '2')).toBe('joulesim: --top-p: must be <= 1');
    // The same values in a file name the file and the path.
    const capped = file('capped.json', { workload: tinyTrace, cluster: { power_cap_w: 50 } });
    expect(await oneLineError('run', capped)).toBe(`joulesim: ${capped}:/cluster/power_cap_w: a cap of 50 W is below the 128 W a busy h100-sxm draws before doing any work`);
  });

  it('a model set in a scenario file that does not fit is reported against the file and JSON path', async () => {
    const big = file('big-model.json', { workload: tinyTrace, cluster: { gpu: 'a6000', model: 'qwen1.5-32b' } });
    expect(await oneLineError('run', big)).toMatch(new RegExp(`^joulesim: ${big}:/cluster/model: qwen1\\.5-32b weights need 65\\.0 GB per GPU at tp 1`));
    expect(await oneLineError('run', s, '--gpu', 'a6000', '--model', 'qwen1.5-32b')).toMatch(/^joulesim: --model: qwen1\.5-32b weights need/);
  });

  it('a rejection reason keeps the model context (not a literal N); only the request\'s own number is grouped', async () => {
    expect(rejectionKind('input + output = 140010 tokens exceeds the model context of 131072')).toBe('input + output = N tokens exceeds the model context of 131072');
    expect(rejectionKind('needs 12.50 GiB per GPU for its KV cache and activations alone; 3.25 GiB is free after weights')).toBe(
      'needs N GiB per GPU for its KV cache and activations alone; 3.25 GiB is free after weights',
    );
    const long = file('too-long.json', {
      workload: { kind: 'synthetic', arrival: { process: 'offline' }, count: 2, lengths: { kind: 'fixed', input_tokens: 140_000, output_tokens: 10 } },
    });
    const x = await runJson('run', long);
    expect(x.rejection_reasons).toEqual({ 'input + output = N tokens exceeds the model context of 131072': 2 });
  });

  it('a header-only trace, or one whose every row is skipped, is nothing to simulate (exit 2)', async () => {
    const headerOnly = file('header-only.csv', 'arrival_s,input_tokens,output_tokens\n');
    expect(await oneLineError('run', s, '--trace', headerOnly)).toBe(`joulesim: ${headerOnly}: has a header (line 1) but no rows: nothing to simulate`);
    const allSkipped = file('all-skipped.csv', 'arrival_s,input_tokens,output_tokens\n0,10,0\n1,0,5\n');
    expect(await oneLineError('run', s, '--trace', allSkipped)).toMatch(/^joulesim: --trace: nothing to simulate: trace csv:.*all-skipped\.csv gave no requests \(rows skipped: 1 × zero output tokens, 1 × zero input tokens\)$/);
  });
});
