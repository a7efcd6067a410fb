// Packets emitted by ustack's codecs, written to a pcap and read back by the reference tools: tshark must
// find nothing malformed, no bad checksum and no warning, and decode every field as ustack does; tcpdump
// must print exactly the formatter's lines, also for malformed packets and for a capture cut at a small
// snaplen. Needs tshark and tcpdump (not root): skips without them, fails without them in CI.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcapHeader, encodePcapRecord, LinkType } from '../../src/link/pcap.ts';
import { emittedPackets, malformedPackets, otherIcmpPackets } from './packets.ts';
import {
  formatterLines,
  missingEnvironment,
  readCapture,
  runTcpdump,
  runTshark,
  skipOrFail,
  TSHARK_PREFERENCES,
  ustackFields,
} from './vector-check.ts';

const missing = missingEnvironment(['tshark', 'tcpdump'], false);
const dir = mkdtempSync(join(tmpdir(), 'ustack-emitted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A capture of `packets`, one every millisecond from 12:00:00 UTC, cut at `snaplen`. */
function writeCapture(name: string, packets: Uint8Array[], snaplen = 65535): string {
  const start = Date.UTC(2024, 0, 1, 12) * 1000;
  const parts = [
    encodePcapHeader(LinkType.RAW, snaplen),
    ...packets.map((p, i) => encodePcapRecord(start + i * 1000, p, snaplen)),
  ];
  const path = join(dir, `${name}.pcap`);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

// Wireshark's PI_ERROR. Warnings are about the conversation (a RST, a zero window), not the encoding.
const ERROR = 0x800000;

describe('packets ustack emits, read by tshark and tcpdump', () => {
  const emitted = emittedPackets();
  const path = writeCapture(
    'emitted',
    emitted.map((e) => e.packet),
  );

  it('tshark reports no malformed packet, no bad checksum and no error', (ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    const args = [
      '-r',
      path,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-e',
      'frame.number',
      '-e',
      '_ws.expert.severity',
      '-e',
      '_ws.expert.message',
      '-e',
      '_ws.malformed',
    ];
    for (const preference of [...TSHARK_PREFERENCES, 'tcp.analyze_sequence_numbers:FALSE'])
      args.push('-o', preference);
    const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const problems = out
      .split('\n')
      .filter((line) => line !== '')
      .filter((line) => {
        const [, severities = '', messages = '', malformed = ''] = line.split('\t');
        return (
          malformed !== '' ||
          /checksum/i.test(messages) ||
          severities.split(',').some((v) => Number(v) >= ERROR)
        );
      });
    expect(problems).toEqual([]);
    expect(out.split('\n').filter((l) => l !== '').length).toBe(emitted.length);
  });

  it('tshark decodes every field as ustack does', (ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    const reference = runTshark(path);
    expect(reference.length).toBe(emitted.length);
    for (const [i, e] of emitted.entries()) {
      expect({ packet: i + 1, ...ustackFields(e.packet) }).toEqual({ packet: i + 1, ...reference[i] });
    }
  });

  it('tcpdump prints the formatter lines, which are the ones recorded in packets.ts', (ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    const lines = formatterLines(readCapture(Buffer.from(encodeAll(emitted.map((e) => e.packet)))));
    expect(runTcpdump(path)).toEqual(lines);
    expect(lines.map((l) => l.slice(16))).toEqual(emitted.map((e) => e.tcpdump));
  });

  it('tcpdump prints the formatter lines for malformed packets and rarer ICMP', (ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    const malformed = [...malformedPackets(), ...otherIcmpPackets()];
    const file = writeCapture(
      'malformed',
      malformed.map((m) => m.packet),
    );
    expect(runTcpdump(file).map((l) => l.slice(16))).toEqual(malformed.map((m) => m.tcpdump));
  });

  it('tcpdump and the formatter agree on a capture cut at a small snaplen', (ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    for (let snaplen = 1; snaplen <= 80; snaplen++) {
      const packets = emittedPackets().map((e) => e.packet);
      const file = writeCapture(`snap${snaplen}`, packets, snaplen);
      const ours = formatterLines(readCapture(Buffer.from(encodeAll(packets, snaplen))));
      expect({ snaplen, lines: runTcpdump(file) }).toEqual({ snaplen, lines: ours });
    }
  });
});

function encodeAll(packets: Uint8Array[], snaplen = 65535): Uint8Array {
  const start = Date.UTC(2024, 0, 1, 12) * 1000;
  return Buffer.concat([
    encodePcapHeader(LinkType.RAW, snaplen),
    ...packets.map((p, i) => encodePcapRecord(start + i * 1000, p, snaplen)),
  ]);
}
