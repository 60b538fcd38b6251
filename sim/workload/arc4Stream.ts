/**
 * seedrandom's ARC4 generator (RC4-drop[256], doubles with 52 random bits), the same numbers from the same seed, in a
 * 256-byte typed state instead of a 256-element array: speculative decoding keeps one stream per running request
 * and draws several numbers per request per round, and with hundreds of streams alive the arrays did not stay in
 * cache. seedrandom keys the generator (so seeds mean what they always meant); this class only continues it.
 */
import seedrandom from 'seedrandom';

export class Arc4Stream {
  private readonly s: Uint8Array;
  private i: number;
  private j: number;

  constructor(seed: string) {
    const state = (seedrandom(seed, { state: true }) as seedrandom.PRNG & { state(): { i: number; j: number; S: number[] } }).state();
    this.s = Uint8Array.from(state.S);
    this.i = state.i;
    this.j = state.j;
  }

  /** The next `count` ARC4 bytes as one number (seedrandom's ARC4.g). */
  private bytes(count: number): number {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    let r = 0;
    for (let k = 0; k < count; k++) {
      i = (i + 1) & 255;
      const t = s[i];
      j = (j + t) & 255;
      const v = s[j];
      s[i] = v;
      s[j] = t;
      r = r * 256 + s[(v + t) & 255];
    }
    this.i = i;
    this.j = j;
    return r;
  }

  /** Uniform in [0, 1), exactly as seedrandom's prng(). */
  next(): number {
    let n = this.bytes(6);
    let d = 281474976710656; // 256^6
    let x = 0;
    while (n < 4503599627370496) {
      // 2^52: fill every significant bit
      n = (n + x) * 256;
      d *= 256;
      x = this.bytes(1);
    }
    while (n >= 9007199254740992) {
      // 2^53: shift right before adding the last byte, so nothing rounds up
      n /= 2;
      d /= 2;
      x >>>= 1;
    }
    return (n + x) / d;
  }
}
