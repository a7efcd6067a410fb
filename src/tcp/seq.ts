// TCP sequence-number arithmetic (RFC 9293 §3.4): sequence numbers live in a 32-bit space that wraps, so
// "a is before b" means "b − a, taken modulo 2^32, is less than half the space" — the comparison Linux calls
// before()/after() and smoltcp implements on its TcpSeqNumber. Numbers are plain uint32 JS numbers; every
// result is normalised with `>>> 0` so it can go straight into writeU32 or a Map key.

const HALF_SPACE = 0x8000_0000;

/** a + n modulo 2^32 (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * The signed distance a − b modulo 2^32, in (−2^31, 2^31]. Exactly half the space apart is reported as
 * +2^31 whichever way round, so none of seqLt/Le/Gt/Ge holds there (RFC 9293 §3.4 only orders numbers
 * less than 2^31 apart; Linux's before() would call each number before the other).
 */
export function seqDiff(a: number, b: number): number {
  const diff = (a - b) | 0;
  return diff === -HALF_SPACE ? HALF_SPACE : diff;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return seqDiff(b, a) < 0;
}

export function seqGe(a: number, b: number): boolean {
  return seqDiff(b, a) <= 0;
}

/** The later of two sequence numbers (a when they are equal or half the space apart). */
export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b >>> 0 : a >>> 0;
}

/** The earlier of two sequence numbers (a when they are equal or half the space apart). */
export function seqMin(a: number, b: number): number {
  return seqLt(b, a) ? b >>> 0 : a >>> 0;
}

/**
 * start ≤ x < start + length, modulo 2^32: the test RFC 9293 §3.10.7.4 applies to segments against
 * RCV.NXT / RCV.WND. A zero-length window contains nothing. `length` may be up to 2^32.
 */
export function seqInWindow(x: number, start: number, length: number): boolean {
  return (x - start) >>> 0 < length;
}
