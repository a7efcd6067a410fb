import { describe, expect, it } from 'vitest';
import { drainSet } from '../../src/base/drain-set.ts';

describe('drainSet', () => {
  it('appends the members in insertion order and leaves the set empty', () => {
    const set = new Set(['b', 'a', 'c']);
    const into: Array<string | number> = [1];
    expect(drainSet(set, into)).toBe(into);
    expect(into).toEqual([1, 'b', 'a', 'c']);
    expect(set.size).toBe(0);
  });

  it('leaves the array alone when the set is empty, and the set works as before afterwards', () => {
    const set = new Set<number>();
    expect(drainSet(set, [7])).toEqual([7]);
    set.add(1);
    set.add(2);
    expect(drainSet(set, [])).toEqual([1, 2]);
  });
});
