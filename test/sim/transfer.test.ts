// Seeded bulk transfers under loss, duplication, reordering, jitter and corruption: every byte arrives in
// order, both sides close cleanly, and no timer is left armed.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import { CLEAN, type Impairments } from './network.ts';
import { runTransfer } from './transfer.ts';

const MIB = 1024 * 1024;

function impaired(loss: number): Impairments {
  return {
    ...CLEAN,
    loss,
    duplicate: 0.01,
    reorder: 0.02,
    corrupt: 0.005,
    delay: millis(10),
    jitter: millis(2),
    rateBps: 50e6,
    queueBytes: 256 * 1024,
  };
}

describe('seeded transfers', () => {
  const cases: Array<[loss: number, bytes: number, seeds: number[]]> = [
    [0, 16 * MIB, [1]],
    [0.01, 4 * MIB, [1, 2, 3]],
    [0.05, 1 * MIB, [1, 2, 3, 4]],
    [0.2, 128 * 1024, [1, 2, 3, 4, 5, 6]],
  ];
  for (const [loss, bytes, seeds] of cases) {
    for (const seed of seeds) {
      it(`${loss * 100}% loss, ${bytes / 1024} KiB, seed ${seed}`, () => {
        const path = impaired(loss);
        const r = runTransfer({ seed, bytes, forward: path, reverse: path });
        expect(r).toMatchObject({
          delivered: bytes,
          inOrder: true,
          clientError: undefined,
          serverError: undefined,
          quiescent: true,
        });
        expect(['CLOSED', 'TIME_WAIT']).toContain(r.clientState);
        expect(r.serverState).toBe('CLOSED');
      });
    }
  }
});
