import { describe, expect, it } from 'vitest';
import { type Link, type PacketsHandler, plainCaps } from '../../src/link/link.ts';
import { withTap } from '../../src/link/tap.ts';

function fakeLink(log: string[]): Link & { deliver(packets: Uint8Array[]): void } {
  let handler: PacketsHandler | undefined;
  return {
    mtu: 1500,
    caps: plainCaps(1500),
    send: (p) => log.push(`link sent ${p[0]}`),
    flush: () => log.push('link flush'),
    onPackets: (h) => {
      handler = h;
    },
    close: async () => {
      log.push('link closed');
    },
    deliver: (packets) => handler?.(packets),
  };
}

describe('withTap', () => {
  it('sees sends before the inner link and batches before the stack, then closes after the link', async () => {
    const log: string[] = [];
    const inner = fakeLink(log);
    const tapped = withTap(inner, {
      sent: (p) => log.push(`tap sent ${p[0]}`),
      received: (ps) => log.push(`tap got ${ps.map((p) => p[0]).join(',')}`),
      closed: () => log.push('tap closed'),
    });
    tapped.onPackets((ps) => log.push(`stack got ${ps.length}`));
    tapped.send(Uint8Array.of(1));
    tapped.flush();
    inner.deliver([Uint8Array.of(7), Uint8Array.of(8)]);
    await tapped.close();
    expect(log).toEqual([
      'tap sent 1',
      'link sent 1',
      'link flush',
      'tap got 7,8',
      'stack got 2',
      'link closed',
      'tap closed',
    ]);
    expect(tapped.mtu).toBe(1500);
  });

  it('can hand packets on one at a time, each right after the tap saw it', () => {
    const log: string[] = [];
    const inner = fakeLink(log);
    const tapped = withTap(
      inner,
      { received: (ps) => log.push(`tap ${ps[0]![0]}`) },
      { onePacketAtATime: true },
    );
    tapped.onPackets((ps) => log.push(`stack ${ps[0]![0]}`));
    inner.deliver([Uint8Array.of(1), Uint8Array.of(2)]);
    expect(log).toEqual(['tap 1', 'stack 1', 'tap 2', 'stack 2']);
  });
});
