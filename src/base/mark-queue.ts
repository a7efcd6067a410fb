// A queue of distinct items for the next step (the endpoints whose readiness changed, the connections to
// poll) that allocates nothing once it has grown. A Set did the same job but reallocated its hash table as
// it filled and emptied, on every step of a request/response loop: garbage that cost latency.

/** An item that can sit in mark queues: each queue owns one bit of `queueMarks`, set while it is queued. */
export interface Queueable {
  queueMarks: number;
}

export class MarkQueue<T extends Queueable> {
  /** Queued items in the order they came; an entry whose mark was cleared by remove() is skipped. */
  private readonly items: Array<T | undefined> = [];
  private count = 0;

  /** `mark`: this queue's bit, distinct from the bits of every other queue the same items can sit in. */
  constructor(private readonly mark: number) {}

  /** False once nothing has been queued since the last drain (true may still mean only removed items). */
  get mayHaveItems(): boolean {
    return this.count > 0;
  }

  /** Queues `item` unless it is queued already. */
  add(item: T): void {
    if ((item.queueMarks & this.mark) !== 0) return;
    item.queueMarks |= this.mark;
    this.items[this.count++] = item;
  }

  /** Takes `item` out of the queue. */
  remove(item: T): void {
    item.queueMarks &= ~this.mark;
  }

  /** Takes out and returns the item queued last, or undefined when the queue is empty. */
  pop(): T | undefined {
    while (this.count > 0) {
      const item = this.items[--this.count]!;
      this.items[this.count] = undefined;
      if ((item.queueMarks & this.mark) === 0) continue;
      item.queueMarks &= ~this.mark;
      return item;
    }
    return undefined;
  }

  /** Appends the queued items to `into` in the order they were queued, empties the queue, returns `into`. */
  drainInto<U>(into: Array<T | U>): Array<T | U> {
    const count = this.count;
    this.count = 0;
    for (let i = 0; i < count; i++) {
      const item = this.items[i]!;
      // The slot lets go of the item, so that a closed endpoint is not kept alive until it is overwritten.
      this.items[i] = undefined;
      if ((item.queueMarks & this.mark) === 0) continue;
      item.queueMarks &= ~this.mark;
      into.push(item);
    }
    return into;
  }
}
