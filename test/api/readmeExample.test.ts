/**
 * The README's library example, run as written: the block between the api-example markers is extracted, its
 * `from 'joulesim'` pointed at this checkout's sim/index.ts (what the package's exports resolve to once built), and
 * imported. Its console lines are checked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /<!-- api-example:start[^>]*-->\s*```ts\n([\s\S]*?)```\s*<!-- api-example:end -->/.exec(readme);
  if (!m) throw new Error('README.md has no api-example block');
  return m[1];
}

describe('README library example', () => {
  const dir = mkdtempSync(join(tmpdir(), 'joulesim-readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs as written and prints what it promises', { timeout: 300_000 }, async () => {
    const code = readmeExample();
    expect(code).toMatch(/from 'joulesim';/);
    const file = join(dir, 'readme-example.ts');
    writeFileSync(file, code.replace("from 'joulesim';", `from ${JSON.stringify(join(root, 'sim', 'index.js'))};`));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d+\.\d{3} J per output token, p99 TTFT \d+ ms \((calibrated|transferred|datasheet)\)$/);
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual([
      'gpu=h100-sxm power-cap-w=700',
      'gpu=h100-sxm power-cap-w=350',
      'gpu=a100-sxm power-cap-w=700',
      'gpu=a100-sxm power-cap-w=350',
    ]);
    expect(lines[1]).toMatch(/: \d+\.\d kJ \(0%\), (calibrated|transferred|datasheet)$/);
  });
});
