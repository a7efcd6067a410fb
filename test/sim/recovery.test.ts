// Loss recovery in the seeded simulation: RACK-TLP (RFC 8985) with PRR (RFC 6937) against RFC 6675 alone
// on the same paths and seeds. The defaults must repair losses with fewer retransmission timeouts, resend
// little more than the path dropped, and finish sooner.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
import { CLEAN } from './network.ts';
import { runTransfer } from './transfer.ts';

const KIB = 1024;
const BYTES = 2048 * KIB;
const SEEDS = [1, 2, 3, 4, 5, 6];

function run(loss: number, config: Partial<TcpConfig>) {
  const path = { ...CLEAN, loss, delay: millis(10), rateBps: 50e6, queueBytes: 128 * KIB };
  let rtos = 0;
  let retransmits = 0;
  let dropped = 0;
  let time = 0;
  for (const seed of SEEDS) {
    const r = runTransfer({
      seed,
      bytes: BYTES,
      forward: path,
      reverse: path,
      config: { sendBuffer: 1024 * KIB, recvBuffer: 1024 * KIB, ...config },
      trace: (e) => {
        if (e.kind === 'rto') rtos++;
        if (e.kind === 'retransmit') retransmits++;
      },
    });
    expect(r.delivered).toBe(BYTES);
    expect(r.inOrder).toBe(true);
    dropped += r.forwardDropped;
    time += r.completedAt!;
  }
  return { rtos, retransmits, dropped, time };
}

describe('RACK-TLP and PRR against RFC 6675 alone', () => {
  for (const loss of [0.01, 0.05]) {
    it(`${loss * 100}% loss: fewer RTOs, no go-back-N, sooner done`, () => {
      const modern = run(loss, {});
      const classic = run(loss, { rack: false, tlp: false, prr: false });
      expect(modern.rtos).toBeLessThan(classic.rtos);
      expect(modern.time).toBeLessThan(classic.time);
      expect(modern.retransmits).toBeLessThanOrEqual(1.5 * modern.dropped);
    });
  }
});
