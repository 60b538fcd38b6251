/** The README's validation command works as written, and its table is what that command prints today. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import { cli } from '../cliHarness.js';

const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');

describe('README: validation on end-to-end runs', () => {
  it('`calibrate validate` as the README gives it runs every measured run, and the table matches', { timeout: 300_000 }, async () => {
    const section = readme.slice(readme.indexOf('### Validation on end-to-end runs'));
    const m = /^npx joulesim calibrate validate (.+)$/m.exec(section);
    expect(m, 'the README gives the command').not.toBeNull();
    const args = m![1].trim().split(/\s+/);
    expect(args.every((a) => !a.includes('*')), 'no shell glob: it would pick up workloads/').toBe(true);
    const { code, stdout, stderr } = await cli('calibrate', 'validate', ...args.map((a) => (a.startsWith('-') ? a : join(packageRoot, a))));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = stdout.trim().split('\n');
    expect(rows.length).toBeGreaterThanOrEqual(2 + 5);
    for (const row of rows) expect(readme, row).toContain(row);
  });

  it('a folder with no run anywhere under it is one line naming it', async () => {
    const { code, stderr } = await cli('calibrate', 'validate', join(packageRoot, 'calibration', 'validation', 'workloads'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^joulesim: .*workloads: no run\.json in this folder or in its sub-folders\n$/);
  });
});
