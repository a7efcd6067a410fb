// Packets built by ustack's own codecs, for the formatter tests and for checking the codecs' output in
// tshark and tcpdump (test/trace/emitted.test.ts). Addresses are in the lab range 198.18.0.0/15.

import { PacketSlab } from '../../src/base/packet-slab.ts';
import { parseIpv4Address } from '../../src/ip/address.ts';
import { fragmentDatagram } from '../../src/ip/fragment.ts';
import {
  emitIcmp,
  ICMP_PROTOCOL,
  type IcmpRepr,
  icmpBufferLen,
  quoteForIcmpError,
} from '../../src/ip/icmp.ts';
import {
  blankIpv4Repr,
  emitIpv4Header,
  type Ipv4Repr,
  ipv4BufferLen,
  ipv4HeaderLen,
} from '../../src/ip/ipv4.ts';
import { emitIpv4Options } from '../../src/ip/ipv4-options.ts';
import { blankTcpRepr, emitTcp, TCP_PROTOCOL, type TcpRepr, tcpBufferLen } from '../../src/tcp/segment.ts';
import { emitUdp, UDP_PROTOCOL, udpBufferLen } from '../../src/udp/datagram.ts';

export const CLIENT = parseIpv4Address('198.18.0.1')!;
export const SERVER = parseIpv4Address('198.18.0.2')!;

function ipPacket(
  header: Partial<Ipv4Repr> & Pick<Ipv4Repr, 'srcAddr' | 'dstAddr' | 'protocol'>,
  payloadLength: number,
  writePayload: (bytes: Uint8Array, offset: number) => void,
): Uint8Array {
  const repr: Ipv4Repr = { ...blankIpv4Repr(), ttl: 64, identification: 0x1234, ...header, payloadLength };
  const bytes = new Uint8Array(ipv4BufferLen(repr)).fill(0xa5);
  emitIpv4Header(repr, bytes, 0);
  writePayload(bytes, ipv4HeaderLen(repr));
  return bytes;
}

export function tcpPacket(
  src: number,
  dst: number,
  fields: Partial<TcpRepr>,
  ip: Partial<Ipv4Repr> = {},
): Uint8Array {
  const repr: TcpRepr = { ...blankTcpRepr(), ...fields };
  return ipPacket(
    { dontFragment: true, ...ip, srcAddr: src, dstAddr: dst, protocol: TCP_PROTOCOL },
    tcpBufferLen(repr),
    (b, o) => emitTcp(repr, b, o, src, dst),
  );
}

export function udpPacket(
  src: number,
  dst: number,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
  ip: Partial<Ipv4Repr> = {},
): Uint8Array {
  const repr = { srcPort, dstPort, payload };
  return ipPacket({ ...ip, srcAddr: src, dstAddr: dst, protocol: UDP_PROTOCOL }, udpBufferLen(repr), (b, o) =>
    emitUdp(repr, b, o, src, dst),
  );
}

export function icmpPacket(src: number, dst: number, repr: IcmpRepr, ip: Partial<Ipv4Repr> = {}): Uint8Array {
  return ipPacket(
    { ...ip, srcAddr: src, dstAddr: dst, protocol: ICMP_PROTOCOL },
    icmpBufferLen(repr),
    (b, o) => emitIcmp(repr, b, o),
  );
}

/** An ICMP error from `from` about `offending`, quoting its header and first 8 data bytes (RFC 792). */
export function icmpErrorAbout(
  offending: Uint8Array,
  from: number,
  to: number,
  error: Extract<IcmpRepr, { kind: 'dest-unreachable' | 'time-exceeded' }>['kind'],
  code: number,
  nextHopMtu = 0,
): Uint8Array {
  const quoted = quoteForIcmpError(offending);
  const repr: IcmpRepr =
    error === 'dest-unreachable'
      ? { kind: 'dest-unreachable', code: code as 0, nextHopMtu, quoted }
      : { kind: 'time-exceeded', code: code as 0 | 1, quoted };
  return icmpPacket(from, to, repr);
}

/** The fragments ustack's sender cuts a UDP datagram into for `mtu`. */
export function udpFragments(src: number, dst: number, payload: Uint8Array, mtu: number): Uint8Array[] {
  const repr = { srcPort: 40003, dstPort: 9, payload };
  const datagram = new Uint8Array(udpBufferLen(repr));
  emitUdp(repr, datagram, 0, src, dst);
  const header = {
    ...blankIpv4Repr(),
    srcAddr: src,
    dstAddr: dst,
    protocol: UDP_PROTOCOL,
    ttl: 64,
    identification: 0x4242,
  };
  return fragmentDatagram(header, datagram, mtu, new PacketSlab()).map((p) => p.slice());
}

const text = (s: string) => new TextEncoder().encode(s);

/**
 * One of each thing ustack emits, in a plausible order: a TCP handshake with every option, data, SACK,
 * FIN and RST; UDP; ICMP echo and errors; IPv4 options; fragments. With the lines tcpdump 4.99.3 printed
 * for them (`TZ=UTC tcpdump -nn -r`; relative sequence numbers), which emitted.test.ts re-checks live.
 */
export function emittedPackets(): Array<{ packet: Uint8Array; tcpdump: string }> {
  const c = '198.18.0.1';
  const s = '198.18.0.2';
  const synOptions = {
    maxSegSize: 1460,
    sackPermitted: true,
    timestamp: { tsVal: 1, tsEcr: 0 },
    windowScale: 7,
  };
  const echoData = new Uint8Array(56).map((_, i) => i);
  const udpToClosed = udpPacket(CLIENT, SERVER, 40002, 9, text('anyone?'));
  const synToClosed = tcpPacket(CLIENT, SERVER, {
    srcPort: 40001,
    dstPort: 5556,
    control: 'syn',
    seqNumber: 7,
  });
  const fragments = udpFragments(CLIENT, SERVER, new Uint8Array(2000).fill(0x5a), 1500);
  return [
    {
      packet: tcpPacket(CLIENT, SERVER, {
        srcPort: 41234,
        dstPort: 5555,
        control: 'syn',
        seqNumber: 1000,
        windowLen: 64240,
        ...synOptions,
      }),
      tcpdump: `IP ${c}.41234 > ${s}.5555: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0`,
    },
    {
      packet: tcpPacket(SERVER, CLIENT, {
        srcPort: 5555,
        dstPort: 41234,
        control: 'syn',
        seqNumber: 5000,
        ackNumber: 1001,
        windowLen: 65160,
        ...synOptions,
        timestamp: { tsVal: 9, tsEcr: 1 },
      }),
      tcpdump: `IP ${s}.5555 > ${c}.41234: Flags [S.], seq 5000, ack 1001, win 65160, options [mss 1460,sackOK,TS val 9 ecr 1,nop,wscale 7], length 0`,
    },
    {
      packet: tcpPacket(CLIENT, SERVER, {
        srcPort: 41234,
        dstPort: 5555,
        push: true,
        seqNumber: 1001,
        ackNumber: 5001,
        windowLen: 502,
        timestamp: { tsVal: 2, tsEcr: 9 },
        payload: new Uint8Array(100).fill(0x41),
      }),
      tcpdump: `IP ${c}.41234 > ${s}.5555: Flags [P.], seq 1:101, ack 1, win 502, options [nop,nop,TS val 2 ecr 9], length 100`,
    },
    {
      packet: tcpPacket(SERVER, CLIENT, {
        srcPort: 5555,
        dstPort: 41234,
        seqNumber: 5001,
        ackNumber: 1101,
        windowLen: 509,
        timestamp: { tsVal: 10, tsEcr: 2 },
        sackRanges: [
          [1201, 1301],
          [1401, 1501],
        ],
      }),
      tcpdump: `IP ${s}.5555 > ${c}.41234: Flags [.], ack 101, win 509, options [nop,nop,TS val 10 ecr 2,nop,nop,sack 2 {201:301}{401:501}], length 0`,
    },
    {
      packet: tcpPacket(CLIENT, SERVER, {
        srcPort: 41234,
        dstPort: 5555,
        control: 'fin',
        seqNumber: 1101,
        ackNumber: 5001,
        windowLen: 502,
        urgentPointer: 3,
        ece: true,
        cwr: true,
        unknownOptions: [Uint8Array.of(0xfd, 0x04, 0xab, 0xcd)],
      }),
      tcpdump: `IP ${c}.41234 > ${s}.5555: Flags [F.UEW], seq 101, ack 1, win 502, urg 3, options [unknown-253 0xabcd], length 0`,
    },
    { packet: synToClosed, tcpdump: `IP ${c}.40001 > ${s}.5556: Flags [S], seq 7, win 0, length 0` },
    {
      packet: tcpPacket(SERVER, CLIENT, {
        srcPort: 5556,
        dstPort: 40001,
        control: 'rst',
        seqNumber: 0,
        ackNumber: 8,
      }),
      tcpdump: `IP ${s}.5556 > ${c}.40001: Flags [R.], seq 0, ack 8, win 0, length 0`,
    },
    {
      packet: udpPacket(CLIENT, SERVER, 40002, 5557, text('ping 1')),
      tcpdump: `IP ${c}.40002 > ${s}.5557: UDP, length 6`,
    },
    { packet: udpToClosed, tcpdump: `IP ${c}.40002 > ${s}.9: UDP, length 7` },
    {
      packet: icmpErrorAbout(udpToClosed, SERVER, CLIENT, 'dest-unreachable', 3),
      tcpdump: `IP ${s} > ${c}: ICMP ${s} udp port 9 unreachable, length 36`,
    },
    {
      packet: icmpErrorAbout(synToClosed, SERVER, CLIENT, 'dest-unreachable', 3),
      tcpdump: `IP ${s} > ${c}: ICMP ${s} tcp port 5556 unreachable, length 36`,
    },
    {
      packet: icmpErrorAbout(udpToClosed, SERVER, CLIENT, 'dest-unreachable', 1),
      tcpdump: `IP ${s} > ${c}: ICMP host ${s} unreachable, length 36`,
    },
    {
      packet: icmpErrorAbout(udpToClosed, SERVER, CLIENT, 'dest-unreachable', 4, 1400),
      tcpdump: `IP ${s} > ${c}: ICMP ${s} unreachable - need to frag (mtu 1400), length 36`,
    },
    {
      packet: icmpErrorAbout(udpToClosed, SERVER, CLIENT, 'time-exceeded', 0),
      tcpdump: `IP ${s} > ${c}: ICMP time exceeded in-transit, length 36`,
    },
    {
      packet: icmpPacket(CLIENT, SERVER, { kind: 'echo-request', ident: 1, seqNo: 1, data: echoData }),
      tcpdump: `IP ${c} > ${s}: ICMP echo request, id 1, seq 1, length 64`,
    },
    {
      packet: icmpPacket(
        SERVER,
        CLIENT,
        { kind: 'echo-reply', ident: 1, seqNo: 1, data: echoData },
        {
          options: emitIpv4Options([
            { kind: 'router-alert', value: 0 },
            { kind: 'record-route', pointer: 8, addresses: [SERVER, 0, 0] },
          ]),
        },
      ),
      tcpdump: `IP ${s} > ${c}: ICMP echo reply, id 1, seq 1, length 64`,
    },
    { packet: fragments[0]!, tcpdump: `IP ${c}.40003 > ${s}.9: UDP, length 2000` },
    { packet: fragments[1]!, tcpdump: `IP ${c} > ${s}: ip-proto-17` },
  ];
}

/** `packet` with bytes overwritten at `at`: how the malformed cases below are made from good ones. */
function patched(packet: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const copy = packet.slice();
  copy.set(values, at);
  return copy;
}

/**
 * Malformed packets, each with the line tcpdump 4.99.3 prints for it (re-checked live by emitted.test.ts).
 * Byte offsets: IPv4 version/IHL 0, total length 2–3, protocol 9; TCP (after a 20-byte IP header) data
 * offset 32, options 40; UDP length 24–25.
 */
export function malformedPackets(): Array<{ packet: Uint8Array; tcpdump: string }> {
  const c = '198.18.0.1';
  const s = '198.18.0.2';
  const syn = tcpPacket(CLIENT, SERVER, {
    srcPort: 40000,
    dstPort: 5555,
    control: 'syn',
    seqNumber: 1000,
    windowLen: 512,
  });
  const synMss = tcpPacket(CLIENT, SERVER, {
    srcPort: 40000,
    dstPort: 5555,
    control: 'syn',
    seqNumber: 1000,
    windowLen: 512,
    maxSegSize: 1460,
    windowScale: 7,
  });
  const udp = udpPacket(CLIENT, SERVER, 40000, 9, text('abc'));
  const unreachable = icmpErrorAbout(udp, SERVER, CLIENT, 'dest-unreachable', 3);
  return [
    { packet: syn.subarray(0, 12), tcpdump: 'IP  [|ip]' },
    { packet: patched(syn, 0, 0x44), tcpdump: 'IP bad-hlen 16' },
    { packet: patched(syn, 2, 0, 10), tcpdump: 'IP bad-len 10' },
    {
      packet: patched(syn, 2, 0, 100),
      tcpdump: `IP truncated-ip - 60 bytes missing! ${c}.40000 > ${s}.5555: Flags [S], seq 1000:1060, win 512, length 60`,
    },
    {
      packet: patched(syn, 32, 0x40),
      tcpdump: `IP ${c}.40000 > ${s}.5555:  tcp 4 [bad hdr length 16 - too short, < 20]`,
    },
    {
      packet: patched(syn, 32, 0xf0),
      tcpdump: `IP ${c}.40000 > ${s}.5555: Flags [S] [bad hdr length 60 - too long, > 20]`,
    },
    { packet: patched(syn.subarray(0, 30), 2, 0, 30), tcpdump: `IP ${c}.40000 > ${s}.5555:  [|tcp]` },
    { packet: patched(syn.subarray(0, 22), 2, 0, 22), tcpdump: `IP ${c} > ${s}: [|tcp]` },
    { packet: patched(udp.subarray(0, 24), 2, 0, 24), tcpdump: `IP ${c}.40000 > ${s}.9: truncated-udp 4` },
    { packet: patched(udp, 24, 0, 4), tcpdump: `IP ${c}.40000 > ${s}.9: truncated-udplength 4` },
    { packet: patched(udp, 24, 0, 100), tcpdump: `IP ${c}.40000 > ${s}.9: UDP, bad length 92 > 3` },
    { packet: patched(udp, 9, 253), tcpdump: `IP ${c} > ${s}:  ip-proto-253 11` },
    { packet: patched(unreachable.subarray(0, 24), 2, 0, 24), tcpdump: `IP ${s} > ${c}:  [|icmp]` },
    { packet: patched(unreachable.subarray(0, 50), 2, 0, 50), tcpdump: `IP ${s} > ${c}:  [|icmp]` },
    {
      packet: patched(synMss, 41, 1),
      tcpdump: `IP ${c}.40000 > ${s}.5555: Flags [S], seq 1000, win 512, options [[bad opt]`,
    },
    {
      packet: patched(synMss, 46, 9),
      tcpdump: `IP ${c}.40000 > ${s}.5555: Flags [S], seq 1000, win 512, options [mss 1460,nop,[bad opt]]`,
    },
    {
      packet: patched(syn, 10, 0xde, 0xad),
      tcpdump: `IP ${c}.40000 > ${s}.5555: Flags [S], seq 1000, win 512, length 0`,
    },
    {
      packet: patched(syn, 36, 0xde, 0xad),
      tcpdump: `IP ${c}.40000 > ${s}.5555: Flags [S], seq 1000, win 512, length 0`,
    },
  ];
}

/**
 * ICMP messages ustack does not send but may receive or trace — types the codec keeps raw, and codes it
 * does not define — with the lines tcpdump 4.99.3 prints for them (re-checked live by emitted.test.ts).
 */
export function otherIcmpPackets(): Array<{ packet: Uint8Array; tcpdump: string }> {
  const c = '198.18.0.1';
  const s = '198.18.0.2';
  const quote = quoteForIcmpError(udpPacket(CLIENT, SERVER, 40000, 9, text('abc')));
  const other = (type: number, code: number, rest: Uint8Array) =>
    icmpPacket(SERVER, CLIENT, { kind: 'other', type, code, rest });
  const withQuote = (head: number[]) => Uint8Array.from([...head, ...quote]);
  const echo = icmpPacket(CLIENT, SERVER, {
    kind: 'echo-request',
    ident: 1,
    seqNo: 1,
    data: new Uint8Array(0),
  });
  const unreachable = icmpPacket(SERVER, CLIENT, {
    kind: 'dest-unreachable',
    code: 1,
    nextHopMtu: 0,
    quoted: quote,
  });
  const exceeded = icmpPacket(SERVER, CLIENT, { kind: 'time-exceeded', code: 0, quoted: quote });
  return [
    {
      packet: other(5, 1, withQuote([198, 18, 0, 9])),
      tcpdump: `IP ${s} > ${c}: ICMP redirect ${s} to host 198.18.0.9, length 36`,
    },
    {
      packet: other(5, 7, withQuote([198, 18, 0, 9])),
      tcpdump: `IP ${s} > ${c}: ICMP redirect-#7 ${s} to 198.18.0.9, length 36`,
    },
    {
      packet: other(12, 0, withQuote([5, 0, 0, 0])),
      tcpdump: `IP ${s} > ${c}: ICMP parameter problem - octet 5, length 36`,
    },
    {
      packet: other(12, 2, withQuote([0, 0, 0, 0])),
      tcpdump: `IP ${s} > ${c}: ICMP parameter problem - code 2, length 36`,
    },
    {
      packet: other(4, 0, withQuote([0, 0, 0, 0])),
      tcpdump: `IP ${s} > ${c}: ICMP source quench, length 36`,
    },
    {
      packet: other(13, 0, Uint8Array.of(0, 7, 0, 8, ...new Uint8Array(12))),
      tcpdump: `IP ${s} > ${c}: ICMP time stamp query id 7 seq 8, length 20`,
    },
    {
      packet: other(18, 0, Uint8Array.of(0, 7, 0, 8, 255, 255, 255, 0)),
      tcpdump: `IP ${s} > ${c}: ICMP address mask is 0xffffff00, length 12`,
    },
    {
      packet: other(10, 0, new Uint8Array(4)),
      tcpdump: `IP ${s} > ${c}: ICMP router solicitation, length 8`,
    },
    { packet: other(42, 0, new Uint8Array(4)), tcpdump: `IP ${s} > ${c}: ICMP type-#42, length 8` },
    // Codes the codec refuses; the checksum is left stale, which tcpdump does not look at.
    {
      packet: patched(unreachable, 21, 20),
      tcpdump: `IP ${s} > ${c}: ICMP ${s} unreachable - #20, length 36`,
    },
    { packet: patched(exceeded, 21, 5), tcpdump: `IP ${s} > ${c}: ICMP time exceeded-#5, length 36` },
    { packet: patched(echo, 21, 5), tcpdump: `IP ${c} > ${s}: ICMP echo request, id 1, seq 1, length 8` },
  ];
}
