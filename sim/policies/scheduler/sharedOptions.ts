/**
 * Scheduler options that more than one batching policy reads. Each is defined once, so the scenario schema (the
 * union of every registered policy's options) sees one definition per key.
 */
export const sharedSchedulerOptions = {
  batch_size: {
    type: 'integer',
    minimum: 1,
    description: 'Static: requests per batch (default 8). Continuous: max running sequences (default 256; transformers-cb: the stack’s max_requests_per_batch).',
  },
  max_batched_tokens: {
    type: 'integer',
    minimum: 1,
    description: 'Continuous: token budget of one step (default 8192 with chunked prefill, else 16384; transformers-cb: the stack’s max_batch_tokens).',
  },
  kv_block_tokens: { type: 'integer', minimum: 1, maximum: 4096, description: 'Continuous: tokens per KV block (default: the stack; at most 4096).' },
  kv_blocks: {
    type: 'integer',
    minimum: 1,
    description: 'Continuous: number of KV blocks, instead of sizing the cache from GPU memory (e.g. what a measured stack resolved to).',
  },
  max_run_steps: {
    type: 'integer',
    minimum: 1,
    description: 'Longest decode run priced as one event. 1 = step-by-step reference path (slow, same results).',
  },
} as const;
