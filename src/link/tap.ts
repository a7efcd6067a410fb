// The one decorator shape every observer of a link shares (pcap recorder, tracer, explaining tracer, the
// demo's printer): see each packet as it is sent — before the inner link owns it — and each received batch
// before the stack does, and pass everything through unchanged.

import type { Link, PacketsHandler } from './link.ts';

export interface Tap {
  sent?(packet: Uint8Array): void;
  received?(packets: readonly Uint8Array[]): void;
  /** After the inner link has closed (a recorder finishes its file here). */
  closed?(): void;
}

export interface TapOptions {
  /**
   * Hand received packets to the stack one at a time, each right after the tap saw it, so whatever the
   * stack reports while handling a packet follows that packet (the explaining tracer needs this; it gives
   * up batching).
   */
  onePacketAtATime?: boolean;
}

export function withTap(link: Link, tap: Tap, options: TapOptions = {}): Link {
  return {
    get mtu() {
      return link.mtu;
    },
    get caps() {
      return link.caps;
    },
    send(packet: Uint8Array): void {
      tap.sent?.(packet);
      link.send(packet);
    },
    flush(): void {
      link.flush();
    },
    onPackets(handler: PacketsHandler): void {
      link.onPackets((packets) => {
        if (!options.onePacketAtATime) {
          tap.received?.(packets);
          handler(packets);
          return;
        }
        for (const packet of packets) {
          tap.received?.([packet]);
          handler([packet]);
        }
      });
    },
    async close(): Promise<void> {
      try {
        await link.close();
      } finally {
        tap.closed?.();
      }
    },
  };
}
