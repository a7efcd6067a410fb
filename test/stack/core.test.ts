// The pure StackCore on a ManualClock: IP input/output, ICMP answers and errors, forwarding, drops.
import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { ManualClock } from '../../src/base/time.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { emitIcmp, type IcmpRepr, icmpBufferLen, parseIcmp } from '../../src/ip/icmp.ts';
import { blankIpv4Repr, emitIpv4Header, type Ipv4Repr, parseIpv4 } from '../../src/ip/ipv4.ts';
import { StackCore, type StackOptions } from '../../src/stack.ts';
import { emitUdp, udpBufferLen } from '../../src/udp/datagram.ts';

const ip = (text: string): number => parseIpv4Address(text)!;
const US = ip('198.18.0.2');
const PEER = ip('198.18.0.1');

function core(options: Partial<StackOptions> = {}): StackCore {
  return new StackCore({
    interfaces: [{ addr: US, prefixLen: 24, mtu: 1500 }],
    rng: new SeededRng(1),
    secret: new Uint8Array(16),
    ...options,
  });
}

function packet(header: Partial<Ipv4Repr>, payload: Uint8Array): Uint8Array {
  const repr = {
    ...blankIpv4Repr(),
    srcAddr: PEER,
    dstAddr: US,
    ttl: 64,
    ...header,
    payloadLength: payload.length,
  };
  const bytes = new Uint8Array(20 + payload.length);
  emitIpv4Header(repr, bytes, 0);
  bytes.set(payload, 20);
  return bytes;
}

function icmp(repr: IcmpRepr): Uint8Array {
  const bytes = new Uint8Array(icmpBufferLen(repr));
  emitIcmp(repr, bytes, 0);
  return bytes;
}

function udp(srcPort: number, dstPort: number, data: Uint8Array, src = PEER, dst = US): Uint8Array {
  const repr = { srcPort, dstPort, payload: data };
  const bytes = new Uint8Array(udpBufferLen(repr));
  emitUdp(repr, bytes, 0, src, dst);
  return bytes;
}

function drain(stack: StackCore, now = 0): Array<[number, Uint8Array]> {
  const out: Array<[number, Uint8Array]> = [];
  stack.poll(now, (iface, p) => out.push([iface, p.slice()]));
  return out;
}

function decode(p: Uint8Array): { ip: Ipv4Repr; icmp: ReturnType<typeof parseIcmp> } {
  const header = blankIpv4Repr();
  expect(parseIpv4(p, 0, p.length, header)).toBeUndefined();
  return { ip: header, icmp: parseIcmp(p, 20, p.length - 20) };
}

describe('StackCore', () => {
  it('answers an ICMP echo request with a reply carrying the same id, sequence and data', () => {
    const s = core();
    const data = new TextEncoder().encode('abcdefgh');
    s.ingress(0, 0, packet({ protocol: 1 }, icmp({ kind: 'echo-request', ident: 7, seqNo: 3, data })));
    const [[iface, reply]] = drain(s) as [[number, Uint8Array]];
    expect(iface).toBe(0);
    const { ip: header, icmp: answer } = decode(reply);
    expect(header).toMatchObject({ srcAddr: US, dstAddr: PEER, protocol: 1 });
    expect(answer).toMatchObject({ kind: 'echo-reply', ident: 7, seqNo: 3 });
    expect(s.stats.get('icmp.echo-replies')).toBe(1);
  });

  it('does not answer broadcast pings (icmp_echo_ignore_broadcasts)', () => {
    const s = core();
    s.ingress(
      0,
      0,
      packet(
        { protocol: 1, dstAddr: ip('198.18.0.255') },
        icmp({ kind: 'echo-request', ident: 1, seqNo: 1, data: new Uint8Array(0) }),
      ),
    );
    expect(drain(s)).toEqual([]);
  });

  it('answers UDP to a closed port with port unreachable quoting header + 8 bytes', () => {
    const s = core();
    const sent = packet({ protocol: 17 }, udp(4000, 9, new Uint8Array(100)));
    s.ingress(0, 0, sent);
    const [[, reply]] = drain(s) as [[number, Uint8Array]];
    const answer = decode(reply).icmp;
    expect(answer).toMatchObject({ kind: 'dest-unreachable', code: 3 });
    expect(Array.from((answer as { quoted: Uint8Array }).quoted)).toEqual(Array.from(sent.subarray(0, 28)));
  });

  it('answers an unknown protocol with protocol unreachable, unless a raw socket takes it', () => {
    const s = core();
    s.ingress(0, 0, packet({ protocol: 99 }, new Uint8Array(4)));
    expect(decode(drain(s)[0]![1]).icmp).toMatchObject({ kind: 'dest-unreachable', code: 2 });
    const raw = s.raw.open(99);
    expect(isErrno(raw)).toBe(false);
    s.ingress(0, 0, packet({ protocol: 99 }, new Uint8Array(4)));
    expect(drain(s)).toEqual([]);
  });

  it('never sends an ICMP error about an ICMP error, and rate-limits errors', () => {
    const s = core({ icmpErrorsPerSecond: 1 });
    const error = icmp({ kind: 'dest-unreachable', code: 3, nextHopMtu: 0, quoted: new Uint8Array(28) });
    s.ingress(0, 0, packet({ protocol: 1, dstAddr: US }, error));
    expect(drain(s)).toEqual([]);
    for (let i = 0; i < 300; i++) s.ingress(0, 0, packet({ protocol: 17 }, udp(4000, 9, new Uint8Array(1))));
    const sent = drain(s).length;
    expect(sent).toBe(100);
    expect(s.stats.get('icmp.rate-limited')).toBe(200);
  });

  it('counts malformed packets by reason and drops them', () => {
    const s = core();
    const good = packet({ protocol: 17 }, udp(1, 2, new Uint8Array(4)));
    const badVersion = good.slice();
    badVersion[0] = 0x55;
    const badChecksum = good.slice();
    badChecksum[10]! ^= 1;
    const badUdp = good.slice();
    badUdp[27]! ^= 1;
    for (const p of [badVersion, badChecksum, badUdp, good.subarray(0, 10)]) s.ingress(0, 0, p);
    expect(s.stats.get('drop')).toBe(4);
    expect(s.stats.get('drop.ipv4.bad-checksum')).toBe(1);
    expect(s.stats.get('drop.udp.bad-checksum')).toBe(1);
    expect(s.stats.get('drop.ipv4.truncated') + s.stats.get('drop.ipv4.bad-version')).toBe(2);
  });

  it('forwards between interfaces with TTL − 1, and answers TTL 1 with time exceeded', () => {
    const s = core({
      interfaces: [
        { addr: ip('198.18.0.2'), prefixLen: 24, mtu: 1500 },
        { addr: ip('198.18.1.2'), prefixLen: 24, mtu: 1500 },
      ],
      forwarding: true,
    });
    const far = ip('198.18.1.9');
    s.ingress(0, 0, packet({ protocol: 17, dstAddr: far, ttl: 5 }, udp(1, 2, new Uint8Array(8), PEER, far)));
    const [[iface, forwarded]] = drain(s) as [[number, Uint8Array]];
    expect(iface).toBe(1);
    expect(decode(forwarded).ip).toMatchObject({ ttl: 4, dstAddr: far, srcAddr: PEER });
    s.ingress(0, 0, packet({ protocol: 17, dstAddr: far, ttl: 1 }, udp(1, 2, new Uint8Array(8), PEER, far)));
    const [[back, error]] = drain(s) as [[number, Uint8Array]];
    expect(back).toBe(0);
    expect(decode(error).icmp).toMatchObject({ kind: 'time-exceeded', code: 0 });
  });

  it('answers DF packets too big for the next hop with fragmentation needed and the MTU', () => {
    const s = core({
      interfaces: [
        { addr: ip('198.18.0.2'), prefixLen: 24, mtu: 1500 },
        { addr: ip('198.18.1.2'), prefixLen: 24, mtu: 1000 },
      ],
      forwarding: true,
    });
    const far = ip('198.18.1.9');
    s.ingress(
      0,
      0,
      packet({ protocol: 17, dstAddr: far, dontFragment: true }, udp(1, 2, new Uint8Array(1200), PEER, far)),
    );
    const [[, error]] = drain(s) as [[number, Uint8Array]];
    expect(decode(error).icmp).toMatchObject({ kind: 'dest-unreachable', code: 4, nextHopMtu: 1000 });
  });

  it('drops packets not for us when forwarding is off', () => {
    const s = core();
    s.ingress(
      0,
      0,
      packet(
        { protocol: 17, dstAddr: ip('198.18.0.77') },
        udp(1, 2, new Uint8Array(1), PEER, ip('198.18.0.77')),
      ),
    );
    expect(drain(s)).toEqual([]);
    expect(s.stats.get('drop.ip.not-for-us')).toBe(1);
  });

  it('fails a connecting TCP socket on ICMP host unreachable, as Linux does', () => {
    const clock = new ManualClock();
    const s = core();
    const tcb = s.tcp.connect(clock.now(), US, 40000, PEER, 80);
    if (isErrno(tcb)) throw new Error(tcb.errno);
    const [[, syn]] = drain(s) as [[number, Uint8Array]];
    const error = icmp({ kind: 'dest-unreachable', code: 1, nextHopMtu: 0, quoted: syn.subarray(0, 28) });
    s.ingress(0, 0, packet({ protocol: 1, srcAddr: PEER }, error));
    expect(tcb.takeError()).toBe('EHOSTUNREACH');
  });

  it('learns a lower path MTU from fragmentation needed (RFC 1191)', () => {
    const s = core();
    expect(s.routeMtu(PEER)).toBe(1500);
    const quoted = packet({ protocol: 6, srcAddr: US, dstAddr: PEER }, new Uint8Array(20)).subarray(0, 28);
    s.ingress(
      0,
      0,
      packet({ protocol: 1 }, icmp({ kind: 'dest-unreachable', code: 4, nextHopMtu: 1280, quoted })),
    );
    expect(s.routeMtu(PEER)).toBe(1280);
  });

  it('reuses its packet memory after each poll when every link copies what it is sent', () => {
    const caps = { rxChecksumVerified: false, txChecksumOffload: false, maxSegment: 1500, sendCopies: true };
    const s = core({ interfaces: [{ addr: US, prefixLen: 24, mtu: 1500, caps }] });
    const ping = packet(
      { protocol: 1 },
      icmp({ kind: 'echo-request', ident: 1, seqNo: 1, data: new Uint8Array(8) }),
    );
    const offsets: number[] = [];
    for (let i = 0; i < 3; i++) {
      s.ingress(0, 0, ping);
      s.poll(0, (_iface, p) => offsets.push(p.byteOffset));
    }
    expect(new Set(offsets).size).toBe(1);
  });

  it('trusts a verifying link for whole packets, but checks a datagram rebuilt from fragments itself', () => {
    const caps = { rxChecksumVerified: true, txChecksumOffload: false, maxSegment: 1500, sendCopies: true };
    const s = core({ interfaces: [{ addr: US, prefixLen: 24, mtu: 1500, caps }] });
    const datagram = udp(5000, 9, new Uint8Array(40).fill(7));
    datagram[6]! ^= 0xff;
    s.ingress(0, 0, packet({ protocol: 17 }, datagram));
    expect(s.stats.get('udp.no-port')).toBe(1);
    // A link vouches for packets, not for what reassembly makes of fragments it could not judge one by one.
    s.ingress(
      0,
      0,
      packet({ protocol: 17, identification: 9, moreFragments: true }, datagram.subarray(0, 24)),
    );
    s.ingress(0, 0, packet({ protocol: 17, identification: 9, fragmentOffset: 24 }, datagram.subarray(24)));
    expect(s.stats.get('ip.reassembled')).toBe(1);
    expect(s.stats.get('drop.udp.bad-checksum')).toBe(1);
    expect(s.stats.get('udp.no-port')).toBe(1);
  });

  it('counts IPv6 packets as unsupported', () => {
    const s = core();
    s.ingress(0, 0, new Uint8Array([0x60, 0, 0, 0, 0, 8, 58, 255]));
    expect(s.stats.get('drop.ipv6.unsupported')).toBe(1);
  });
});
