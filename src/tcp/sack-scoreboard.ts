// The sender's SACK scoreboard (RFC 6675 §3, RFC 2018 §5): which bytes above SND.UNA the receiver reported
// holding. The sender skips SACKed data when it retransmits, and derives from it which holes are lost.
//
// Ranges are absolute sequence numbers kept sorted and disjoint in a flat array [start0, end0, start1, ...],
// so adding a block allocates nothing once the array has grown to its working size.

import { seqDiff, seqGt, seqLe, seqLt, seqMax, seqMin } from './seq.ts';

/** RFC 6675 §2: DupThresh, the number of duplicate ACKs (or SACKed segments) that signal a loss. */
export const DUP_THRESH = 3;

export class SackScoreboard {
  private readonly edges: number[] = [];
  private sackedTotal = 0;

  /** Bytes currently recorded as SACKed. */
  get sacked(): number {
    return this.sackedTotal;
  }

  get isEmpty(): boolean {
    return this.edges.length === 0;
  }

  /** The highest SACKed sequence number + 1 (RFC 6675 "HighACK" side: SND.UNA when nothing is SACKed). */
  highSacked(una: number): number {
    return this.edges.length === 0 ? una : this.edges[this.edges.length - 1]!;
  }

  /**
   * Records a SACK block. RFC 2018 §5 / RFC 6675 §5: blocks outside (SND.UNA, SND.MAX] carry no information
   * about outstanding data and are ignored (a D-SACK there is read by recovery.ts isDsack); the rest is
   * clipped.
   * Returns the number of newly SACKed bytes.
   */
  add(left: number, right: number, una: number, sndMax: number): number {
    const start = seqMax(left, una);
    const end = seqMin(right, sndMax);
    if (!seqLt(start, end)) return 0;
    let i = 0;
    while (i < this.edges.length && seqLt(this.edges[i + 1]!, start)) i += 2;
    // Ranges [i, j) overlap or touch [start, end): merge them into one.
    let j = i;
    let mergedStart = start;
    let mergedEnd = end;
    let covered = 0;
    while (j < this.edges.length && seqLe(this.edges[j]!, end)) {
      mergedStart = seqMin(mergedStart, this.edges[j]!);
      mergedEnd = seqMax(mergedEnd, this.edges[j + 1]!);
      covered += seqDiff(this.edges[j + 1]!, this.edges[j]!);
      j += 2;
    }
    const added = seqDiff(mergedEnd, mergedStart) - covered;
    this.edges.splice(i, j - i, mergedStart, mergedEnd);
    this.sackedTotal += added;
    return added;
  }

  /** SND.UNA moved to `una`: everything below it is cumulatively acknowledged and leaves the board. */
  advance(una: number): void {
    let drop = 0;
    while (drop < this.edges.length && seqLe(this.edges[drop + 1]!, una)) {
      this.sackedTotal -= seqDiff(this.edges[drop + 1]!, this.edges[drop]!);
      drop += 2;
    }
    if (drop > 0) this.edges.splice(0, drop);
    if (this.edges.length > 0 && seqLt(this.edges[0]!, una)) {
      this.sackedTotal -= seqDiff(una, this.edges[0]!);
      this.edges[0] = una;
    }
  }

  /** If `seq` is SACKed, the end of the range holding it; otherwise undefined. */
  sackedRangeEnd(seq: number): number | undefined {
    for (let i = 0; i < this.edges.length; i += 2) {
      if (seqLt(seq, this.edges[i]!)) return undefined;
      if (seqLt(seq, this.edges[i + 1]!)) return this.edges[i + 1];
    }
    return undefined;
  }

  /** The start of the first SACKed range above `seq`, or undefined: a retransmission stops there. */
  nextSackedStart(seq: number): number | undefined {
    for (let i = 0; i < this.edges.length; i += 2) if (seqGt(this.edges[i]!, seq)) return this.edges[i];
    return undefined;
  }

  /**
   * RFC 6675 §4 IsLost(): a byte is lost when DupThresh discontiguous SACKed ranges lie above it, or more
   * than (DupThresh − 1)·SMSS SACKed bytes do. Returns the sequence number below which every un-SACKed byte
   * is lost (SND.UNA when none is).
   */
  lossBoundary(una: number, smss: number): number {
    let bytesAbove = 0;
    let rangesAbove = 0;
    for (let i = this.edges.length - 2; i >= 0; i -= 2) {
      bytesAbove += seqDiff(this.edges[i + 1]!, this.edges[i]!);
      rangesAbove++;
      if (rangesAbove >= DUP_THRESH || bytesAbove > (DUP_THRESH - 1) * smss) return this.edges[i]!;
    }
    return una;
  }

  /** Un-SACKed bytes in [from, to): the holes a retransmission pass still has to cover. */
  holeBytes(from: number, to: number): number {
    if (!seqLt(from, to)) return 0;
    let holes = seqDiff(to, from);
    for (let i = 0; i < this.edges.length; i += 2) {
      const s = seqMax(this.edges[i]!, from);
      const e = seqMin(this.edges[i + 1]!, to);
      if (seqLt(s, e)) holes -= seqDiff(e, s);
    }
    return holes;
  }

  clear(): void {
    this.edges.length = 0;
    this.sackedTotal = 0;
  }
}
