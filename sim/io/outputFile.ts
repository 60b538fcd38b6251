/**
 * Output files that never look complete before they are: every file is written under a temporary name in its own
 * folder and renamed into place only when whole (a rename within one folder is atomic), so a full disk, an I/O
 * error or an interrupt leaves either the finished file or nothing under its name. I/O failures become one-line
 * InputErrors that name the file and the cause.
 *
 * Targets that are not regular files (/dev/stdout, /dev/null, a FIFO) cannot be renamed over; they are written
 * directly, as a user who names one expects.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { InputError } from '../errors.js';

/** Plain words for the errno codes a user can act on; others print as the code alone. */
const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists and is not a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EPIPE: 'the reader closed the pipe',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};

/** `no space left on the device (ENOSPC)`: the cause of a failed file operation, for a one-line error. */
export function ioCause(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code) return CAUSES[code] ? `${CAUSES[code]} (${code})` : code;
  return e instanceof Error ? e.message : String(e);
}

export function isBrokenPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** The suffix of this process's temporary files; the pid lets an interrupt find those its worker threads left. */
const TEMP_SUFFIX = `.${process.pid}.joulesim-tmp`;
let tempCounter = 0;

/** Files of this thread still under their temporary names (removed by discardPendingOutputs on an interrupt). */
const pending = new Set<OutputFile>();

export class OutputFile {
  private fd: number;
  /** null when the target is not a regular file and is written directly. */
  private readonly tempPath: string | null;
  private state: 'open' | 'committed' | 'discarded' = 'open';

  /**
   * @param path where the file goes (as the user gave it: errors name it this way)
   * @param what a few words for errors: `cannot write the trace-event file`
   */
  constructor(
    readonly path: string,
    private readonly what = 'cannot write',
  ) {
    if (path === '') throw new InputError('(empty path)', '', `${what}: the file name is empty`);
    let direct = false;
    try {
      direct = !statSync(path).isFile();
    } catch {
      // Absent (the usual case): a regular file will be created.
    }
    if (direct) {
      this.tempPath = null;
      this.fd = this.open(path);
    } else {
      this.tempPath = join(dirname(path), `.${basename(path)}.${threadId}-${tempCounter++}${TEMP_SUFFIX}`);
      this.fd = this.open(this.tempPath);
    }
    pending.add(this);
  }

  private open(file: string): number {
    try {
      return openSync(file, 'w');
    } catch (e) {
      throw new InputError(this.path, '', `${this.what}: ${ioCause(e)}`);
    }
  }

  /** Appends text; on an I/O error the temporary file is removed and the error names the file. */
  write(text: string): void {
    if (this.state !== 'open') throw new Error(`internal: write to ${this.state} output ${this.path}`);
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
    } catch (e) {
      this.discard();
      throw new InputError(this.path, '', `${this.what}: ${ioCause(e)}`);
    }
  }

  /** Closes the file and gives it its real name. */
  commit(): void {
    if (this.state !== 'open') throw new Error(`internal: commit of ${this.state} output ${this.path}`);
    try {
      closeSync(this.fd);
      this.fd = -1;
      if (this.tempPath !== null) renameSync(this.tempPath, this.path);
    } catch (e) {
      this.discard();
      throw new InputError(this.path, '', `${this.what}: ${ioCause(e)}`);
    }
    this.state = 'committed';
    pending.delete(this);
  }

  /** Closes and removes the temporary file (nothing under the real name); safe to call more than once. */
  discard(): void {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    pending.delete(this);
    try {
      if (this.fd >= 0) closeSync(this.fd);
    } catch {
      // Closing can report a deferred write error; the file is being thrown away either way.
    }
    this.fd = -1;
    if (this.tempPath !== null) {
      try {
        unlinkSync(this.tempPath);
      } catch {
        // Already gone, or its folder vanished: nothing left to remove.
      }
    }
  }
}

/**
 * Writes several whole files so that either all of them appear or none: each goes to a temporary name first, and
 * the renames happen together only after every write succeeded.
 */
export function writeOutputFiles(files: readonly { readonly path: string; readonly content: string }[], streamed: readonly OutputFile[] = []): void {
  const opened: OutputFile[] = [];
  try {
    for (const f of files) {
      const out = new OutputFile(f.path);
      opened.push(out);
      out.write(f.content);
    }
    for (const out of [...streamed, ...opened]) out.commit();
  } catch (e) {
    for (const out of [...streamed, ...opened]) out.discard();
    throw e;
  }
}

/** One whole file, written atomically. */
export function writeOutputFile(path: string, content: string): void {
  writeOutputFiles([{ path, content }]);
}

/**
 * Creates an output folder (and its parents). `flag` names where the folder came from (`--out`) so an empty or
 * unwritable one is reported against it.
 */
export function ensureOutputDir(dir: string, flag: string): void {
  if (dir.trim() === '') throw new InputError(flag, '', 'expected a folder name, got an empty string');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(flag, '', `cannot create the output folder ${dir}: ${ioCause(realMkdirError(dir, e))}`);
  }
}

/**
 * A recursive mkdir reports ENOENT when the real cause is a read-only or forbidden parent; creating the first
 * missing folder on its own gives the true errno (EROFS, EACCES).
 */
function realMkdirError(dir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e;
  let missing = resolve(dir);
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  try {
    mkdirSync(missing);
    rmdirSync(missing);
  } catch (first) {
    return first;
  }
  return e;
}

/** Output folders and files named by the user in this process, swept for worker threads' leftovers on an interrupt. */
const outputPlaces = new Set<string>();

/**
 * Checks an output path given by a flag (an empty one would silently write nothing) and remembers it so an
 * interrupt can clean it up.
 */
export function outputPath(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new InputError(flag, '', 'expected a path, got an empty string');
  outputPlaces.add(value);
  return value;
}

/**
 * Removes every file still under a temporary name: this thread's, and this process's in the output places named
 * so far (worker threads write there). An interrupt then leaves outputs complete or absent.
 */
export function discardPendingOutputs(): void {
  for (const f of [...pending]) f.discard();
  for (const place of outputPlaces) {
    removeStrayTempFiles(place);
    removeStrayTempFiles(dirname(place));
  }
}

/** Forgets the output places of a finished command. */
export function clearOutputPlaces(): void {
  outputPlaces.clear();
}

/**
 * Removes this process's temporary files in `dir` and its sub-folders (one level), including those of worker
 * threads, whose pending sets the main thread cannot see.
 */
export function removeStrayTempFiles(dir: string): void {
  const sweep = (d: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith(TEMP_SUFFIX)) {
        try {
          unlinkSync(join(d, e.name));
        } catch {
          // Removed meanwhile.
        }
      } else if (e.isDirectory() && depth > 0) sweep(join(d, e.name), depth - 1);
    }
  };
  sweep(dir, 1);
}
