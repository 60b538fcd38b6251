/** Output files appear whole or not at all; I/O failures are one line naming the file and the cause. */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isInputError } from '../../sim/errors.js';
import { discardPendingOutputs, ensureOutputDir, ioCause, OutputFile, writeOutputFiles } from '../../sim/io/outputFile.js';
import { tempDir } from '../compare/helpers.js';

const dir = tempDir('outputfile');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => void): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('OutputFile', () => {
  it('keeps a temporary name until committed, then has exactly the written bytes under the real name', () => {
    const path = join(dir, 'a.csv');
    const f = new OutputFile(path);
    f.write('x,y\n');
    f.write('1,2\n');
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.a.csv.'))).toHaveLength(1);
    f.commit();
    expect(readFileSync(path, 'utf8')).toBe('x,y\n1,2\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.a.csv.'))).toEqual([]);
  });

  it('a discarded file leaves nothing, and an older complete file is untouched', () => {
    const path = join(dir, 'keep.json');
    writeFileSync(path, 'old complete contents\n');
    const f = new OutputFile(path);
    f.write('half of a new fi');
    f.discard();
    expect(readFileSync(path, 'utf8')).toBe('old complete contents\n');
    expect(readdirSync(dir).filter((n) => n.includes('joulesim-tmp'))).toEqual([]);
  });

  it('discardPendingOutputs removes every file still under its temporary name (what an interrupt does)', () => {
    const a = new OutputFile(join(dir, 'p1.csv'));
    const b = new OutputFile(join(dir, 'p2.csv'));
    a.write('partial');
    b.write('partial');
    discardPendingOutputs();
    expect(readdirSync(dir).filter((n) => n.includes('joulesim-tmp') || n.startsWith('p'))).toEqual([]);
  });

  it('writeOutputFiles: when one file cannot be written, none of them appears', () => {
    const good = join(dir, 'together-1.json');
    const bad = join(dir, 'no-such-folder', 'together-2.json');
    const e = thrown(() =>
      writeOutputFiles([
        { path: good, content: '{}\n' },
        { path: bad, content: '{}\n' },
      ]),
    );
    expect(isInputError(e)).toBe(true);
    expect(e.message).toBe(`${bad}: cannot write: no such folder (ENOENT)`);
    expect(existsSync(good)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('joulesim-tmp'))).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/full'))('a full device: ENOSPC named with the file, one line', () => {
    const f = new OutputFile('/dev/full');
    const e = thrown(() => f.write('x'.repeat(1 << 16)));
    expect(isInputError(e)).toBe(true);
    expect(e.message).toBe('/dev/full: cannot write: no space left on the device (ENOSPC)');
  });

  it('an output folder: empty name and a file in the way are errors naming the flag', () => {
    expect(thrown(() => ensureOutputDir('', '--out')).message).toBe('--out: expected a folder name, got an empty string');
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(thrown(() => ensureOutputDir(join(file, 'sub'), '--out')).message).toBe(
      `--out: cannot create the output folder ${join(file, 'sub')}: a part of the path is not a folder (ENOTDIR)`,
    );
  });

  it('ioCause names the errno in words and keeps the code', () => {
    expect(ioCause(Object.assign(new Error('x'), { code: 'EROFS' }))).toBe('read-only file system (EROFS)');
    expect(ioCause(Object.assign(new Error('x'), { code: 'EWHATEVER' }))).toBe('EWHATEVER');
  });
});
