// Real kernel packets (test/fixtures/*.pcap, made by test/fixtures/capture.sh in a lab namespace) against
// what tshark and tcpdump made of them when they were captured: ustack's decoders must agree with tshark
// field by field, and the formatter must print exactly tcpdump's lines. No root and no tools needed.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatterLines, parseTsharkJson, readCapture, splitLines, ustackFields } from './vector-check.ts';

const CAPTURES = ['tcp', 'udp', 'icmp', 'fragments'];

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

describe.each(CAPTURES)('real packets: %s.pcap', (name) => {
  const file = readCapture(fixture(`${name}.pcap`));

  it('decodes every packet as tshark does, field by field', () => {
    const reference = parseTsharkJson(fixture(`${name}.tshark.json`).toString('utf8'));
    expect(file.records.length).toBe(reference.length);
    file.records.forEach((record, i) => {
      expect({ packet: i + 1, ...ustackFields(record.packet) }).toEqual({ packet: i + 1, ...reference[i] });
    });
  });

  it('formats every packet as `tcpdump -nn -r` does', () => {
    expect(formatterLines(file)).toEqual(splitLines(fixture(`${name}.tcpdump.txt`).toString('utf8')));
  });
});
