/**
 * Synchronous streaming line reader: the hot path of trace replay. It reads a file in fixed-size chunks
 * (1 MiB by default) with fs.readSync, so a 10-million-row trace streams in constant memory: at any time it
 * holds one chunk of bytes, the decoded text of that chunk's complete lines (lines are sliced off it one at a
 * time), and the bytes of the one line that straddles the chunk boundary.
 *
 * - `\n` and `\r\n` line ends; a last line without a line end is still a line; a UTF-8 byte-order mark at the
 *   start of the file is dropped.
 * - UTF-8 is decoded only up to the last `\n` byte of what has been read. 0x0A never occurs inside a multi-byte
 *   UTF-8 sequence, so a character split across two reads is always decoded whole.
 * - A line longer than the buffer grows the buffer (to about twice the longest line) rather than failing, up to
 *   `maxLineBytes` (64 MiB by default): a longer line is an InputError naming the file and the line, before V8's
 *   string limit or the heap gives out. No trace row comes near it.
 * - Scanning is linear: each read searches only the bytes it added for a line feed, never the pending line again.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';

export const DEFAULT_BUFFER_BYTES = 1 << 20;
export const DEFAULT_MAX_LINE_BYTES = 64 << 20;

export interface LineReaderOptions {
  /** Bytes per read; tests use tiny values to exercise chunk boundaries. Default 1 MiB. */
  readonly bufferSize?: number;
  /** The longest line accepted, in bytes (without its line end). Default 64 MiB; tests use small values. */
  readonly maxLineBytes?: number;
}

export interface Line {
  /** 1-based line number in the file (blank lines count). */
  readonly lineNumber: number;
  /** The line without its `\n` or `\r\n`. */
  readonly text: string;
}

const LF = 0x0a;
const CR = 13;
const BOM = 0xfeff;

/**
 * Pull-style reader: `next()` returns the next line's text or `undefined` at the end of the file, and
 * `lineNumber` is the number of the line last returned. Allocation per line is one (sliced) string. Call
 * `close()` when abandoning it early (it closes itself at the end of the file).
 */
export class LineReader {
  /** 1-based number of the line most recently returned by next(); 0 before the first. */
  lineNumber = 0;
  private fd: number;
  private open = true;
  private buf: Buffer;
  private readonly readSize: number;
  private readonly maxLineBytes: number;
  /** Bytes buf[0, carry) belong to a line whose end has not been read yet. */
  private carry = 0;
  /** Decoded text of complete lines not yet returned: chunk[pos, chunk.length), lines separated by `\n`. */
  private chunk = '';
  private pos = 0;
  private hasChunk = false;
  private atStart = true;

  constructor(
    readonly path: string,
    options: LineReaderOptions = {},
  ) {
    const size = Math.floor(options.bufferSize ?? DEFAULT_BUFFER_BYTES);
    this.readSize = size >= 1 ? size : 1;
    this.maxLineBytes = Math.max(1, Math.floor(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES));
    this.buf = Buffer.allocUnsafe(this.readSize);
    this.fd = openSync(path, 'r');
  }

  next(): string | undefined {
    if (!this.hasChunk && !this.fill()) return undefined;
    this.lineNumber++;
    const chunk = this.chunk;
    const lf = chunk.indexOf('\n', this.pos);
    let text: string;
    if (lf < 0) {
      text = chunk.slice(this.pos);
      this.hasChunk = false;
      this.chunk = '';
    } else {
      text = chunk.slice(this.pos, lf);
      this.pos = lf + 1;
    }
    const n = text.length;
    return n > 0 && text.charCodeAt(n - 1) === CR ? text.slice(0, n - 1) : text;
  }

  close(): void {
    if (this.open) {
      this.open = false;
      closeSync(this.fd);
    }
  }

  /** Reads until at least one complete line is available; false at the end of the file. */
  private fill(): boolean {
    if (!this.open) return false;
    for (;;) {
      if (this.buf.length - this.carry < this.readSize) {
        const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.carry + this.readSize));
        this.buf.copy(bigger, 0, 0, this.carry);
        this.buf = bigger;
      }
      const n = readSync(this.fd, this.buf, this.carry, this.readSize, null);
      if (n === 0) {
        this.close();
        if (this.carry === 0) return false;
        this.setChunk(this.buf.toString('utf8', 0, this.carry));
        this.carry = 0;
        return true;
      }
      const end = this.carry + n;
      // The carried bytes hold no line feed, so only the new ones are searched: rescanning the pending line on
      // every read would make one long line quadratic.
      const found = this.buf.subarray(this.carry, end).lastIndexOf(LF);
      if (found < 0) {
        this.carry = end;
        this.checkLength(this.carry);
        continue;
      }
      const lastLf = this.carry + found;
      // The first new line feed ends the pending line: check its length before decoding it.
      this.checkLength(this.carry + this.buf.subarray(this.carry, end).indexOf(LF));
      this.setChunk(this.buf.toString('utf8', 0, lastLf));
      this.buf.copy(this.buf, 0, lastLf + 1, end);
      this.carry = end - lastLf - 1;
      return true;
    }
  }

  /** `bytes` of the line after the last one returned (blank lines count), without its line end. */
  private checkLength(bytes: number): void {
    if (bytes <= this.maxLineBytes) return;
    const line = this.lineNumber + 1;
    this.close();
    throw new InputError(this.path, `line ${line}`, `line longer than ${this.maxLineBytes} bytes (at least ${bytes}); a trace row is a few dozen bytes, so this is not a trace`);
  }

  private setChunk(text: string): void {
    this.chunk = text;
    this.pos = 0;
    this.hasChunk = true;
    if (this.atStart) {
      this.atStart = false;
      if (text.charCodeAt(0) === BOM) this.pos = 1;
    }
  }
}

/** Iterates a file's lines lazily; the file is opened on the first `next()` and closed at the end or on `break`. */
export function* readLines(path: string, options: LineReaderOptions = {}): Generator<Line, void, undefined> {
  const reader = new LineReader(path, options);
  try {
    for (let text = reader.next(); text !== undefined; text = reader.next()) {
      yield { lineNumber: reader.lineNumber, text };
    }
  } finally {
    reader.close();
  }
}
