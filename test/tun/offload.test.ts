// TUN offloads end to end (IFF_VNET_HDR + TUNSETOFFLOAD: checksum + TSO4): a ustack echo server behind an
// offloading TUN and a kernel python3 client in the lab namespace, byte-exact, with the link's counters
// showing that TCP super-segments larger than the MTU crossed both ways. Each test makes its own namespace
// (198.18.0.0/15) and removes it; without root or /dev/net/tun the suite skips as tun-link.test.ts does.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { AF_INET, SOCK_STREAM } from '../../src/socket/constants.ts';
import type { Socket } from '../../src/socket/socket.ts';
import { KERNEL_ADDR, Lab, STACK_ADDR, tunUnavailableReason, waitForLine } from './helpers/lab.ts';

const unavailable = tunUnavailableReason();
const required = process.env.USTACK_REQUIRE_TUN === '1';
if (unavailable !== undefined && !required) console.warn(`test/tun offload skipped: ${unavailable}`);

const TCP_CLIENT = readFileSync(new URL('./scripts/tcp_client.py', import.meta.url), 'utf8');
const PORT = 7;

/** Echoes every byte back on each accepted connection until the peer's FIN, then closes. */
async function echoConnections(listener: Socket): Promise<void> {
  for (;;) {
    const [conn] = await listener.accept();
    void (async () => {
      for (;;) {
        const chunk = await conn.recv(1 << 20);
        if (chunk.length === 0) break;
        await conn.sendall(chunk);
      }
      conn.close();
    })();
  }
}

describe.skipIf(unavailable !== undefined && !required)('TUN offloads with a kernel peer', () => {
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function labStack(offload: boolean): Promise<{ lab: Lab; stack: Stack }> {
    const lab = await Lab.create({ offload });
    cleanups.push(() => lab.close());
    const stack = new Stack([lab.link], { addresses: [`${STACK_ADDR}/24`], gateway: KERNEL_ADDR, seed: 6 });
    cleanups.push(() => stack.driver.close());
    return { lab, stack };
  }

  it('opens with offload caps, and with plain ones when asked not to', async () => {
    const { lab } = await labStack(true);
    expect(lab.link.offload).toBe(true);
    expect(lab.link.caps).toEqual({ rxChecksumVerified: true, txChecksumOffload: true, maxSegment: 65535 });
    const plain = await labStack(false);
    expect(plain.lab.link.offload).toBe(false);
    expect(plain.lab.link.caps).toEqual({
      rxChecksumVerified: false,
      txChecksumOffload: false,
      maxSegment: 1500,
    });
  });

  it('echoes 32 MiB to a kernel python3 client byte-exact, with super-segments both ways', async () => {
    const { lab, stack } = await labStack(true);
    const listener = stack.socket(AF_INET, SOCK_STREAM);
    listener.bind(['', PORT]);
    listener.listen();
    void echoConnections(listener).catch(() => {});
    const client = lab.python(TCP_CLIENT, [STACK_ADDR, String(PORT), String(32 << 20)]);
    const line = await waitForLine(client, (l) => l.startsWith('{'));
    const result = JSON.parse(line);
    expect(result.received).toBe(32 << 20);
    expect(result.receivedSha256).toBe(result.sentSha256);
    const counters = lab.link.counters();
    // The kernel's TSO/GRO reached us as packets above the MTU, and ours left as such.
    expect(counters['tun.rx.gso-packets']).toBeGreaterThan(0);
    expect(counters['tun.tx.gso-packets']).toBeGreaterThan(0);
    expect(counters['tun.tx.gso-segments']).toBeGreaterThan(counters['tun.tx.gso-packets']!);
    expect(stack.core.stats.get('drop.tcp.bad-checksum')).toBe(0);
    listener.close();
  });
});
