import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../src/tcp/deadline-heap.ts';

/** Pops everything: the (deadline, item) pairs in the order the heap gives them. */
function drain<T>(heap: DeadlineHeap<T>): Array<[number, T]> {
  const out: Array<[number, T]> = [];
  for (let at = heap.peekAt(); at !== undefined; at = heap.peekAt()) {
    out.push([at, heap.peekItem()!]);
    heap.pop();
  }
  return out;
}

describe('DeadlineHeap', () => {
  it('is empty at first and pop on empty does nothing', () => {
    const heap = new DeadlineHeap<string>();
    expect(heap.size).toBe(0);
    expect(heap.peekAt()).toBeUndefined();
    expect(heap.peekItem()).toBeUndefined();
    heap.pop();
    expect(heap.size).toBe(0);
  });

  it('gives the earliest deadline first, keeping each item with its deadline', () => {
    const heap = new DeadlineHeap<string>();
    heap.push(30, 'c');
    heap.push(10, 'a');
    heap.push(20, 'b');
    heap.push(10, 'a2');
    expect(heap.peekAt()).toBe(10);
    const order = drain(heap);
    expect(order.map(([at]) => at)).toEqual([10, 10, 20, 30]);
    expect(order.slice(2)).toEqual([
      [20, 'b'],
      [30, 'c'],
    ]);
  });

  it('pops in sorted order whatever the pushes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1_000_000), { maxLength: 300 }), (deadlines) => {
        const heap = new DeadlineHeap<number>();
        for (const [i, at] of deadlines.entries()) heap.push(at, i);
        expect(heap.size).toBe(deadlines.length);
        const order = drain(heap);
        expect(order.map(([at]) => at)).toEqual([...deadlines].sort((a, b) => a - b));
        for (const [at, i] of order) expect(deadlines[i]).toBe(at);
      }),
    );
  });

  it('compact keeps exactly the live entries, still in heap order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1_000_000), fc.boolean()), { maxLength: 300 }),
        fc.array(fc.nat(1_000_000), { maxLength: 50 }),
        (entries, later) => {
          const heap = new DeadlineHeap<number>();
          for (const [i, [at]] of entries.entries()) heap.push(at, i);
          heap.compact((_at, i) => i < entries.length && entries[i]![1]);
          const live = entries.filter(([, keep]) => keep).map(([at]) => at);
          expect(heap.size).toBe(live.length);
          // Pushes after a compaction still land in order.
          for (const at of later) heap.push(at, entries.length);
          expect(drain(heap).map(([at]) => at)).toEqual([...live, ...later].sort((a, b) => a - b));
        },
      ),
    );
  });
});
