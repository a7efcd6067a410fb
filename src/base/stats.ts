// Stack-wide counters in the spirit of `netstat -s`: segments in and out, retransmissions, and every
// dropped packet under the name of its reason (the parse error strings such as 'ipv4.bad-checksum').

export class Stats {
  private readonly counters = new Map<string, number>();
  /** Told of every drop as it happens (the explaining tracer prints them beside the packets). */
  onDrop: ((reason: string) => void) | undefined;

  add(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Counts a dropped packet under 'drop.<reason>' and in the 'drop' total. */
  drop(reason: string): void {
    this.add('drop');
    this.add(`drop.${reason}`);
    this.onDrop?.(reason);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /** Every counter, sorted by name, for reports and snapshots. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
