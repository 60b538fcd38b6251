/** Arc4Stream continues seedrandom's generator: the same numbers, draw for draw, for any seed. */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Arc4Stream } from '../../sim/workload/arc4Stream.js';

describe('Arc4Stream', () => {
  it('draws exactly what seedrandom draws, for many seeds and many draws', () => {
    const seeds = ['', '0', '1', '1/speculative/0', '42/speculative/123456', 'bench-under', 'ünïcode ✓', 'x'.repeat(300)];
    for (let k = 0; k < 200; k++) seeds.push(`${k}/speculative/${k * 7919}`);
    for (const seed of seeds) {
      const reference = seedrandom(seed);
      const stream = new Arc4Stream(seed);
      const draws = seed.length > 40 || seed === '' ? 20_000 : 500;
      for (let i = 0; i < draws; i++) {
        const want = reference();
        const got = stream.next();
        if (got !== want) expect({ seed, i, got }).toEqual({ seed, i, got: want });
      }
    }
  });
});
