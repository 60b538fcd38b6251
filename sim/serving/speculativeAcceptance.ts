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
 * One uniform per round, by inverse CDF: P(accepted ≥ j) = α^j, so a round with uniform u accepts
 * #{j ≤ γ : u < α^j} drafts — the same distribution as γ per-token draws stopped at the first rejection, with one
 * uniform instead of up to γ (2.5 on average at α = 0.7, γ = 4). The uniform of a request's k-th round is a
 * counter-based hash of (scenario seed, request id, k): u = h / 2^32 with h = fmix32(fmix32(k ⊕ key₁) + key₂ mod
 * 2^32), fmix32 being MurmurHash3's 32-bit finaliser and the two keys hashed from the seed and the id. So a request's
 * draws do not depend on which replica, batch or round it lands in (runs are deterministic; two configurations of
 * the same workload see the same acceptance sequences: common random numbers), and drawing one costs a few integer
 * multiplies. A per-request α is drawn once from the request's own seedrandom stream (`seed/speculative/id`).
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

/** MurmurHash3's 32-bit finaliser: a bijection of 32-bit integers with full avalanche (as a signed int32, so it
 *  stays a small integer for the engine; the bits are the same). */
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** FNV-1a over the string's UTF-16 code units, finalised. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

const TWO_TO_32 = 4294967296;

/**
 * A rate's thresholds α^j · 2^32 − 2^31 (j = 1 … γ): a round accepts j drafts or more when its hash h (an unsigned
 * 32-bit number, compared as h − 2^31 so that it stays a signed int32) is below the j-th. `byTopByte` answers from
 * the hash's top 8 bits alone wherever no threshold falls inside their range (all but at most γ of the 256), so a
 * round costs one table read, not a loop whose exit the processor cannot predict.
 */
export interface AcceptanceTable {
  readonly thresholds: Float64Array;
  /** Accepted drafts for hashes with this top byte (of h − 2^31 as an int32, read unsigned); −1: compare. */
  readonly byTopByte: Int8Array;
}

export function acceptanceTable(alpha: number, gamma: number): AcceptanceTable {
  const thresholds = new Float64Array(gamma);
  let p = 1;
  for (let j = 0; j < gamma; j++) {
    p *= alpha;
    thresholds[j] = p * TWO_TO_32 - 2 ** 31;
  }
  const accepted = (x: number) => {
    let a = 0;
    while (a < gamma && x < thresholds[a]) a++;
    return a;
  };
  const byTopByte = new Int8Array(256);
  for (let c = 0; c < 256; c++) {
    const lo = c < 128 ? c * 2 ** 24 : c * 2 ** 24 - TWO_TO_32;
    const hi = lo + 2 ** 24 - 1;
    const a = accepted(lo);
    byTopByte[c] = a === accepted(hi) ? a : -1;
  }
  return { thresholds, byTopByte };
}

/** One request's draws: its acceptance rate and the keys of its round uniforms. */
export class AcceptanceStream {
  /** Rounds drawn so far by tokensThisRound (the next round's counter). */
  private round = 0;
  private readonly thresholds: Float64Array;
  private readonly byTopByte: Int8Array;

  constructor(
    private readonly key1: number,
    private readonly key2: number,
    readonly alpha: number,
    table: AcceptanceTable,
  ) {
    this.thresholds = table.thresholds;
    this.byTopByte = table.byTopByte;
  }

  /** Tokens the request's k-th round yields (k = 0, 1, …): accepted drafts (0 … γ) + the target's own token. */
  tokensOfRound(k: number): number {
    // h ⊕ 2^31 as a signed int32 is h − 2^31: unsigned order becomes signed order.
    const h = fmix32(fmix32(k ^ this.key1) + this.key2) ^ 0x80000000;
    let accepted = this.byTopByte[h >>> 24];
    if (accepted < 0) {
      const t = this.thresholds;
      accepted = 0;
      while (accepted < t.length && h < t[accepted]) accepted++;
    }
    return accepted + 1;
  }

  /**
   * From round `firstRound` on, one round at a time until `tokens` tokens are gained: adds each round's gain (the
   * last one cut to what was missing) into gains[k] for its k-th round from there; returns the rounds. (A static
   * batch's rows, drawn in one tight loop.)
   */
  addGains(firstRound: number, tokens: number, gains: Int32Array): number {
    let gained = 0;
    let k = 0;
    while (gained < tokens) {
      const g = Math.min(this.tokensOfRound(firstRound + k), tokens - gained);
      gains[k++] += g;
      gained += g;
    }
    return k;
  }

  /** Tokens the next round yields (its rounds in order, from the first). */
  tokensThisRound(): number {
    return this.tokensOfRound(this.round++);
  }
}

export class AcceptanceSampler {
  private readonly streams = new Map<number, AcceptanceStream>();
  /** The seed's part of every request's keys. */
  private readonly seedKey: number;
  /** The fixed α's table (constant / per_token), shared by every stream. */
  private readonly fixedTable: AcceptanceTable | null;

  constructor(
    readonly config: AcceptanceConfig,
    readonly gamma: number,
    readonly seed: number,
  ) {
    this.seedKey = hashString(`${seed}/speculative`);
    this.fixedTable = config.kind === 'per_request' ? null : acceptanceTable(config.rate, gamma);
  }

  /** The request's stream (made on first use); a scheduler may keep it while the request runs. */
  stream(requestId: number): AcceptanceStream {
    let s = this.streams.get(requestId);
    if (s) return s;
    s = this.freshStream(requestId);
    this.streams.set(requestId, s);
    return s;
  }

  /**
   * The request's stream, made anew and not kept here: a scheduler that holds it for the request's whole life
   * (its draws are a function of the request and the round number, so any copy draws the same).
   */
  freshStream(requestId: number): AcceptanceStream {
    let s: AcceptanceStream;
    const key1 = fmix32(this.seedKey ^ fmix32((requestId >>> 0) ^ 0x9e3779b9));
    const key2 = fmix32(key1 + (Math.floor(requestId / TWO_TO_32) >>> 0) + 0x7f4a7c15);
    const c = this.config;
    if (c.kind === 'per_request') {
      const alpha = this.drawAlpha(new Random(`${this.seed}/speculative/${requestId}`));
      s = new AcceptanceStream(key1, key2, alpha, acceptanceTable(alpha, this.gamma));
    } else {
      s = new AcceptanceStream(key1, key2, c.rate, this.fixedTable!);
    }
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
