// TUN offloads end to end (IFF_VNET_HDR + TUNSETOFFLOAD: checksum + TSO4): a ustack echo server behind an
// offloading TUN and a kernel python3 client in the lab namespace, byte-exact, with the link's counters
// showing that TCP super-segments larger than the MTU crossed both ways. Each test makes its own namespace
// (198.18.0.0/15) and removes it; without root or /dev/net/tun the suite skips as tun-link.test.ts does.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { AF_INET, SOCK_DGRAM, SOCK_STREAM } from '../../src/socket/constants.ts';
import type { Socket } from '../../src/socket/socket.ts';
import { KERNEL_ADDR, Lab, STACK_ADDR, tunUnavailableReason, waitForLine } from './helpers/lab.ts';

const unavailable = tunUnavailableReason();
const required = process.env.USTACK_REQUIRE_TUN === '1';
if (unavailable !== undefined && !required) console.warn(`test/tun offload skipped: ${unavailable}`);

const TCP_CLIENT = readFileSync(new URL('./scripts/tcp_client.py', import.meta.url), 'utf8');
const PORT = 7;

/**
 * Two UDP datagrams to port 9 through a raw socket, so the kernel leaves their checksums alone and marks
 * them neither partial nor verified: first one with its checksum off by one, then a correct one.
 */
const RAW_UDP = `
import socket, struct
def checksum(data):
    if len(data) % 2: data += b"\\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s > 0xffff: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
src, dst = socket.inet_aton("${KERNEL_ADDR}"), socket.inet_aton("${STACK_ADDR}")
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
for payload, skew in ((b"corrupted", 1), (b"intact", 0)):
    header = struct.pack("!HHHH", 4000, 9, 8 + len(payload), 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, 8 + len(payload))
    sum_ = (checksum(pseudo + header + payload) + skew) & 0xffff or 1
    s.sendto(struct.pack("!HHHH", 4000, 9, 8 + len(payload), sum_) + payload, ("${STACK_ADDR}", 0))
`;

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
    expect(lab.link.caps).toEqual({
      rxChecksumVerified: true,
      txChecksumOffload: true,
      maxSegment: 65535,
      sendCopies: true,
    });
    const plain = await labStack(false);
    expect(plain.lab.link.offload).toBe(false);
    expect(plain.lab.link.caps).toEqual({
      rxChecksumVerified: false,
      txChecksumOffload: false,
      maxSegment: 1500,
      sendCopies: true,
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

  it('checks the checksums the kernel vouched nothing for, and drops a bad one before the stack', async () => {
    const { lab, stack } = await labStack(true);
    const udp = stack.socket(AF_INET, SOCK_DGRAM);
    udp.bind(['', 9]);
    lab.execSync('python3', ['-c', RAW_UDP]);
    const [payload] = await udp.recvfrom(100);
    expect(new TextDecoder().decode(payload)).toBe('intact');
    const counters = lab.link.counters();
    expect(counters['tun.rx.checksums-checked']).toBeGreaterThanOrEqual(2);
    expect(counters['drop.tun.rx-bad-checksum']).toBe(1);
    udp.close();
  });
});
