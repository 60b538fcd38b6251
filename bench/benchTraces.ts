/**
 * The bench's trace files, written once per bench run from a seed: Poisson arrivals and (input, output) length pairs
 * resampled jointly from the bundled Azure 2023 conversation trace, as plain CSV. Every speed case reads a real file,
 * so the trace-read baseline and the simulation read the same bytes.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { scenariosDir } from '../sim/paths.js';

function azureConversationLengths(): Int32Array {
  const text = readFileSync(join(scenariosDir, 'traces', 'AzureLLMInferenceTrace_conv.csv'), 'utf8');
  const pairs: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cells = line.split(',');
    if (cells.length < 3) continue;
    const input = Number(cells[1]);
    const output = Number(cells[2]);
    if (input > 0 && output > 0) pairs.push(input, output);
  }
  return Int32Array.from(pairs);
}

let lengths: Int32Array | null = null;

/** Writes `rows` requests arriving at `ratePerSecond` (Poisson) to `path`. */
export async function writeBenchTrace(path: string, rows: number, ratePerSecond: number, seed: string): Promise<void> {
  lengths ??= azureConversationLengths();
  const pairCount = lengths.length / 2;
  const rng = seedrandom(seed);
  const out = createWriteStream(path);
  let t = 0;
  let chunk = 'arrival_s,input_tokens,output_tokens\n';
  for (let i = 0; i < rows; i++) {
    t += -Math.log(1 - rng()) / ratePerSecond;
    const k = Math.floor(rng() * pairCount);
    chunk += `${t.toFixed(6)},${lengths[2 * k]},${lengths[2 * k + 1]}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}
