// A custom router: "power of two choices". Each arrival samples two replicas at random and goes to the one with
// fewer outstanding requests — nearly as balanced as least-outstanding while looking at only two replicas. Its
// draws come from ctx.random, seeded from the run's seed, so the same scenario routes the same way every run.

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { choices: { type: 'integer', minimum: 1, default: 2 } },
};

/**
 * @param {import('joulesim').PolicyContext<{ choices: number }>} ctx
 * @returns {import('joulesim').Router}
 */
export function createRouter(ctx) {
  const choices = ctx.options.choices;
  return {
    route(_request, replicas) {
      let best = Math.floor(ctx.random() * replicas.length);
      for (let k = 1; k < choices; k++) {
        const i = Math.floor(ctx.random() * replicas.length);
        if (replicas[i].outstanding < replicas[best].outstanding) best = i;
      }
      return best;
    },
  };
}
