import { vi } from 'vitest';
import { main } from '../sim/cli/main.js';

/** Runs the joulesim CLI in-process, capturing stdout and stderr, and returns its exit code. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stderr = '';
  let stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  try {
    const code = await main(['node', 'joulesim', ...args]);
    return { code, stdout, stderr };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}
