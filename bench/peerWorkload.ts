/**
 * The same workload for joulesim and for DistServe's simulator (simdistserve), for the side-by-side in the README's
 * Performance section: `n` requests, Poisson arrivals at `rate` per second (seeded), lengths taken in order from the
 * bundled Azure 2023 conversation trace and cut to fit OPT's 2,048-token context (prompt ≤ 1,536, prompt + output ≤
 * 2,048: DistServe's simulator only has OPT profiles). Writes PREFIX.csv (joulesim's plain CSV trace) and PREFIX.json
 * (simdistserve's custom workload: start_time in seconds, prompt_len, output_len).
 *
 *   node dist/bench/peerWorkload.js 100000 2 /tmp/peer-100k
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import seedrandom from 'seedrandom';
import { packageRoot } from '../sim/paths.js';

async function traceLengths(): Promise<[number, number][]> {
  const lines = createInterface({ input: createReadStream(join(packageRoot, 'scenarios', 'traces', 'AzureLLMInferenceTrace_conv.csv')) });
  const out: [number, number][] = [];
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    const [, input, output] = line.split(',');
    if (input !== undefined && output !== undefined) out.push([Number(input), Number(output)]);
  }
  return out;
}

async function main(): Promise<void> {
  const [nArg, rateArg, prefix] = process.argv.slice(2);
  const n = Number(nArg);
  const ratePerSecond = Number(rateArg);
  if (!(n > 0) || !(ratePerSecond > 0) || !prefix) {
    process.stderr.write('usage: node dist/bench/peerWorkload.js REQUESTS RATE_PER_S PREFIX\n');
    process.exit(2);
  }
  const lengths = await traceLengths();
  const rng = seedrandom('peer-workload');
  const csv: string[] = ['arrival_s,input_tokens,output_tokens'];
  const json: string[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const [p0, o0] = lengths[i % lengths.length];
    const prompt = Math.max(1, Math.min(p0, 1536));
    const output = Math.max(1, Math.min(o0, 2048 - prompt));
    t += -Math.log(1 - rng()) / ratePerSecond;
    csv.push(`${t.toFixed(6)},${prompt},${output}`);
    json.push(`{"start_time":${t.toFixed(6)},"prompt_len":${prompt},"output_len":${output}}`);
  }
  writeFileSync(`${prefix}.csv`, csv.join('\n') + '\n');
  writeFileSync(`${prefix}.json`, `[${json.join(',')}]\n`);
}

await main();
