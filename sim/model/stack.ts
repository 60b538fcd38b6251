/** Serving stacks: `models/stacks/<id>.json`, batching and cache kind plus roofline priors. */
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { modelsDir } from '../paths.js';
import { listIds, loadDataFile } from './dataFiles.js';
import { stackSchema, type Stack } from './stackSchema.js';

export type { Stack } from './stackSchema.js';

export const stacksDir = join(modelsDir, 'stacks');

/** Loads and validates one stack; `source` is what named the id (`--stack`, a scenario file). */
export function loadStack(id: string, source = '--stack', dir = stacksDir): Stack {
  const stack = loadDataFile<Stack>({ noun: 'serving stack', schema: stackSchema }, id, source, dir);
  // The schema demands a block size for a paged cache; a block size on a contiguous cache would be ignored
  // silently, which hides a mistake, so it is refused too.
  if (stack.kv_cache === 'contiguous' && stack.kv_block_tokens !== undefined) {
    throw new InputError(join(dir, `${id}.json`), '/kv_block_tokens', 'only a paged KV cache has blocks');
  }
  if (!(stack.schedulers as readonly string[]).includes(stack.batching)) {
    throw new InputError(join(dir, `${id}.json`), '/schedulers', `must include the stack's own batching "${stack.batching}"`);
  }
  return stack;
}

export function knownStackIds(dir = stacksDir): string[] {
  return listIds(dir);
}
