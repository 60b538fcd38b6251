/** A plain CSV trace's prefix_id / prefix_tokens columns feed the prefix cache: ids by hand, a hit by hand. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/index.js';
import { openTrace } from '../../sim/workload/openTrace.js';
import { oneLineError, tempDir } from '../compare/helpers.js';

function trace(lines: string[]): string {
  const p = join(tempDir('csv-prefix'), 'prefix.csv');
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe('CSV prefix columns', () => {
  it('turn into 16-token block ids, shared by requests of the same prefix id', () => {
    const p = trace(['arrival_s,input_tokens,output_tokens,prefix_id,prefix_tokens', '0,600,5,sys-a,512', '1,700,5,sys-a,520', '2,300,5,sys-b,40', '3,200,5,,']);
    const rows = [...openTrace(p, 'csv')];
    // sys-a is the first prefix id seen (ordinal 0): blocks 0..31 for 512 tokens, 0..31 again for 520 (32 whole blocks).
    expect(rows[0].prefixBlockIds).toEqual(Array.from({ length: 32 }, (_, k) => k));
    expect(rows[1].prefixBlockIds).toEqual(rows[0].prefixBlockIds);
    // sys-b, ordinal 1: two whole blocks of its 40 tokens, named 2^21 + k.
    expect(rows[2].prefixBlockIds).toEqual([2 ** 21, 2 ** 21 + 1]);
    expect(rows[2].prefixBlockTokens).toBe(16);
    expect(rows[3].prefixBlockIds).toBeUndefined();
  });

  it('a later request with the same prefix skips its 512 cached tokens', async () => {
    // r0 finishes long before r1 arrives; r1 finds r0's 32 blocks cached: 512 prefill tokens saved, 1 hit in 3 lookups.
    const p = trace(['arrival_s,input_tokens,output_tokens,prefix_id,prefix_tokens', '0,600,5,sys-a,512', '10,700,5,sys-a,512', '20,300,5,sys-b,256']);
    const on = await simulate({ workload: { kind: 'trace', path: p }, cluster: { scheduler: { prefix_caching: true } } });
    expect(on.prefix_cache).toEqual(expect.objectContaining({ lookups: 3, hit_admissions: 1, prefill_tokens_saved: 512 }));
    expect(on.prefix_cache!.hit_rate).toBeCloseTo(512 / (600 + 700 + 300), 12);
    const off = await simulate({ workload: { kind: 'trace', path: p } });
    expect(on.energy_breakdown_j.prefill).toBeLessThan(off.energy_breakdown_j.prefill);
  });

  it('bad prefix columns are one line naming the file and line', async () => {
    expect(await oneLineError('run', '--trace', trace(['arrival_s,input_tokens,output_tokens,prefix_id', '0,600,5,a']))).toMatch(/prefix columns come in a pair/);
    expect(await oneLineError('run', '--trace', trace(['arrival_s,input_tokens,output_tokens,prefix_id,prefix_tokens', '0,600,5,a,700']))).toMatch(/prefix\.csv:line 2: prefix_tokens: 700 exceeds input_tokens 600/);
  });
});
