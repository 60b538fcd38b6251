/** A policy's own random stream: seeded from the run's seed, its slot and its replica, so runs replay exactly. */
import seedrandom from 'seedrandom';

export function seededUniform(seed: number, slot: string, replica: number): () => number {
  const prng = seedrandom(`${seed}/policy/${slot}/${replica}`);
  return () => prng();
}
