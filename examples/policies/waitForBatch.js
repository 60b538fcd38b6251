// A custom batching policy: hold requests back until a batch is worth starting — at least `min_batch` are waiting,
// or the oldest has waited `max_wait_s` — then start everything that waits. Trades TTFT for fuller batches.
// joulesim runs it on its paged-cache batcher (docs/POLICIES.md): this file only decides.

/** @type {import('joulesim').PolicyModuleExports['optionsSchema']} */
export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    min_batch: { type: 'integer', minimum: 1, default: 8 },
    max_wait_s: { type: 'number', minimum: 0, default: 1 },
  },
};

/**
 * @param {import('joulesim').PolicyContext<{ min_batch: number, max_wait_s: number }>} ctx
 * @returns {import('joulesim').BatchingPolicy}
 */
export function createBatchingPolicy(ctx) {
  const { min_batch: minBatch, max_wait_s: maxWait } = ctx.options;
  return {
    decide(view) {
      const oldest = view.waiting[0];
      const deadline = oldest.arrivalSeconds + maxWait;
      // Once a batch is running, newcomers join at once (continuous batching); only an idle replica waits.
      if (view.running.length > 0 || view.waiting.length >= minBatch || view.nowSeconds >= deadline) {
        return { admit: view.waiting.map((r) => r.id) };
      }
      return { admit: [], revisitAtSeconds: deadline };
    },
  };
}
