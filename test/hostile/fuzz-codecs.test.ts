// Every wire codec and the packetdrill parser under generated and mutated input: no exception, and every
// rejection is a named reason ('ipv4.bad-checksum', 'pcap.truncated', a ScriptError). Run counts are
// tallied and asserted at the end, so that a lowered numRuns cannot silently shrink the campaign below the
// issue's 200k generated + 50k mutated inputs (the mutated half lives in ingress-accounting.test.ts).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScript } from '../../src/conformance/packetdrill/parser.ts';
import { parseIcmp, parseQuotedDatagram } from '../../src/ip/icmp.ts';
import { blankIpv4Repr, parseIpv4 } from '../../src/ip/ipv4.ts';
import { parseIpv4Options } from '../../src/ip/ipv4-options.ts';
import { encodePcapHeader, encodePcapRecord, LinkType, readPcap } from '../../src/link/pcap.ts';
import { blankTcpRepr, parseTcp } from '../../src/tcp/segment.ts';
import { parseUdp, type UdpRepr } from '../../src/udp/datagram.ts';
import { fixChecksums, ipPacket, PEER, US } from './wire.ts';

/** A rejection must be a reason string of the codec's own family, e.g. 'tcp.bad-options'. */
const REASON = /^(ipv4|icmp|tcp|udp|pcap)\.[a-z0-9-]+$/;

const tally = { generated: 0, mutated: 0 };

// A plain check rather than expect(): at hundreds of thousands of inputs, expect() would dominate the run.
function expectReason(result: unknown): void {
  if (result === undefined || typeof result === 'object') return;
  if (typeof result !== 'string' || !REASON.test(result))
    throw new Error(`not a named reason: ${String(result)}`);
}

const ipRepr = blankIpv4Repr();
const tcpRepr = blankTcpRepr();
const udpRepr: UdpRepr = { srcPort: 0, dstPort: 0, payload: new Uint8Array(0) };

/** Feeds `bytes` to every packet codec, as a whole packet and as each transport's payload. */
function parseEverything(bytes: Uint8Array): void {
  expectReason(parseIpv4(bytes, 0, bytes.length, ipRepr));
  expectReason(parseTcp(bytes, 0, bytes.length, PEER, US, tcpRepr));
  expectReason(parseTcp(bytes, 0, bytes.length, PEER, US, tcpRepr, true));
  expectReason(parseUdp(bytes, 0, bytes.length, PEER, US, udpRepr));
  expectReason(parseUdp(bytes, 0, bytes.length, PEER, US, udpRepr, true));
  expectReason(parseIcmp(bytes, 0, bytes.length));
  parseQuotedDatagram(bytes);
  const options = parseIpv4Options(bytes.subarray(0, 40));
  if (typeof options === 'string') expect(options).toBe('ipv4.bad-options');
}

/** A header whose every field is random but whose checksums are right, so parsing goes past them. */
const sanePacket = fc
  .record({
    versionIhl: fc.oneof(fc.nat(255), fc.integer({ min: 0x45, max: 0x4f })),
    totalLength: fc.oneof(fc.nat(0xffff), fc.constant(-1)),
    flagsOffset: fc.oneof(fc.constant(0), fc.constant(0x4000), fc.nat(0xffff)),
    protocol: fc.constantFrom(1, 6, 17, 2, 255),
    body: fc.uint8Array({ maxLength: 120 }),
  })
  .map(({ versionIhl, totalLength, flagsOffset, protocol, body }) => {
    const packet = ipPacket({ protocol }, body);
    packet[0] = versionIhl;
    const total = totalLength < 0 ? packet.length : totalLength;
    packet[2] = total >> 8;
    packet[3] = total & 0xff;
    packet[6] = flagsOffset >> 8;
    packet[7] = flagsOffset & 0xff;
    fixChecksums(packet);
    return packet;
  });

/** A TCP header with random flags, data offset and options, checksum right. */
const saneTcp = fc
  .record({
    head: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    options: fc.uint8Array({ maxLength: 44 }),
    payload: fc.uint8Array({ maxLength: 40 }),
  })
  .map(({ head, options, payload }) => {
    const packet = ipPacket({ protocol: 6 }, new Uint8Array([...head, ...options, ...payload]));
    fixChecksums(packet);
    return packet.subarray(20);
  });

describe('fuzzing the codecs (generated input)', () => {
  afterAll(() => {
    console.log(`fuzz-codecs: ${tally.generated} generated, ${tally.mutated} mutated inputs`);
    expect(tally.generated).toBeGreaterThanOrEqual(200_000);
  });

  it('random bytes: every codec returns a value or a named reason, never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (junk) => {
        tally.generated++;
        parseEverything(junk);
      }),
      { numRuns: 60_000 },
    );
  });

  it('random headers with valid checksums: IPv4 (+ options), then TCP, UDP and ICMP behind them', () => {
    fc.assert(
      fc.property(sanePacket, (packet) => {
        tally.generated++;
        const error = parseIpv4(packet, 0, packet.length, ipRepr);
        expectReason(error);
        if (error !== undefined) return;
        const headerLen = 20 + ipRepr.options.length;
        // The parser promises the payload lies inside the buffer it was given.
        expect(headerLen + ipRepr.payloadLength).toBeLessThanOrEqual(packet.length);
        const end = headerLen + ipRepr.payloadLength;
        expectReason(parseTcp(packet, headerLen, end - headerLen, PEER, US, tcpRepr));
        expectReason(parseUdp(packet, headerLen, end - headerLen, PEER, US, udpRepr));
        expectReason(parseIcmp(packet, headerLen, end - headerLen));
      }),
      { numRuns: 60_000 },
    );
  });

  it('random TCP headers with valid checksums: flags, data offset and options', () => {
    fc.assert(
      fc.property(saneTcp, (segment) => {
        tally.generated++;
        const error = parseTcp(segment, 0, segment.length, PEER, US, tcpRepr);
        expectReason(error);
        if (error !== undefined) return;
        // What parses must make sense: one control at most, a payload inside the segment, sane options.
        expect(['none', 'syn', 'fin', 'rst']).toContain(tcpRepr.control);
        expect(tcpRepr.payload.length).toBeLessThanOrEqual(segment.length - 20);
        expect(tcpRepr.srcPort * tcpRepr.dstPort).toBeGreaterThan(0);
        if (tcpRepr.windowScale !== undefined) expect(tcpRepr.windowScale).toBeLessThanOrEqual(14);
      }),
      { numRuns: 40_000 },
    );
  });

  it('pcap reader: random files, and well-formed headers followed by random records', () => {
    const record = fc
      .record({ packet: fc.uint8Array({ maxLength: 64 }), cut: fc.nat(80) })
      .map(({ packet, cut }) => {
        const bytes = encodePcapRecord(0, packet);
        return bytes.subarray(0, Math.min(bytes.length, cut));
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(record, { maxLength: 4 })),
        fc.constantFrom(...Object.values(LinkType)),
        (body, linkType) => {
          tally.generated++;
          const file = Array.isArray(body)
            ? new Uint8Array([...encodePcapHeader(linkType), ...body.flatMap((r) => [...r])])
            : body;
          const result = readPcap(file);
          if (typeof result === 'string') expectReason(result);
          else
            for (const r of result.records)
              if (r.packet.length > file.length) throw new Error('record past the file');
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('packetdrill parser: token soup and mutated real scripts give a ScriptError, never an exception', () => {
    const vocabulary = [
      '0',
      '+0',
      '+.1',
      '*',
      '0.1~0.2',
      '<',
      '>',
      'S',
      'S.',
      '.',
      'P.',
      'F.',
      'R',
      '[',
      ']',
      '(',
      ')',
      '{',
      '}',
      ',',
      ';',
      '=',
      '...',
      '1:1(0)',
      'ack',
      'win',
      'mss',
      '<mss 1460,nop,wscale 7>',
      'socket(..., SOCK_STREAM, IPPROTO_TCP)',
      'bind(3, ..., ...)',
      'listen(3, 1)',
      'accept(3, ..., ...)',
      '= 3',
      '= -1 EAGAIN (x)',
      '`echo hi`',
      '%{ print(1) }%',
      '--ip_version=ipv4',
      '--tolerance_usecs=',
      '"str"',
      '0x10',
      '-1',
      'TCP_NODELAY',
      '\n',
      ' ',
      '//c',
      '/*',
      '*/',
      'icmp',
      'unreachable',
      'udp',
      'ecr',
      'TS',
      'val',
      'sackOK',
      'sack',
      '1:2',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...vocabulary), { maxLength: 40 }),
        fc.string({ maxLength: 8 }),
        (tokens, noise) => {
          tally.generated++;
          const result = parseScript(tokens.join(' ') + noise);
          if (!result.ok) expect(typeof result.error.message).toBe('string');
        },
      ),
      { numRuns: 20_000 },
    );
    const scripts = realScripts();
    if (scripts.length === 0) return;
    fc.assert(
      fc.property(
        fc.constantFrom(...scripts),
        fc.nat(),
        fc.nat(),
        fc.string({ maxLength: 6 }),
        (text, at, cut, insert) => {
          tally.mutated++;
          const i = at % (text.length + 1);
          parseScript(text.slice(0, i) + insert + text.slice(i + (cut % 8)));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

/** The packetdrill scripts beside the checkout (../shared/packetdrill), when present. */
function realScripts(): string[] {
  const root = path.resolve(process.cwd(), '../shared/packetdrill');
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.pkt')) found.push(readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return found;
}
