// The sender's record of every segment in flight, in sequence order, from SND.UNA to SND.MAX: when it was
// last (re)transmitted and whether it is SACKed, retransmitted or marked lost. RACK (RFC 8985 §6.1) needs
// the transmit time of each segment, and loss marking needs a flag per segment instead of one boundary.
//
// Records live in parallel number arrays from `head` on (a struct of arrays: no object per segment); an
// acknowledged prefix is skipped by moving `head` and compacted away once it is half the arrays.

import type { Instant } from '../base/time.ts';
import { seqGt, seqLe, seqLt } from './seq.ts';

/** The segment was retransmitted at least once (RFC 8985 §6.1 "Segment.retransmitted"). */
const RETRANSMITTED = 1;
/** Marked lost and not retransmitted since (RFC 8985 §6.1 "Segment.lost"). */
const LOST = 2;
/** Every byte of it was SACKed. */
const SACKED = 4;

export class SentSegments {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly sentAt: Instant[] = [];
  private readonly flags: number[] = [];
  private head = 0;
  private lostTotal = 0;
  private sacked = 0;

  /** Index of the first record; records run from `first` to `end` (exclusive). */
  get first(): number {
    return this.head;
  }

  get end(): number {
    return this.starts.length;
  }

  /** Records fully SACKed (RFC 8985 §6.2 "RACK.segs_sacked"). */
  get sackedCount(): number {
    return this.sacked;
  }

  get isEmpty(): boolean {
    return this.head === this.starts.length;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  endSeq(i: number): number {
    return this.ends[i]!;
  }

  xmitTs(i: number): Instant {
    return this.sentAt[i]!;
  }

  isLost(i: number): boolean {
    return (this.flags[i]! & LOST) !== 0;
  }

  isSacked(i: number): boolean {
    return (this.flags[i]! & SACKED) !== 0;
  }

  isRetransmitted(i: number): boolean {
    return (this.flags[i]! & RETRANSMITTED) !== 0;
  }

  markLost(i: number): void {
    if ((this.flags[i]! & (LOST | SACKED)) !== 0) return;
    this.flags[i] = this.flags[i]! | LOST;
    this.lostTotal += this.length(i);
  }

  markSacked(i: number): void {
    if (this.isSacked(i)) return;
    this.unmarkLost(i);
    this.flags[i] = this.flags[i]! | SACKED;
    this.sacked++;
  }

  private unmarkLost(i: number): void {
    if ((this.flags[i]! & LOST) === 0) return;
    this.flags[i] = this.flags[i]! & ~LOST;
    this.lostTotal -= this.length(i);
  }

  private length(i: number): number {
    return (this.ends[i]! - this.starts[i]!) >>> 0;
  }

  /** A transmission of [start, end) at `now`: new data is appended, a retransmission re-stamps its records. */
  onSend(start: number, end: number, now: Instant): void {
    if (!seqLt(start, end)) return;
    const last = this.starts.length - 1;
    if (last < this.head || seqLe(this.ends[last]!, start)) {
      this.starts.push(start);
      this.ends.push(end);
      this.sentAt.push(now);
      this.flags.push(0);
      return;
    }
    this.split(start);
    this.split(end);
    for (let i = this.indexOf(start); i < this.starts.length && seqLt(this.starts[i]!, end); i++) {
      this.unmarkLost(i);
      this.sentAt[i] = now;
      this.flags[i] = this.flags[i]! | RETRANSMITTED;
    }
  }

  /** The index of the record holding `seq`, or of the first record above it (`end` if none). */
  indexOf(seq: number): number {
    let lo = this.head;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqLe(this.ends[mid]!, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Cuts the record holding `seq` in two at `seq`, so that flags and times can differ on either side. */
  split(seq: number): void {
    const i = this.indexOf(seq);
    if (i >= this.starts.length || !seqGt(seq, this.starts[i]!)) return;
    this.starts.splice(i + 1, 0, seq);
    this.ends.splice(i + 1, 0, this.ends[i]!);
    this.sentAt.splice(i + 1, 0, this.sentAt[i]!);
    this.flags.splice(i + 1, 0, this.flags[i]!);
    this.ends[i] = seq;
    if (this.isSacked(i)) this.sacked++;
  }

  /**
   * Cuts the record holding `seq` at a multiple of `unit` from its start: the next one above `seq` when
   * `up`, else the one below, so that the pieces are whole segments of a super-segment.
   */
  splitAligned(seq: number, unit: number, up: boolean): void {
    const i = this.indexOf(seq);
    if (i >= this.starts.length) return;
    const offset = (seq - this.starts[i]!) >>> 0;
    if (offset === 0 || offset >= this.length(i)) return;
    const pieces = up ? Math.ceil(offset / unit) : Math.floor(offset / unit);
    this.split((this.starts[i]! + pieces * unit) >>> 0);
  }

  /** SND.UNA moved to `una`: records below it leave; one straddling it is trimmed. */
  advance(una: number): void {
    while (this.head < this.starts.length && seqLe(this.ends[this.head]!, una)) {
      this.unmarkLost(this.head);
      if (this.isSacked(this.head)) this.sacked--;
      this.head++;
    }
    if (this.head < this.starts.length && seqLt(this.starts[this.head]!, una)) {
      if (this.isLost(this.head)) this.lostTotal -= (una - this.starts[this.head]!) >>> 0;
      this.starts[this.head] = una;
    }
    if (this.head === this.starts.length) {
      // Everything is acknowledged. The arrays are not emptied here: an array cut to length 0 drops its
      // backing store, and a request/response connection would allocate four new ones per round trip.
      this.lostTotal = 0;
      this.sacked = 0;
    }
    if (this.head > 64 && this.head * 2 > this.starts.length) this.compact();
  }

  /** Moves the live records down to index 0 (no array is allocated, unlike splice). */
  private compact(): void {
    const live = this.starts.length - this.head;
    for (let i = 0; i < live; i++) {
      this.starts[i] = this.starts[this.head + i]!;
      this.ends[i] = this.ends[this.head + i]!;
      this.sentAt[i] = this.sentAt[this.head + i]!;
      this.flags[i] = this.flags[this.head + i]!;
    }
    this.starts.length = live;
    this.ends.length = live;
    this.sentAt.length = live;
    this.flags.length = live;
    this.head = 0;
  }

  /** Payload bytes in records marked lost and not yet retransmitted (RFC 6675 §4 pipe leaves them out). */
  get lostBytes(): number {
    return this.lostTotal;
  }

  /** The first record marked lost, or undefined: the next retransmission (RFC 6675 §4 NextSeg() rule 1). */
  firstLost(): number | undefined {
    if (this.lostTotal === 0) return undefined;
    for (let i = this.head; i < this.starts.length; i++) if ((this.flags[i]! & LOST) !== 0) return i;
    return undefined;
  }
}
