// Seeded impairments around any link, for simulations and demos (this kernel has no netem): loss,
// duplication, reordering, delay with jitter, corruption, and a rate-limited bottleneck with a bounded
// queue. Faults apply to packets the wrapped link sends and, when `inbound` is set, to those it receives.

import { nextFloat, type Rng } from '../base/rng.ts';
import type { Link, PacketsHandler } from './link.ts';

export interface FaultConfig {
  /** Probability [0, 1] that a packet is dropped. */
  loss: number;
  /** Probability that a packet is sent twice. */
  duplicate: number;
  /** Probability that a packet is held back and sent after the next one. */
  reorder: number;
  /** Probability that one byte is flipped (the receiver's checksum then drops it). */
  corrupt: number;
  /** Fixed one-way delay in milliseconds, plus up to `jitterMs` more, drawn per packet. */
  delayMs: number;
  jitterMs: number;
  /** Bottleneck rate in bytes per second (0 = unlimited) and its queue limit in bytes (tail drop). */
  rateBytesPerSecond: number;
  queueBytes: number;
  /** Apply to inbound packets as well as outbound ones. */
  inbound: boolean;
}

export const NO_FAULTS: FaultConfig = {
  loss: 0,
  duplicate: 0,
  reorder: 0,
  corrupt: 0,
  delayMs: 0,
  jitterMs: 0,
  rateBytesPerSecond: 0,
  queueBytes: 256 * 1024,
  inbound: false,
};

export interface FaultCounters {
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  queueDrops: number;
}

/** Told of each impairment as it happens (the demo marks lost packets under their lines). */
export type FaultObserver = (
  fault: 'lost' | 'duplicated' | 'reordered' | 'corrupted' | 'queue-drop',
  packet: Uint8Array,
) => void;

class Impairment {
  readonly counters: FaultCounters = { dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, queueDrops: 0 };
  private held: Uint8Array | undefined;
  private queuedBytes = 0;
  private bottleneckFreeAt = 0;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly config: FaultConfig,
    private readonly rng: Rng,
    private readonly deliver: (packet: Uint8Array) => void,
    private readonly observe: FaultObserver | undefined,
  ) {}

  push(packet: Uint8Array): void {
    const { loss, duplicate, reorder, corrupt } = this.config;
    if (loss > 0 && nextFloat(this.rng) < loss) {
      this.counters.dropped++;
      this.observe?.('lost', packet);
      return;
    }
    let out = packet;
    if (corrupt > 0 && nextFloat(this.rng) < corrupt) {
      out = packet.slice();
      out[Math.floor(nextFloat(this.rng) * out.length)]! ^= 1 << Math.floor(nextFloat(this.rng) * 8);
      this.counters.corrupted++;
      this.observe?.('corrupted', packet);
    }
    const copies = duplicate > 0 && nextFloat(this.rng) < duplicate ? 2 : 1;
    if (copies === 2) {
      this.counters.duplicated++;
      this.observe?.('duplicated', packet);
    }
    for (let i = 0; i < copies; i++) {
      if (reorder > 0 && this.held === undefined && nextFloat(this.rng) < reorder) {
        this.held = out;
        this.counters.reordered++;
        this.observe?.('reordered', packet);
        continue;
      }
      this.schedule(out);
      if (this.held) {
        const late = this.held;
        this.held = undefined;
        this.schedule(late);
      }
    }
  }

  /** Releases a packet held for reordering when nothing followed it (otherwise it would wait forever). */
  releaseHeld(): void {
    if (!this.held) return;
    const late = this.held;
    this.held = undefined;
    this.schedule(late);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(packet: Uint8Array): void {
    const { delayMs, jitterMs, rateBytesPerSecond, queueBytes } = this.config;
    let waitMs = delayMs + (jitterMs > 0 ? nextFloat(this.rng) * jitterMs : 0);
    if (rateBytesPerSecond > 0) {
      if (this.queuedBytes + packet.length > queueBytes) {
        this.counters.queueDrops++;
        this.observe?.('queue-drop', packet);
        return;
      }
      const now = performance.now();
      const start = Math.max(now, this.bottleneckFreeAt);
      this.bottleneckFreeAt = start + (packet.length * 1000) / rateBytesPerSecond;
      waitMs += this.bottleneckFreeAt - now;
      this.queuedBytes += packet.length;
    }
    if (waitMs <= 0) {
      this.deliver(packet);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (rateBytesPerSecond > 0) this.queuedBytes -= packet.length;
      this.deliver(packet);
    }, waitMs);
    this.timers.add(timer);
  }
}

export interface FaultyLink extends Link {
  readonly outboundFaults: FaultCounters;
  readonly inboundFaults: FaultCounters | undefined;
}

export function withFaults(
  link: Link,
  config: Partial<FaultConfig>,
  rng: Rng,
  observe?: FaultObserver,
): FaultyLink {
  const full = { ...NO_FAULTS, ...config };
  const sendNow = (packet: Uint8Array): void => {
    link.send(packet);
    link.flush();
  };
  const outbound = new Impairment(full, rng, sendNow, observe);
  let handler: PacketsHandler | undefined;
  const inbound = full.inbound
    ? new Impairment(full, rng, (packet) => handler?.([packet]), observe)
    : undefined;
  return {
    mtu: link.mtu,
    // Delayed, held and duplicated packets are kept past send(): the sender may not reuse their bytes.
    caps: { ...link.caps, sendCopies: false },
    outboundFaults: outbound.counters,
    inboundFaults: inbound?.counters,
    send(packet) {
      outbound.push(packet);
    },
    flush() {
      outbound.releaseHeld();
      link.flush();
    },
    onPackets(h) {
      handler = h;
      link.onPackets((packets) => {
        if (!inbound) return h(packets);
        // Inbound packets are only valid during the callback: copy before holding any.
        for (const packet of packets) inbound.push(packet.slice());
        inbound.releaseHeld();
      });
    },
    async close() {
      outbound.close();
      inbound?.close();
      await link.close();
    },
  };
}
