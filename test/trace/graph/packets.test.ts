import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../src/link/pcap.ts';
import { TCP_ACK, TCP_PSH } from '../../../src/tcp/segment.ts';
import { decodeTransport } from '../../../src/trace/graph/packets.ts';
import { buildCapture, CLIENT, CLIENT_ISN, SERVER, SERVER_ISN } from './synthetic.ts';

function scriptedPacket(): Uint8Array {
  const capture = readPcap(
    buildCapture([{ at: 5, fromClient: true, flags: 'P.', seq: 1, ack: 1, length: 300, sack: [[10, 20]] }]),
  );
  if (typeof capture === 'string') throw new Error(capture);
  return capture.records[0]!.packet;
}

describe('decodeTransport', () => {
  it('reads a TCP segment’s addresses, numbers, window, options and payload length', () => {
    const packet = decodeTransport(7, scriptedPacket());
    expect(packet).toMatchObject({
      protocol: 'tcp',
      at: 7,
      srcAddr: CLIENT.addr,
      dstAddr: SERVER.addr,
      srcPort: CLIENT.port,
      dstPort: SERVER.port,
      flags: TCP_ACK | TCP_PSH,
      seq: (CLIENT_ISN + 1) >>> 0,
      ack: SERVER_ISN + 1,
      window: 1000,
      payloadLength: 300,
    });
    expect(packet?.protocol === 'tcp' && packet.options.sackRanges).toEqual([
      [SERVER_ISN + 10, SERVER_ISN + 20],
    ]);
  });

  it('takes the payload length from the IP header when the capture cut the packet (a snaplen)', () => {
    const full = scriptedPacket();
    const headersOnly = full.subarray(0, 20 + 32);
    expect(decodeTransport(0, headersOnly)).toMatchObject({ protocol: 'tcp', payloadLength: 300 });
    // Cut inside the TCP options: the header is not all there, so there is nothing to trust.
    expect(decodeTransport(0, full.subarray(0, 20 + 24))).toBeUndefined();
  });

  it('reads UDP, and leaves out ICMP, later fragments and non-IPv4', () => {
    const udp = new Uint8Array(20 + 8 + 4);
    udp.set([
      0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, 0x9c, 0x40, 0, 53, 0, 12,
    ]);
    expect(decodeTransport(1, udp)).toEqual({
      protocol: 'udp',
      at: 1,
      srcAddr: 0xc6120001,
      dstAddr: 0xc6120002,
      srcPort: 40000,
      dstPort: 53,
      payloadLength: 4,
    });
    const icmp = udp.slice();
    icmp[9] = 1;
    expect(decodeTransport(1, icmp)).toBeUndefined();
    const laterFragment = udp.slice();
    laterFragment[7] = 1; // fragment offset 8
    expect(decodeTransport(1, laterFragment)).toBeUndefined();
    const ipv6 = udp.slice();
    ipv6[0] = 0x60;
    expect(decodeTransport(1, ipv6)).toBeUndefined();
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (junk, asTcp) => {
        if (asTcp && junk.length >= 20) {
          junk[0] = 0x45;
          junk[9] = 6;
        }
        const packet = decodeTransport(0, junk);
        expect(packet === undefined || packet.protocol === 'tcp' || packet.protocol === 'udp').toBe(true);
      }),
    );
  });
});
