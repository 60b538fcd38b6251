/**
 * How many tokens a speculative-decoding round yields for a sequence. The draft proposes γ tokens; the target
 * accepts them one by one, each with probability α (independent draws), until the first rejection; then it adds
 * one token of its own (the correction after a rejection, or the bonus token after γ acceptances). So a round
 * yields 1 … γ+1 tokens, with mean
 *
 *   E[tokens per round] = Σ_{i=0}^{γ} α^i = (1 − α^(γ+1)) / (1 − α)        (γ + 1 when α = 1).
 *
 * Acceptance kinds (scenario `cluster.scheduler.acceptance`):
 *   constant / per_token — every token draws against the same rate α (the two names are the same mechanism);
 *   per_request          — each request draws its own α once, from beta(a, b) or uniform(lo, hi), then its tokens
 *                          draw against it (some prompts are easy for the draft, some are not).
 *
 * Every request has its own seeded stream (seedrandom via Random, keyed by the scenario seed and the request id),
 * so its draws do not depend on which replica, batch or round it lands in: runs are deterministic, and two
 * configurations of the same workload see the same acceptance sequences (common random numbers).
 */
import { Random } from '../workload/random.js';

export type AcceptanceDistribution =
  | { readonly kind: 'beta'; readonly a: number; readonly b: number }
  | { readonly kind: 'uniform'; readonly lo: number; readonly hi: number };

export type AcceptanceConfig =
  | { readonly kind: 'constant'; readonly rate: number }
  | { readonly kind: 'per_token'; readonly rate: number }
  | { readonly kind: 'per_request'; readonly distribution: AcceptanceDistribution };

/** Mean tokens per round at acceptance rate α with γ draft tokens: (1 − α^(γ+1)) / (1 − α). */
export function expectedTokensPerRound(alpha: number, gamma: number): number {
  if (alpha >= 1) return gamma + 1;
  return (1 - Math.pow(alpha, gamma + 1)) / (1 - alpha);
}

/** The mean acceptance rate of a configuration (for reports). */
export function meanAcceptance(c: AcceptanceConfig): number {
  if (c.kind !== 'per_request') return c.rate;
  const d = c.distribution;
  return d.kind === 'beta' ? d.a / (d.a + d.b) : (d.lo + d.hi) / 2;
}

/** What the schema cannot say about a configuration: a uniform range must not be upside down. */
export function acceptanceRangeProblem(c: AcceptanceConfig | undefined): string | undefined {
  if (c?.kind !== 'per_request' || c.distribution.kind !== 'uniform') return undefined;
  const { lo, hi } = c.distribution;
  return lo > hi ? `uniform acceptance needs lo <= hi, got lo ${lo} > hi ${hi}` : undefined;
}

export function describeAcceptance(c: AcceptanceConfig): string {
  if (c.kind !== 'per_request') return `α = ${c.rate} per token (${c.kind})`;
  const d = c.distribution;
  return `α per request from ${d.kind === 'beta' ? `beta(${d.a}, ${d.b})` : `uniform(${d.lo}, ${d.hi})`}, then per token`;
}

/** One request's draws: its acceptance rate and its own seeded stream. */
export class AcceptanceStream {
  constructor(
    private readonly random: Random,
    readonly alpha: number,
    private readonly gamma: number,
  ) {}

  /** Tokens the next round yields: accepted drafts (0 … γ) + the target's own token. */
  tokensThisRound(): number {
    const alpha = this.alpha;
    const gamma = this.gamma;
    let accepted = 0;
    while (accepted < gamma && this.random.uniform() < alpha) accepted++;
    return accepted + 1;
  }
}

export class AcceptanceSampler {
  private readonly streams = new Map<number, AcceptanceStream>();

  constructor(
    readonly config: AcceptanceConfig,
    readonly gamma: number,
    readonly seed: number,
  ) {}

  /** The request's stream (made on first use); a scheduler may keep it while the request runs. */
  stream(requestId: number): AcceptanceStream {
    let s = this.streams.get(requestId);
    if (s) return s;
    const random = new Random(`${this.seed}/speculative/${requestId}`);
    s = new AcceptanceStream(random, this.drawAlpha(random), this.gamma);
    this.streams.set(requestId, s);
    return s;
  }

  private drawAlpha(random: Random): number {
    const c = this.config;
    if (c.kind !== 'per_request') return c.rate;
    const d = c.distribution;
    if (d.kind === 'uniform') return d.lo + (d.hi - d.lo) * random.uniform();
    const x = random.gamma(d.a);
    const y = random.gamma(d.b);
    return x / (x + y);
  }

  /** The acceptance rate this request draws its tokens against. */
  alphaOf(requestId: number): number {
    return this.stream(requestId).alpha;
  }

  /** Tokens the next round yields for this request: accepted drafts (0 … γ) + the target's own token. */
  tokensThisRound(requestId: number): number {
    return this.stream(requestId).tokensThisRound();
  }

  /** The request is done: its stream is dropped (a request that comes back restarts nothing: ids are unique). */
  release(requestId: number): void {
    this.streams.delete(requestId);
  }
}
