/**
 * No tracked file names a folder of the machine it was written on: sources cite the original publication or
 * datasheet, and outputs record paths relative to the scenario or the package.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';

const listed = spawnSync('git', ['ls-files', '-z'], { cwd: packageRoot, encoding: 'utf8' });
const inGit = listed.status === 0 && listed.stdout.length > 0;

describe.skipIf(!inGit)('tracked files', () => {
  it('hold no machine-specific absolute path', () => {
    // Built from parts so this file does not match itself.
    const roots = ['work', 'home', 'Users', 'root'].map((r) => `/${r}/`);
    const self = 'test/repo/noMachinePaths.test.ts';
    const hits: string[] = [];
    for (const file of listed.stdout.split('\0').filter((f) => f && f !== self)) {
      const bytes = readFileSync(join(packageRoot, file));
      if (bytes.includes(0)) continue; // binary
      const text = bytes.toString('utf8');
      for (const root of roots) {
        const at = text.indexOf(root);
        // A URL path (https://host/home/...) is not a local folder.
        if (at >= 0 && !/[a-z0-9.-]$/i.test(text.slice(Math.max(0, at - 1), at))) hits.push(`${file}: ${text.slice(at, at + 60).split('\n')[0]}`);
      }
    }
    expect(hits).toEqual([]);
  });
});
