/** Small scenarios and a CLI runner shared by the compare, report and API tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cliHarness.js';

export { cli };

/** ~80 seeded Poisson requests on one H100 with vLLM-style batching: a second or so of simulated load. */
export function smallScenario(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'small synthetic',
    seed: 7,
    workload: {
      kind: 'synthetic',
      arrival: { process: 'poisson', rate_per_s: 20 },
      count: 80,
      lengths: { kind: 'lognormal', input: { mean: 700, std: 600, max: 4000 }, output: { mean: 120, std: 100, max: 600 } },
    },
    cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm' },
    output: { interval_s: 0.25 },
    ...over,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `joulesim-${prefix}-`));
}


/** Exit 2 and exactly one `joulesim: ...` line on stderr, nothing on stdout; returns the line. */
export async function oneLineError(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await cli(...args);
  if (code !== 2 || stdout !== '' || !/^joulesim: [^\n]*\n$/.test(stderr)) {
    throw new Error(`expected one error line and exit 2, got exit ${code}, stdout ${JSON.stringify(stdout.slice(0, 200))}, stderr ${JSON.stringify(stderr)}`);
  }
  return stderr.trimEnd();
}
