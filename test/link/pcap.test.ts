import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import {
  emitPcapRecord,
  encodePcapHeader,
  encodePcapRecord,
  LinkType,
  type PcapFile,
  pcapRecordLen,
  readPcap,
} from '../../src/link/pcap.ts';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function read(bytes: Uint8Array): PcapFile {
  const file = readPcap(bytes);
  if (typeof file === 'string') throw new Error(file);
  return file;
}

/** A file header in the other byte order, or with another magic or link type, built by hand. */
function header(order: 'be' | 'le', magic: number, linkType: number): Uint8Array {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  const le = order === 'le';
  view.setUint32(0, magic, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, 262144, le);
  view.setUint32(20, linkType, le);
  return bytes;
}

function record(order: 'be' | 'le', seconds: number, fraction: number, frame: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16 + frame.length);
  const view = new DataView(bytes.buffer);
  const le = order === 'le';
  view.setUint32(0, seconds, le);
  view.setUint32(4, fraction, le);
  view.setUint32(8, frame.length, le);
  view.setUint32(12, frame.length, le);
  bytes.set(frame, 16);
  return bytes;
}

// An IPv4 header (ICMP echo request 198.18.0.1 → 198.18.0.2) with 8 bytes of ICMP; only its bytes matter.
const IP_PACKET = fromHex('4500001c 0001 0000 4001 0000 c6120001 c6120002 0800f7fe 00010000');

describe('pcap writer', () => {
  it('writes the libpcap file header: magic, version 2.4, snaplen 65535, LINKTYPE_RAW', () => {
    expect(toHex(encodePcapHeader())).toBe(
      'a1b2c3d4' + '00020004' + '00000000' + '00000000' + '0000ffff' + '00000065',
    );
  });

  it('writes a record header with seconds, microseconds and both lengths, into a 0xa5-filled buffer', () => {
    const bytes = new Uint8Array(pcapRecordLen(IP_PACKET) + 5).fill(0xa5);
    const written = emitPcapRecord(1_700_000_000_123_456, IP_PACKET, bytes, 3);
    expect(written).toBe(16 + IP_PACKET.length);
    expect(toHex(bytes.subarray(0, 3))).toBe('a5a5a5');
    expect(toHex(bytes.subarray(3, 19))).toBe('6553f100' + '0001e240' + '0000001c' + '0000001c');
    expect(bytes.subarray(19, 19 + IP_PACKET.length)).toEqual(IP_PACKET);
    expect(toHex(bytes.subarray(19 + IP_PACKET.length))).toBe('a5a5');
  });

  it('cuts a packet to the snaplen and keeps its original length', () => {
    const rec = encodePcapRecord(5, IP_PACKET, 20);
    expect(rec.length).toBe(36);
    expect(toHex(rec.subarray(8, 16))).toBe('00000014' + '0000001c');
    const file = read(concat(encodePcapHeader(LinkType.RAW, 20), rec));
    expect(file.records[0]!.packet).toEqual(IP_PACKET.subarray(0, 20));
    expect(file.records[0]!.originalLength).toBe(28);
  });

  it('round-trips any packets and timestamps through write → read', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2 ** 47), fc.uint8Array({ maxLength: 300 })), { maxLength: 8 }),
        (packets) => {
          const file = read(concat(encodePcapHeader(), ...packets.map(([t, p]) => encodePcapRecord(t, p))));
          expect(file.linkType).toBe(LinkType.RAW);
          expect(file.skipped).toBe(0);
          expect(
            file.records.map((r) => [r.timestampMicros, Array.from(r.packet), r.originalLength]),
          ).toEqual(packets.map(([t, p]) => [t, Array.from(p), p.length]));
        },
      ),
    );
  });
});

describe('pcap reader', () => {
  it('reads little-endian files and nanosecond timestamps (tcpdump --time-stamp-precision=nano)', () => {
    for (const order of ['be', 'le'] as const) {
      const micros = read(concat(header(order, 0xa1b2c3d4, 101), record(order, 7, 654321, IP_PACKET)));
      expect(micros.records[0]!.timestampMicros).toBe(7_654_321);
      const nanos = read(concat(header(order, 0xa1b23c4d, 101), record(order, 7, 654321987, IP_PACKET)));
      expect(nanos.records[0]!.timestampMicros).toBe(7_654_321);
      expect(nanos.records[0]!.packet).toEqual(IP_PACKET);
    }
  });

  it('strips Ethernet, Linux cooked v1 and v2 headers and skips frames that are not IPv4', () => {
    const mac = fromHex('020000000001 020000000002');
    const ethernet = (type: string) => concat(mac, fromHex(type), IP_PACKET);
    const sll = (type: string) =>
      concat(fromHex('0000 0001 0006 020000000001 0000'), fromHex(type), IP_PACKET);
    const sll2 = (type: string) =>
      concat(fromHex(type), fromHex('0000 00000001 0001 00 06 020000000001 0000'), IP_PACKET);
    const cases: Array<[number, (type: string) => Uint8Array]> = [
      [LinkType.ETHERNET, ethernet],
      [LinkType.LINUX_SLL, sll],
      [LinkType.LINUX_SLL2, sll2],
    ];
    for (const [linkType, frame] of cases) {
      const file = read(
        concat(
          header('le', 0xa1b2c3d4, linkType),
          record('le', 1, 0, frame('0800')),
          record('le', 2, 0, frame('0806')), // ARP
          record('le', 3, 0, frame('86dd')), // IPv6
          record('le', 4, 0, new Uint8Array(4)), // shorter than the link header
        ),
      );
      expect(file.linkType).toBe(linkType);
      expect(file.records.map((r) => r.packet)).toEqual([IP_PACKET]);
      expect(file.skipped).toBe(3);
    }
  });

  it('ignores the FCS flags in the upper bits of the link type field', () => {
    expect(read(header('be', 0xa1b2c3d4, 0x1000_0000 | LinkType.ETHERNET)).linkType).toBe(LinkType.ETHERNET);
  });

  it('names every malformation', () => {
    const good = concat(encodePcapHeader(), encodePcapRecord(1, IP_PACKET));
    expect(readPcap(good.subarray(0, 23))).toBe('pcap.truncated');
    expect(readPcap(fromHex('0a0d0d0a 0000001c 1a2b3c4d'))).toBe('pcap.pcapng-unsupported');
    expect(readPcap(new Uint8Array(24))).toBe('pcap.bad-magic');
    expect(readPcap(header('be', 0xa1b2c3d4, 105))).toBe('pcap.unsupported-link-type');
    expect(readPcap(good.subarray(0, 24 + 10))).toBe('pcap.truncated-record');
    expect(readPcap(good.subarray(0, good.length - 1))).toBe('pcap.truncated-record');
    const huge = good.slice();
    huge.set(fromHex('00100000'), 24 + 8);
    expect(readPcap(huge)).toBe('pcap.bad-record-length');
  });

  it('never throws on random bytes after a valid header', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 101, 113, 276), fc.uint8Array({ maxLength: 200 }), (linkType, junk) => {
        const result = readPcap(concat(header('le', 0xa1b2c3d4, linkType), junk));
        if (typeof result === 'string') expect(result).toMatch(/^pcap\./);
        else for (const r of result.records) expect(r.packet.length).toBeLessThanOrEqual(junk.length);
      }),
    );
  });

  it('reads a capture tcpdump wrote on a veth (Ethernet link type)', () => {
    const file = read(readFileSync(new URL('../fixtures/tcp.pcap', import.meta.url)));
    expect(file.linkType).toBe(LinkType.ETHERNET);
    expect(file.skipped).toBe(0);
    expect(file.records.length).toBe(12);
    for (const r of file.records) expect(r.packet[0]! >> 4).toBe(4);
  });
});
