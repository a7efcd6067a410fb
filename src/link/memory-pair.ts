// Two links joined back to back in memory: what one sends, the other receives, with no syscalls.
// Delivery is deferred to a later macrotask and batched, so a stack stepping on one end never re-enters
// the other end's step (ARCHITECTURE.md rule 4) and a burst of sends arrives as one batch.

import { type Link, type LinkCaps, type PacketsHandler, plainCaps } from './link.ts';

class MemoryLink implements Link {
  readonly caps: LinkCaps;
  peer!: MemoryLink;
  private handler: PacketsHandler | undefined;
  private outbox: Uint8Array[] = [];
  private scheduled = false;
  private closed = false;

  constructor(readonly mtu: number) {
    this.caps = plainCaps(mtu);
  }

  send(packet: Uint8Array): void {
    if (this.closed) return;
    this.outbox.push(packet);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.deliver());
    }
  }

  flush(): void {}

  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.outbox = [];
  }

  private deliver(): void {
    this.scheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length > 0 && !this.peer.closed) this.peer.handler?.(batch);
  }
}

/** Two connected links with the given MTU (default 1500). */
export function createMemoryPair(mtu = 1500): [Link, Link] {
  const a = new MemoryLink(mtu);
  const b = new MemoryLink(mtu);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
