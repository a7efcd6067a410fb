import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, writeU16 } from '../../src/base/bytes.ts';
import { checksum } from '../../src/base/checksum.ts';
import { blankIpv4Repr, emitIpv4Header } from '../../src/ip/ipv4.ts';
import {
  blankVirtioNetHdr,
  completeTransportChecksum,
  describeOutbound,
  emitVirtioNetHdr,
  parseVirtioNetHdr,
  rxChecksumState,
  segmentCount,
  transportChecksumValid,
  VIRTIO_NET_HDR_F_DATA_VALID,
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_LEN,
  type VirtioNetHdr,
} from '../../src/link/virtio-net.ts';
import { blankTcpRepr, emitTcp, tcpBufferLen } from '../../src/tcp/segment.ts';
import { emitUdp, UDP_HEADER_LEN } from '../../src/udp/datagram.ts';

const SRC = 0xc6120002;
const DST = 0xc6120001;

/** An IPv4 TCP packet as StackCore emits it: timestamps option, DF, `mode` checksum. */
function tcpPacket(payloadLength: number, mode: 'full' | 'partial'): Uint8Array {
  const tcp = blankTcpRepr();
  tcp.srcPort = 7;
  tcp.dstPort = 40000;
  tcp.seqNumber = 1000;
  tcp.ackNumber = 2000;
  tcp.windowLen = 512;
  tcp.timestamp = { tsVal: 1, tsEcr: 2 };
  tcp.payload = new Uint8Array(payloadLength).map((_, i) => i * 7);
  const length = tcpBufferLen(tcp);
  const packet = new Uint8Array(20 + length).fill(0xa5);
  emitTcp(tcp, packet, 20, SRC, DST, mode);
  emitIpv4Header(
    {
      ...blankIpv4Repr(),
      srcAddr: SRC,
      dstAddr: DST,
      protocol: 6,
      ttl: 64,
      dontFragment: true,
      payloadLength: length,
    },
    packet,
    0,
  );
  return packet;
}

function udpPacket(payloadLength: number): Uint8Array {
  const length = UDP_HEADER_LEN + payloadLength;
  const packet = new Uint8Array(20 + length).fill(0xa5);
  emitUdp({ srcPort: 9, dstPort: 9, payload: new Uint8Array(payloadLength).fill(3) }, packet, 20, SRC, DST);
  emitIpv4Header(
    { ...blankIpv4Repr(), srcAddr: SRC, dstAddr: DST, protocol: 17, ttl: 64, payloadLength: length },
    packet,
    0,
  );
  return packet;
}

/** What the kernel does with NEEDS_CSUM: the checksum over csum_start..end, stored at +csum_offset. */
function finishChecksum(packet: Uint8Array, header: VirtioNetHdr): Uint8Array {
  const done = packet.slice();
  const at = header.csumStart + header.csumOffset;
  const sum = checksum(done, header.csumStart, done.length - header.csumStart);
  writeU16(done, at, sum);
  return done;
}

const arbitraryHeader = fc.record({
  flags: fc.nat(0xff),
  gsoType: fc.nat(0xff),
  hdrLen: fc.nat(0xffff),
  gsoSize: fc.nat(0xffff),
  csumStart: fc.nat(0xffff),
  csumOffset: fc.nat(0xffff),
});

describe('virtio_net_hdr', () => {
  it('emits every field little-endian, padding zeroed (0xa5 pre-fill shows any byte left unwritten)', () => {
    const bytes = new Uint8Array(VIRTIO_NET_HDR_LEN).fill(0xa5);
    emitVirtioNetHdr(
      { flags: 1, gsoType: 1, hdrLen: 52, gsoSize: 1448, csumStart: 20, csumOffset: 16 },
      bytes,
      0,
    );
    expect(bytes).toEqual(fromHex('01 01 3400 a805 1400 1000 0000'));
  });

  it('round-trips emit → parse → emit at an offset inside a larger buffer', () => {
    fc.assert(
      fc.property(arbitraryHeader, fc.nat(20), (header, at) => {
        const outer = new Uint8Array(VIRTIO_NET_HDR_LEN + 24).fill(0xa5);
        emitVirtioNetHdr(header, outer, at);
        const parsed = blankVirtioNetHdr();
        parseVirtioNetHdr(outer, at, parsed);
        expect(parsed).toEqual(header);
        const again = new Uint8Array(VIRTIO_NET_HDR_LEN);
        emitVirtioNetHdr(parsed, again, 0);
        expect(again).toEqual(outer.subarray(at, at + VIRTIO_NET_HDR_LEN));
      }),
    );
  });

  it('reads what a kernel TCP sender hands over: a partial checksum on a 64 KB GSO super-segment', () => {
    // flags NEEDS_CSUM, gso TCPV4, hdr_len 66, gso_size 1448, csum_start 20, csum_offset 16.
    const header = blankVirtioNetHdr();
    parseVirtioNetHdr(fromHex('01 01 4200 a805 1400 1000 0000'), 0, header);
    expect(header).toEqual({
      flags: 1,
      gsoType: 1,
      hdrLen: 66,
      gsoSize: 1448,
      csumStart: 20,
      csumOffset: 16,
    });
    expect(rxChecksumState(header)).toBe('partial');
    expect(segmentCount(header, 66 + 45 * 1448)).toBe(45);
    expect(segmentCount(header, 66 + 45 * 1448 + 1)).toBe(46);
  });

  it('tells verified and unknown checksums apart, and counts a plain packet as one segment', () => {
    const header = blankVirtioNetHdr();
    expect(rxChecksumState(header)).toBe('unknown');
    expect(segmentCount(header, 1500)).toBe(1);
    header.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    expect(rxChecksumState(header)).toBe('verified');
  });
});

describe('describeOutbound', () => {
  const header = blankVirtioNetHdr();

  it('marks a partial TCP checksum for the kernel to finish, and the finished sum is right', () => {
    const packet = tcpPacket(100, 'partial');
    describeOutbound(packet, 1500, header);
    expect(header).toEqual({
      flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
      gsoType: VIRTIO_NET_HDR_GSO_NONE,
      hdrLen: 52,
      gsoSize: 0,
      csumStart: 20,
      csumOffset: 16,
    });
    expect(transportChecksumValid(packet)).toBe(false);
    expect(finishChecksum(packet, header)).toEqual(tcpPacket(100, 'full'));
  });

  it('cuts a partial TCP super-segment at the MTU: gso_size = MTU − IP − TCP headers (the MSS)', () => {
    const packet = tcpPacket(40 * 1448 + 5, 'partial');
    describeOutbound(packet, 1500, header);
    expect(header.flags).toBe(VIRTIO_NET_HDR_F_NEEDS_CSUM);
    expect(header.gsoType).toBe(VIRTIO_NET_HDR_GSO_TCPV4);
    expect(header.gsoSize).toBe(1448);
    expect(header.hdrLen).toBe(52);
    expect(segmentCount(header, packet.length)).toBe(41);
  });

  it('leaves a segment of exactly the MTU whole', () => {
    describeOutbound(tcpPacket(1448, 'partial'), 1500, header);
    expect(header.gsoType).toBe(VIRTIO_NET_HDR_GSO_NONE);
    expect(header.flags).toBe(VIRTIO_NET_HDR_F_NEEDS_CSUM);
  });

  it('gives a zero header to full checksums, UDP, fragments and what is not IPv4 TCP', () => {
    const zero = blankVirtioNetHdr();
    for (const packet of [tcpPacket(3000, 'full'), udpPacket(64), new Uint8Array(12), fromHex('60000000')]) {
      describeOutbound(packet, 1500, header);
      expect(header).toEqual(zero);
    }
    const fragment = tcpPacket(100, 'partial');
    fragment[6] = 0x20; // more fragments
    describeOutbound(fragment, 1500, header);
    expect(header).toEqual(zero);
  });

  it('finishes to a valid checksum for any payload (property)', () => {
    fc.assert(
      fc.property(fc.nat(3000), (length) => {
        const packet = tcpPacket(length, 'partial');
        describeOutbound(packet, 1500, header);
        expect(transportChecksumValid(finishChecksum(packet, header))).toBe(true);
      }),
    );
  });
});

describe('transportChecksumValid', () => {
  it('accepts full TCP and UDP checksums and UDP without one, and rejects a flipped bit', () => {
    expect(transportChecksumValid(tcpPacket(333, 'full'))).toBe(true);
    const udp = udpPacket(77);
    expect(transportChecksumValid(udp)).toBe(true);
    udp[30] = (udp[30] ?? 0) ^ 1;
    expect(transportChecksumValid(udp)).toBe(false);
    writeU16(udp, 26, 0);
    expect(transportChecksumValid(udp)).toBe(true);
    const tcp = tcpPacket(10, 'full');
    tcp[tcp.length - 1] = (tcp[tcp.length - 1] ?? 0) ^ 0x80;
    expect(transportChecksumValid(tcp)).toBe(false);
  });

  it('leaves fragments and truncated packets to the stack', () => {
    const fragment = tcpPacket(10, 'partial');
    fragment[7] = 1; // fragment offset 8
    expect(transportChecksumValid(fragment)).toBe(true);
    expect(transportChecksumValid(tcpPacket(10, 'partial').subarray(0, 30))).toBe(true);
  });
});

describe('completeTransportChecksum', () => {
  it('turns a partial TCP checksum into the full one a capture should show', () => {
    fc.assert(
      fc.property(fc.nat(3000), (length) => {
        const partial = tcpPacket(length, 'partial');
        completeTransportChecksum(partial);
        expect(partial).toEqual(tcpPacket(length, 'full'));
        expect(transportChecksumValid(partial)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
