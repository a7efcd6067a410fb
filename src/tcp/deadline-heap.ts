// A binary min-heap of (deadline, item) pairs: the TCP layer's timer queue, so that finding the next
// deadline is O(1) and taking the due ones O(log n) each, however many connections wait.
//
// Entries are never updated in place. A holder whose deadline moves pushes a new entry and leaves the old
// one to be recognised as stale when it surfaces (lazy invalidation: the holder keeps the one deadline
// that counts). compact() drops the stale entries in O(n) when they outnumber the live ones.
//
// Deadlines and items sit in two parallel arrays so that a push allocates nothing but array growth.

import type { Instant } from '../base/time.ts';

export class DeadlineHeap<T> {
  private readonly deadlines: Instant[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.deadlines.length;
  }

  push(at: Instant, item: T): void {
    this.deadlines.push(at);
    this.items.push(item);
    this.siftUp(this.deadlines.length - 1);
  }

  /** The earliest deadline, or undefined when empty. */
  peekAt(): Instant | undefined {
    return this.deadlines[0];
  }

  /** The item of the earliest deadline, or undefined when empty. */
  peekItem(): T | undefined {
    return this.items[0];
  }

  /** Removes the earliest entry. */
  pop(): void {
    const last = this.deadlines.length - 1;
    if (last < 0) return;
    this.deadlines[0] = this.deadlines[last]!;
    this.items[0] = this.items[last]!;
    this.deadlines.pop();
    this.items.pop();
    if (last > 0) this.siftDown(0);
  }

  /** Keeps only the entries `live` accepts, then restores the heap order bottom-up (O(n)). */
  compact(live: (at: Instant, item: T) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.deadlines.length; i++) {
      const at = this.deadlines[i]!;
      const item = this.items[i]!;
      if (!live(at, item)) continue;
      this.deadlines[kept] = at;
      this.items[kept] = item;
      kept++;
    }
    this.deadlines.length = kept;
    this.items.length = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    let i = index;
    const at = this.deadlines[i]!;
    const item = this.items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.deadlines[parent]! <= at) break;
      this.deadlines[i] = this.deadlines[parent]!;
      this.items[i] = this.items[parent]!;
      i = parent;
    }
    this.deadlines[i] = at;
    this.items[i] = item;
  }

  private siftDown(index: number): void {
    const n = this.deadlines.length;
    let i = index;
    const at = this.deadlines[i]!;
    const item = this.items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.deadlines[child + 1]! < this.deadlines[child]!) child++;
      if (this.deadlines[child]! >= at) break;
      this.deadlines[i] = this.deadlines[child]!;
      this.items[i] = this.items[child]!;
      i = child;
    }
    this.deadlines[i] = at;
    this.items[i] = item;
  }
}
