// Seeded bulk transfers under loss, duplication, reordering, jitter and corruption: every byte arrives in
// order, both sides close cleanly, and no timer is left armed.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
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
  const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const cases: Array<[loss: number, bytes: number, seeds: number[]]> = [
    [0, 16 * MIB, seeds(2)],
    [0.01, 16 * MIB, seeds(3)],
    [0.05, 4 * MIB, seeds(6)],
    [0.2, 512 * 1024, seeds(10)],
  ];
  const variants: Array<[name: string, config: Partial<TcpConfig>]> = [
    ['cubic + SACK + timestamps + window scaling', {}],
    ['newreno, no options', { congestion: 'newreno', sack: false, timestamps: false, windowScaling: false }],
  ];
  for (const [name, config] of variants) {
    for (const [loss, bytes, list] of cases) {
      for (const seed of list) {
        it(`${name}: ${loss * 100}% loss, ${bytes / 1024} KiB, seed ${seed}`, () => {
          const path = impaired(loss);
          const r = runTransfer({ seed, bytes, forward: path, reverse: path, config });
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
  }
});
