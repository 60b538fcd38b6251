/** Seeded plain-CSV traces for the benchmarks, so the trace cases read a real file. */
import { createWriteStream } from 'node:fs';
import seedrandom from 'seedrandom';

/** `rows` Poisson arrivals at `ratePerSecond` with lognormal lengths, written once (seeded). */
export async function writeTrace(path: string, rows: number, ratePerSecond: number): Promise<void> {
  const rng = seedrandom('bench-trace');
  const out = createWriteStream(path);
  let t = 0;
  let chunk = 'arrival_s,input_tokens,output_tokens\n';
  for (let i = 0; i < rows; i++) {
    t += -Math.log(1 - rng()) / ratePerSecond;
    // Lognormal lengths with the Azure 2023 conversation trace's means (~1155 in, ~211 out).
    const input = Math.max(1, Math.round(Math.exp(6.6 + 0.9 * gauss(rng))));
    const output = Math.max(1, Math.round(Math.exp(4.9 + 0.9 * gauss(rng))));
    chunk += `${t.toFixed(6)},${Math.min(input, 8000)},${Math.min(output, 2000)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((r) => out.end(() => r()));
}

function gauss(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

