/**
 * Files that are either complete or absent: written under a hidden temporary name in the same folder, then renamed
 * (rename is atomic within one file system, also on NFS and Lustre for a single client). A task killed mid-write
 * leaves only a `.tmp` file that no reader takes for a result.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

/** Names starting with this are partial writes; readers skip them. */
export const TEMP_PREFIX = '.tmp-';

export function writeFileAtomic(path: string, content: string | Buffer): void {
  const dir = dirname(path);
  // Host and pid: tasks of one array on different nodes may share the folder.
  const tmp = join(dir, `${TEMP_PREFIX}${hostname()}-${process.pid}-${basename(path)}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(path, '', `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
