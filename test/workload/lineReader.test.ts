import { describe, expect, it } from 'vitest';
import { LineReader, readLines } from '../../sim/workload/lineReader.js';
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
});
