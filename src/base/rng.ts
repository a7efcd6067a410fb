// Randomness is injected (ARCHITECTURE.md rule 1): the core draws from an Rng it is given, so the same
// seed replays the same ISNs, ports and faults. Production code passes a cryptographically seeded one.

export interface Rng {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number;
}

/** xoshiro128** (Blackman & Vigna): small, fast, and good enough for simulations and port choice. */
export class SeededRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 expands one seed into four non-zero state words.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A float in [0, 1), for fault probabilities. */
export function nextFloat(rng: Rng): number {
  return rng.nextU32() / 0x1_0000_0000;
}

/** An integer in [0, bound). */
export function nextBelow(rng: Rng, bound: number): number {
  return Math.floor(nextFloat(rng) * bound);
}
