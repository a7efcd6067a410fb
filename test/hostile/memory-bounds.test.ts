// Memory an attacker can make the stack hold: IP fragments (capped at 4 MiB across all datagrams, Linux's
// ipfrag_high_thresh) and TCP out-of-order data (parked inside the receive buffer, so within the window,
// and tracked in at most maxOutOfOrderRanges ranges). Floods must stay under the caps at every step.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { seconds } from '../../src/base/time.ts';
import { StackCore } from '../../src/stack.ts';
import { seqDiff } from '../../src/tcp/seq.ts';
import { CorePair, pump } from './core-pair.ts';
import { ipPacket, tcpPacket, US } from './wire.ts';

const FOUR_MIB = 4 * 1024 * 1024;

function core(): StackCore {
  return new StackCore({
    interfaces: [{ addr: US, prefixLen: 24, mtu: 1500 }],
    rng: new SeededRng(3),
    secret: new Uint8Array(16).fill(3),
  });
}

function fragment(identification: number, offset: number, length: number, more: boolean, src = 0xc6120001) {
  return ipPacket(
    { protocol: 17, srcAddr: src, identification, fragmentOffset: offset, moreFragments: more },
    new Uint8Array(length).fill(identification & 0xff),
  );
}

describe('IP fragment floods', () => {
  it('20,000 first fragments of never-completed datagrams hold at most 4 MiB at every step', () => {
    const stack = core();
    let peak = 0;
    for (let i = 0; i < 20_000; i++) {
      // Many sources and identifications, as a spoofed flood has: one reassembly queue each.
      stack.ingress(i * 10, 0, fragment(i & 0xffff, 0, 1480, true, 0xc6120000 + (i >>> 16) + 1));
      peak = Math.max(peak, stack.reassemblyBytes);
    }
    expect(peak).toBeLessThanOrEqual(FOUR_MIB);
    expect(peak).toBeGreaterThan(FOUR_MIB - 1480);
    // Linux's ipfrag_time: after 30 s every incomplete datagram is gone.
    stack.poll(seconds(31), () => {});
    expect(stack.reassemblyBytes).toBe(0);
    console.log(`fragment flood: 20000 × 1480 B first fragments, peak ${peak} B held (cap ${FOUR_MIB})`);
  });

  it('overlapping fragments and fragments past octet 65535 are dropped under their reasons, holding nothing', () => {
    const stack = core();
    for (let id = 0; id < 1000; id++) {
      stack.ingress(0, 0, fragment(id, 0, 1024, true));
      stack.ingress(0, 0, fragment(id, 512, 1024, true));
      stack.ingress(0, 0, fragment(id + 5000, 65528, 16, false));
    }
    expect(stack.stats.get('drop.ipv4.frag-overlap')).toBe(1000);
    expect(stack.stats.get('drop.ipv4.fragment-overflow')).toBe(1000);
    expect(stack.reassemblyBytes).toBe(0);
  });

  // Linux discards the queue when a last fragment ends before data already held (ip_frag_queue).
  it('a last fragment ending before a fragment already held is dropped, not thrown', () => {
    const stack = core();
    stack.ingress(0, 0, fragment(1, 16, 8, true));
    stack.ingress(0, 0, fragment(1, 8, 8, false));
    expect(stack.stats.get('drop')).toBe(1);
  });

  it('random fragment sequences never throw and never exceed the cap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.nat(3), units: fc.nat(40), length: fc.nat(6), more: fc.boolean() }), {
          maxLength: 12,
        }),
        (fragments) => {
          const stack = core();
          for (const f of fragments) stack.ingress(0, 0, fragment(f.id, f.units * 8, f.length * 8, f.more));
          expect(stack.reassemblyBytes).toBeLessThanOrEqual(FOUR_MIB);
        },
      ),
      { numRuns: 2000, seed: 815 },
    );
  });

  // Linux counts both evictions and timeouts (ReasmFails, ReasmTimeout); so does ustack, by reason.
  it('every fragment of an abandoned datagram is accounted for (evicted or timed out)', () => {
    const stack = core();
    for (let i = 0; i < 5000; i++) stack.ingress(0, 0, fragment(i, 0, 1480, true));
    stack.poll(seconds(31), () => {});
    const counted = Object.entries(stack.stats.snapshot())
      .filter(([name]) => name.startsWith('drop.') && /frag|reasm/.test(name))
      .reduce((sum, [, value]) => sum + value, 0);
    expect(counted).toBe(5000);
  });
});

describe('TCP out-of-order floods', () => {
  it('a peer leaving a hole every other segment: parked data stays in the window and ≤ 32 ranges', () => {
    const pair = new CorePair({ seed: 21, tcp: { recvBuffer: 256 * 1024 } });
    const [client, server] = pair.connect(pair.listen(80));
    let seen = 0;
    let peakRanges = 0;
    let peakParked = 0;
    pair.tap = (from, packet) => {
      const ranges = server.assembler.ranges();
      peakRanges = Math.max(peakRanges, ranges.length);
      const farthest = ranges.length === 0 ? 0 : ranges[ranges.length - 1]![1];
      peakParked = Math.max(peakParked, farthest);
      expect(farthest).toBeLessThanOrEqual(server.recvBuffer.capacity - server.recvBuffer.length);
      // Drop every other full-sized data segment the first time: a hole pattern of many disjoint ranges.
      if (from === 'client' && packet.length > 1000 && seen++ % 2 === 0 && seen < 2000) return 'drop';
      return 'deliver';
    };
    const data = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    const got: number[] = [];
    pump(pair, client, data, server, got);
    expect(Buffer.from(got).equals(Buffer.from(data))).toBe(true);
    expect(peakRanges).toBeGreaterThan(1);
    expect(peakRanges).toBeLessThanOrEqual(32);
    console.log(`out-of-order holes: peak ${peakRanges} ranges, farthest parked byte at +${peakParked}`);
  });

  it('100,000 forged 1-byte segments scattered over the window: ≤ 32 ranges, buffer never grows', () => {
    const pair = new CorePair({ seed: 22, tcp: { recvBuffer: 256 * 1024 } });
    const [client, server] = pair.connect(pair.listen(80));
    const capacity = server.recvBuffer.capacity;
    const rng = new SeededRng(99);
    const window = seqDiff(server.rcvAdvRight, server.rcvNxt);
    for (let i = 0; i < 100_000; i++) {
      const offset = 1 + (rng.nextU32() % (window + 10_000));
      pair.server.ingress(
        pair.now,
        0,
        tcpPacket(
          {
            srcPort: client.localPort,
            dstPort: 80,
            seqNumber: (server.rcvNxt + offset) >>> 0,
            ackNumber: server.sndNxt,
            payload: new Uint8Array([i & 0xff]),
          },
          client.localAddr,
          US,
        ),
      );
      if (i % 1000 === 0) pair.settle();
    }
    pair.settle();
    expect(server.assembler.ranges().length).toBeLessThanOrEqual(32);
    expect(server.recvBuffer.capacity).toBe(capacity);
    expect(server.state).toBe('ESTABLISHED');
    const dropped = pair.server.stats.get('drop.tcp.out-of-order-ranges-full');
    expect(dropped).toBeGreaterThan(0);
    const rest = client.send(new Uint8Array(10));
    expect(isErrno(rest)).toBe(false);
    console.log(`forged out-of-order flood: 100000 segments, ${dropped} refused for the range limit`);
  });
});
