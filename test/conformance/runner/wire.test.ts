import { describe, expect, it } from 'vitest';
import type { TcpOption } from '../../../src/conformance/packetdrill/ast.ts';
import {
  buildInbound,
  decodeOutbound,
  encodeOptions,
  FLAG,
  flagBits,
  flagsFromBits,
  type InboundSegment,
} from '../../../src/conformance/packetdrill/runner/wire.ts';
import { blankTcpRepr, parseTcp } from '../../../src/tcp/segment.ts';

const REMOTE = 0xc0000201; // 192.0.2.1
const LOCAL = 0xc0a80001; // 192.168.0.1

function segment(options: readonly TcpOption[], flags: number = FLAG.SYN): InboundSegment {
  return {
    srcAddr: REMOTE,
    dstAddr: LOCAL,
    tos: 0,
    ttl: 64,
    srcPort: 48879,
    dstPort: 8080,
    flags,
    seq: 0xfffffff0,
    ack: 0,
    window: 32792,
    urgent: 0,
    options,
    payloadLength: 0,
  };
}

describe('packetdrill wire bytes', () => {
  it('writes the script options verbatim, in the script order', () => {
    const options: TcpOption[] = [
      { kind: 'mss', mss: 1000 },
      { kind: 'sackOK' },
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ];
    const bytes = encodeOptions(options);
    expect(bytes).toEqual(Uint8Array.from([2, 4, 0x03, 0xe8, 4, 2, 1, 1, 1, 3, 3, 7]));
    const packet = buildInbound(segment(options), bytes as Uint8Array);
    const live = decodeOutbound(packet, 5);
    expect(typeof live).toBe('object');
    if (typeof live === 'string') return;
    expect(live.options).toEqual(options);
    expect(live.seq).toBe(0xfffffff0);
    expect(live.flags).toBe(FLAG.SYN);
    expect(live.at).toBe(5);
    // The stack's own parser accepts it: checksums and lengths are right.
    const repr = blankTcpRepr();
    expect(parseTcp(packet, 20, packet.length - 20, REMOTE, LOCAL, repr)).toBeUndefined();
    expect(repr.maxSegSize).toBe(1000);
    expect(repr.windowScale).toBe(7);
    expect(repr.sackPermitted).toBe(true);
  });

  it('keeps flag combinations the Repr cannot say (SYN+FIN, AE) and sums again', () => {
    const packet = buildInbound(segment([], FLAG.SYN | FLAG.FIN | FLAG.AE), new Uint8Array(0));
    const live = decodeOutbound(packet, 0);
    expect(typeof live === 'object' && live.flags).toBe(FLAG.SYN | FLAG.FIN | FLAG.AE);
  });

  it('maps script flags to header bits and back, the ACE digit onto AE/CWR/ECE', () => {
    const ack = flagsFromBits(FLAG.ACK | FLAG.PSH);
    expect(ack.ack && ack.psh && !ack.syn).toBe(true);
    expect(flagBits(ack)).toBe(FLAG.ACK | FLAG.PSH);
    expect(flagBits({ ...ack, ace: 5 })).toBe(FLAG.ACK | FLAG.PSH | FLAG.AE | FLAG.ECE);
  });

  it('names what it cannot encode or decode instead of throwing', () => {
    expect(encodeOptions([{ kind: 'other', name: 'md5', words: ['00'] }])).toBe('option md5');
    expect(decodeOutbound(new Uint8Array(10), 0)).toMatch(/^ipv4\./);
    const packet = buildInbound(segment([]), new Uint8Array(0));
    packet[30] ^= 0xff;
    expect(decodeOutbound(packet, 0)).toBe('a TCP segment with a bad checksum');
  });

  it('walks malformed option lengths as malformed, not as an exception', () => {
    const packet = buildInbound(segment([]), Uint8Array.from([2, 9, 0, 0]));
    const live = decodeOutbound(packet, 0);
    expect(typeof live === 'object' && live.optionsMalformed).toBe(true);
  });
});
