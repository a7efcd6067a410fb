import { describe, expect, it } from 'vitest';
import { emptyArray } from '../../src/base/empty-array.ts';

describe('emptyArray', () => {
  it('empties the array in place, which then fills as before', () => {
    const array = [1, 2, 3];
    emptyArray(array);
    expect(array).toEqual([]);
    array.push(4);
    expect(array).toEqual([4]);
  });

  it('leaves an empty array empty', () => {
    const array: string[] = [];
    emptyArray(array);
    expect(array).toHaveLength(0);
  });
});
