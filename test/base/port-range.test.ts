import { describe, expect, it } from 'vitest';
import { randomFreePort } from '../../src/base/port-range.ts';
import { SeededRng } from '../../src/base/rng.ts';

describe('randomFreePort', () => {
  it('tries every port of the range once, from a random start, and skips the taken ones', () => {
    const range = { min: 1000, max: 1009 };
    const tried: number[] = [];
    expect(
      randomFreePort(new SeededRng(3), range, (port) => {
        tried.push(port);
        return true;
      }),
    ).toBeUndefined();
    expect([...tried].sort((a, b) => a - b)).toEqual([
      1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009,
    ]);
    const port = randomFreePort(new SeededRng(3), range, (p) => p !== 1004);
    expect(port).toBe(1004);
  });
});
