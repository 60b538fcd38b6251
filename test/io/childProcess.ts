import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CHILD_CLI = fileURLToPath(new URL('../childCli.mjs', import.meta.url));

/** `joulesim ARGS` in a child process from the sources; returns when it exits. */
export function cliChild(args: readonly string[], opts: { cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CHILD_CLI, ...args], { cwd: opts.cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
}

/** A shell command line that runs the CLI from the sources, for pipelines (`... | head`). */
export function cliCommandLine(args: readonly string[]): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [process.execPath, CHILD_CLI, ...args].map(q).join(' ');
}

export function startCliChild(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CHILD_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Whether `unshare -rm` works here (an unprivileged user namespace with its own mounts): then a test can mount a
 * read-only folder or a tiny tmpfs without root.
 */
export function canUnshareMounts(): boolean {
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=16k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=16k tmpfs "$(mktemp -d)"'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

/** Runs a shell script in a fresh mount namespace (see canUnshareMounts). */
export function inMountNamespace(script: string): SpawnSyncReturns<string> {
  return spawnSync('unshare', ['-rm', 'sh', '-c', script], { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
}
