// Out-of-order bookkeeping for the receiver (RFC 9293 §3.10.7.4: segments beyond RCV.NXT "should be held
// for later processing"). The bytes themselves are parked in the receive ByteRing; this records which
// ranges beyond RCV.NXT they cover, as offsets relative to RCV.NXT, and which was received most recently
// so the SACK option can report it first (RFC 2018 §4).
//
// The number of disjoint ranges is bounded: a peer sending every other byte must not make us track
// millions of holes. A segment that would need one range too many is refused and the caller drops it
// (it will be retransmitted), as smoltcp and Linux's ofo queue limits do.

export class Assembler {
  // Disjoint, non-adjacent ranges sorted by start: [starts[i], ends[i]).
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  // When each range was last grown by add(); the larger, the more recent.
  private readonly stamps: number[] = [];
  private clock = 0;

  constructor(private readonly maxRanges: number) {
    if (!Number.isInteger(maxRanges) || maxRanges < 1) throw new RangeError('maxRanges must be at least 1');
  }

  /**
   * Records [offset, offset+length). Overlapping or touching ranges merge. Returns false (and records
   * nothing) if the range would need more than maxRanges disjoint ranges.
   */
  add(offset: number, length: number): boolean {
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0)) {
      throw new RangeError(`bad range: offset ${offset}, length ${length}`);
    }
    if (length === 0) return true;
    const end = offset + length;
    // first: the first range that ends at or after `offset` (it may touch or overlap the new one);
    // last: one past the last range that starts at or before `end`. Ranges in [first, last) merge.
    let first = 0;
    while (first < this.count && this.ends[first]! < offset) first++;
    let last = first;
    while (last < this.count && this.starts[last]! <= end) last++;
    const merged = last - first;
    if (merged === 0 && this.count === this.maxRanges) return false;
    const start = merged > 0 ? Math.min(offset, this.starts[first]!) : offset;
    const stop = merged > 0 ? Math.max(end, this.ends[last - 1]!) : end;
    // Replace the `merged` ranges with one (insert one when nothing merged).
    this.starts.splice(first, merged, start);
    this.ends.splice(first, merged, stop);
    this.stamps.splice(first, merged, ++this.clock);
    return true;
  }

  /**
   * If data starts at offset 0, removes that contiguous run and returns its length; else 0. Remaining
   * ranges are shifted so offsets stay relative to the new front.
   */
  removeFront(): number {
    if (this.count === 0 || this.starts[0] !== 0) return 0;
    const run = this.ends[0]!;
    this.shift(run);
    return run;
  }

  /**
   * Shifts all ranges down by n (n bytes were delivered in order by the caller without passing through
   * here). Whatever lay below n is forgotten: those bytes are now in order.
   */
  shift(n: number): void {
    let dropped = 0;
    while (dropped < this.count && this.ends[dropped]! <= n) dropped++;
    if (dropped > 0) {
      this.starts.splice(0, dropped);
      this.ends.splice(0, dropped);
      this.stamps.splice(0, dropped);
    }
    for (let i = 0; i < this.count; i++) {
      this.starts[i] = Math.max(0, this.starts[i]! - n);
      this.ends[i] = this.ends[i]! - n;
    }
  }

  /** The first part of [offset, offset+length) already recorded, as [start, end) offsets, or undefined. */
  firstOverlap(offset: number, length: number): [number, number] | undefined {
    const end = offset + length;
    for (let i = 0; i < this.count; i++) {
      const start = Math.max(offset, this.starts[i]!);
      const stop = Math.min(end, this.ends[i]!);
      if (start < stop) return [start, stop];
    }
    return undefined;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  private get count(): number {
    return this.starts.length;
  }

  /**
   * Ranges as [offset, end) pairs, most recently added first (RFC 2018 §4: the first SACK block reports the
   * most recently received segment, the rest follow in order of recency).
   */
  ranges(): Array<[number, number]> {
    const order = Array.from({ length: this.count }, (_, i) => i);
    order.sort((a, b) => this.stamps[b]! - this.stamps[a]!);
    return order.map((i) => [this.starts[i]!, this.ends[i]!]);
  }

  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.stamps.length = 0;
  }
}
