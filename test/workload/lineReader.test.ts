import { describe, expect, it, vi } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { LineReader, readLines } from '../../sim/workload/lineReader.js';
import { openTrace } from '../../sim/workload/openTrace.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();

function texts(path: string, bufferSize?: number): string[] {
  return [...readLines(path, { bufferSize })].map((l) => l.text);
}

describe('readLines', () => {
  it('numbers lines from 1 and strips \\n and \\r\\n', () => {
    const p = tmp.write('mixed.txt', 'a,b\r\nc\n\r\nd\n');
    expect([...readLines(p)]).toEqual([
      { lineNumber: 1, text: 'a,b' },
      { lineNumber: 2, text: 'c' },
      { lineNumber: 3, text: '' },
      { lineNumber: 4, text: 'd' },
    ]);
  });

  it('yields a last line without a newline, and nothing after a final newline', () => {
    expect(texts(tmp.write('nonl.txt', 'x\ny'))).toEqual(['x', 'y']);
    expect(texts(tmp.write('nonl-crlf.txt', 'x\r\ny\r'))).toEqual(['x', 'y']);
    expect(texts(tmp.write('nl.txt', 'x\ny\n'))).toEqual(['x', 'y']);
    expect(texts(tmp.write('empty.txt', ''))).toEqual([]);
    expect(texts(tmp.write('one-nl.txt', '\n'))).toEqual(['']);
  });

  it('drops a UTF-8 byte-order mark at the start only', () => {
    expect(texts(tmp.write('bom.txt', '\uFEFFh1,h2\n\uFEFFx'))).toEqual(['h1,h2', '\uFEFFx']);
  });

  it('decodes multi-byte UTF-8 split across chunk boundaries, for every small buffer size', () => {
    const lines = ['héllo,wörld', '€uro 😀 ok', '', 'ascii', '日本語のテキスト', 'ÿ'];
    const content = lines.join('\r\n'); // no trailing newline, CRLF line ends
    const p = tmp.write('utf8.txt', content);
    for (let size = 1; size <= 24; size++) {
      expect(texts(p, size), `bufferSize ${size}`).toEqual(lines);
    }
    expect(texts(p)).toEqual(lines);
  });

  it('reads lines much longer than the buffer', () => {
    const long = 'x'.repeat(10_000);
    const p = tmp.write('long.txt', `a\n${long}\nb`);
    expect(texts(p, 7)).toEqual(['a', long, 'b']);
  });

  it('LineReader reports the line number of the line it returned and can be closed early', () => {
    const p = tmp.write('pull.txt', 'one\ntwo\nthree\n');
    const r = new LineReader(p, { bufferSize: 3 });
    expect(r.next()).toBe('one');
    expect(r.lineNumber).toBe(1);
    expect(r.next()).toBe('two');
    expect(r.lineNumber).toBe(2);
    r.close();
    expect(r.next()).toBeUndefined();
    r.close();
  });

  it('closes the file when iteration is abandoned (re-reading works many times)', () => {
    const p = tmp.write('abandon.txt', 'a\nb\nc\n');
    for (let i = 0; i < 2000; i++) {
      for (const l of readLines(p)) {
        if (l.lineNumber === 1) break;
      }
    }
    expect(texts(p)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a line longer than the cap, naming the file and the line', () => {
    const long = 'y'.repeat(5000);
    const p = tmp.write('too-long.txt', `a\n\n${long}\nb\n`);
    const r = new LineReader(p, { bufferSize: 64, maxLineBytes: 4096 });
    expect(r.next()).toBe('a');
    expect(r.next()).toBe('');
    let err: unknown;
    try {
      r.next();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(new RegExp(`too-long\\.txt:line 3: line longer than 4096 bytes`));
    // Exactly at the cap is accepted.
    expect(texts(tmp.write('at-cap.txt', `${'z'.repeat(4096)}\nq`), 64)).toEqual(['z'.repeat(4096), 'q']);
    expect([...readLines(tmp.write('at-cap2.txt', `${'z'.repeat(4096)}\nq`), { bufferSize: 64, maxLineBytes: 4096 })].map((l) => l.text)).toEqual(['z'.repeat(4096), 'q']);
  });

  it('a trace with an over-long row fails with file:line, through openTrace', () => {
    const p = tmp.write('long-row.csv', `arrival_s,input_tokens,output_tokens\n0,1,1\n0,1,${'9'.repeat(3000)}\n`);
    expect(() => [...openTrace(p, 'auto', { bufferSize: 256, maxLineBytes: 1024 })]).toThrowError(/long-row\.csv:line 3: line longer than 1024 bytes/);
  });

  it('scans linearly: the bytes searched for line feeds stay proportional to the file, however long a line', () => {
    // Count the bytes every Buffer search could visit. Rescanning the pending line on each read (the old reader)
    // visits ~L²/(2·bufferSize) bytes for a line of L bytes: 2e7 here, against 4e5 for a linear scan.
    const line = 'w'.repeat(200_000);
    const p = tmp.write('linear.txt', `${line}\n${line}\n`);
    let visited = 0;
    const lastIndexOf = function (this: Buffer, value: unknown, byteOffset?: unknown): number {
      const from = typeof byteOffset === 'number' ? byteOffset : this.length - 1;
      visited += Math.min(from, this.length - 1) + 1;
      return Uint8Array.prototype.lastIndexOf.call(this, value as number, from);
    };
    const indexOf = function (this: Buffer, value: unknown, byteOffset?: unknown): number {
      const from = typeof byteOffset === 'number' ? byteOffset : 0;
      visited += this.length - from;
      return Uint8Array.prototype.indexOf.call(this, value as number, from);
    };
    const last = vi.spyOn(Buffer.prototype, 'lastIndexOf').mockImplementation(lastIndexOf as never);
    const first = vi.spyOn(Buffer.prototype, 'indexOf').mockImplementation(indexOf as never);
    try {
      expect(texts(p, 1000).map((t) => t.length)).toEqual([200_000, 200_000]);
    } finally {
      last.mockRestore();
      first.mockRestore();
    }
    expect(visited).toBeGreaterThan(0);
    expect(visited).toBeLessThan(4 * 400_002);
  });
});
