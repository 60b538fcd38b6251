/**
 * Nelder–Mead simplex minimisation: derivative-free, robust for the handful of cost-model coefficients we fit, and
 * deterministic (no random restarts: restarts begin from the previous best with a fresh simplex).
 */
export interface MinimizeResult {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
}

export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  opts: { step?: number; maxEvaluations?: number; tolerance?: number; restarts?: number } = {},
): MinimizeResult {
  const step = opts.step ?? 0.5;
  const maxEvaluations = opts.maxEvaluations ?? 4000;
  const tolerance = opts.tolerance ?? 1e-10;
  const restarts = opts.restarts ?? 3;
  let best = start.slice();
  let bestValue = f(best);
  let evaluations = 1;
  const n = start.length;
  for (let round = 0; round <= restarts; round++) {
    let simplex = [best.slice()];
    for (let i = 0; i < n; i++) {
      const p = best.slice();
      p[i] += step;
      simplex.push(p);
    }
    let values = simplex.map((p) => f(p));
    evaluations += n;
    while (evaluations < maxEvaluations * (round + 1)) {
      const order = values.map((v, i) => i).sort((a, b) => values[a] - values[b]);
      simplex = order.map((i) => simplex[i]);
      values = order.map((i) => values[i]);
      if (Math.abs(values[n] - values[0]) <= tolerance * (Math.abs(values[0]) + 1e-30)) break;
      const centroid = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
      const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
      const reflected = along(-1);
      const fr = f(reflected);
      evaluations++;
      if (fr < values[0]) {
        const expanded = along(-2);
        const fe = f(expanded);
        evaluations++;
        if (fe < fr) {
          simplex[n] = expanded;
          values[n] = fe;
        } else {
          simplex[n] = reflected;
          values[n] = fr;
        }
      } else if (fr < values[n - 1]) {
        simplex[n] = reflected;
        values[n] = fr;
      } else {
        const contracted = fr < values[n] ? along(-0.5) : along(0.5);
        const fc = f(contracted);
        evaluations++;
        if (fc < Math.min(fr, values[n])) {
          simplex[n] = contracted;
          values[n] = fc;
        } else {
          for (let i = 1; i <= n; i++) {
            simplex[i] = simplex[i].map((x, j) => simplex[0][j] + 0.5 * (x - simplex[0][j]));
            values[i] = f(simplex[i]);
            evaluations++;
          }
        }
      }
    }
    const i0 = values.indexOf(Math.min(...values));
    if (values[i0] < bestValue) {
      bestValue = values[i0];
      best = simplex[i0].slice();
    }
  }
  return { x: best, value: bestValue, evaluations };
}
