// A deterministic simulated network path for two TCP layers: seeded loss, duplication, reordering, delay
// jitter, corruption and a rate-limited bottleneck with a tail-drop queue, one instance per direction.

import { nextFloat, type Rng } from '../../src/base/rng.ts';
import type { Duration, Instant } from '../../src/base/time.ts';
import { MICROS_PER_SECOND } from '../../src/base/time.ts';

export interface Impairments {
  /** Probabilities per packet. */
  loss: number;
  duplicate: number;
  reorder: number;
  corrupt: number;
  /** One-way propagation delay and its uniform jitter. */
  delay: Duration;
  jitter: Duration;
  /** Bottleneck rate in bits per second (0: unlimited) and its queue in bytes. */
  rateBps: number;
  queueBytes: number;
}

export const CLEAN: Impairments = {
  loss: 0,
  duplicate: 0,
  reorder: 0,
  corrupt: 0,
  delay: 5000,
  jitter: 0,
  rateBps: 0,
  queueBytes: 0,
};

export class SimPath {
  private busyUntil: Instant = 0;
  dropped = 0;

  constructor(
    private readonly rng: Rng,
    private readonly imp: Impairments,
    private readonly schedule: (at: Instant, packet: Uint8Array) => void,
  ) {}

  send(now: Instant, packet: Uint8Array): void {
    const imp = this.imp;
    let departs = now;
    if (imp.rateBps > 0) {
      // Tail drop when the bytes already queued at the bottleneck exceed its buffer.
      const queued = ((Math.max(0, this.busyUntil - now) * imp.rateBps) / 8 / MICROS_PER_SECOND) | 0;
      if (queued + packet.length > imp.queueBytes) {
        this.dropped++;
        return;
      }
      const start = Math.max(now, this.busyUntil);
      this.busyUntil = start + Math.ceil((packet.length * 8 * MICROS_PER_SECOND) / imp.rateBps);
      departs = this.busyUntil;
    }
    if (nextFloat(this.rng) < imp.loss) {
      this.dropped++;
      return;
    }
    const copies = nextFloat(this.rng) < imp.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let at = departs + imp.delay + Math.floor(nextFloat(this.rng) * imp.jitter);
      if (nextFloat(this.rng) < imp.reorder) at += Math.floor(nextFloat(this.rng) * 2 * imp.delay);
      let bytes = packet;
      if (nextFloat(this.rng) < imp.corrupt) {
        bytes = packet.slice();
        const i = Math.floor(nextFloat(this.rng) * bytes.length);
        bytes[i] = bytes[i]! ^ (1 + Math.floor(nextFloat(this.rng) * 255));
      }
      this.schedule(at, bytes);
    }
  }
}
