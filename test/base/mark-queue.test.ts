import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkQueue, type Queueable } from '../../src/base/mark-queue.ts';

interface Item extends Queueable {
  name: string;
}

const item = (name: string): Item => ({ name, queueMarks: 0 });
const queued = (i: Item, mark: number): boolean => (i.queueMarks & mark) !== 0;
const names = (items: Array<Item | string>): string[] =>
  items.map((i) => (typeof i === 'string' ? i : i.name));

describe('MarkQueue', () => {
  it('drains distinct items in the order they were queued, after what `into` held', () => {
    const queue = new MarkQueue<Item>(1);
    const [a, b, c] = [item('a'), item('b'), item('c')];
    queue.add(b);
    queue.add(a);
    queue.add(b);
    queue.add(c);
    const into: Array<Item | string> = ['first'];
    expect(queue.drainInto(into)).toBe(into);
    expect(names(into)).toEqual(['first', 'b', 'a', 'c']);
    expect(queue.mayHaveItems).toBe(false);
    expect([a, b, c].map((i) => i.queueMarks)).toEqual([0, 0, 0]);
  });

  it('skips a removed item, and queues it again once re-added', () => {
    const queue = new MarkQueue<Item>(1);
    const [a, b] = [item('a'), item('b')];
    queue.add(a);
    queue.add(b);
    queue.remove(a);
    expect(queued(a, 1)).toBe(false);
    expect(names(queue.drainInto([]))).toEqual(['b']);
    queue.add(a);
    queue.remove(a);
    queue.add(a);
    expect(names(queue.drainInto([]))).toEqual(['a']);
    expect(queue.drainInto([])).toEqual([]);
  });

  it('leaves the marks of other queues alone: one item can sit in two queues', () => {
    const active = new MarkQueue<Item>(1 << 0);
    const changed = new MarkQueue<Item>(1 << 1);
    const a = item('a');
    active.add(a);
    changed.add(a);
    expect(names(active.drainInto([]))).toEqual(['a']);
    expect(queued(a, 1 << 1)).toBe(true);
    expect(names(changed.drainInto([]))).toEqual(['a']);
  });

  it('pops the last queued live item until empty', () => {
    const queue = new MarkQueue<Item>(4);
    const [a, b, c] = [item('a'), item('b'), item('c')];
    queue.add(a);
    queue.add(b);
    queue.add(c);
    queue.remove(c);
    expect(queue.pop()?.name).toBe('b');
    expect(queue.pop()?.name).toBe('a');
    expect(queue.pop()).toBeUndefined();
    expect(queue.mayHaveItems).toBe(false);
  });

  it('behaves as an insertion-ordered set under any sequence of adds, removes, pops and drains', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), index: fc.nat(5) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat(5) }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const items = Array.from({ length: 6 }, (_, i) => item(String(i)));
        const queue = new MarkQueue<Item>(2);
        const model = new Set<Item>();
        for (const o of ops) {
          if (o.kind === 'add') {
            queue.add(items[o.index]!);
            model.add(items[o.index]!);
          } else if (o.kind === 'remove') {
            queue.remove(items[o.index]!);
            model.delete(items[o.index]!);
          } else if (o.kind === 'pop') {
            const popped = queue.pop();
            const expected = [...model].at(-1);
            // A removed-then-re-added item sits at its newest position in both.
            expect(popped).toBe(expected);
            if (expected) model.delete(expected);
          } else {
            expect(queue.drainInto([])).toEqual([...model]);
            model.clear();
          }
          for (const i of items) expect(queued(i, 2)).toBe(model.has(i));
        }
      }),
    );
  });
});
