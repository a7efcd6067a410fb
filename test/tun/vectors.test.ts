// Real-packet vectors, live: test/fixtures/capture.sh makes fresh kernel TCP, UDP, ICMP and fragment
// captures in lab namespaces of its own (198.18.0.0/15 only, removed when it exits) and has tshark and
// tcpdump read them; ustack's decoders must agree with tshark field by field and its formatter must print
// tcpdump's lines. Needs root, ip, tshark, tcpdump and python3: skips without them, except under
// USTACK_REQUIRE_TUN=1 (CI), where a missing piece fails the test.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TcpdumpFormatter } from '../../src/trace/tcpdump.ts';
import {
  formatterLines,
  missingEnvironment,
  parseTsharkJson,
  readCapture,
  skipOrFail,
  splitLines,
  ustackFields,
} from '../trace/vector-check.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/capture.sh', import.meta.url));
const missing = missingEnvironment(['ip', 'tshark', 'tcpdump', 'ping', '/usr/bin/python3'], true);
const dir = mkdtempSync(join(tmpdir(), 'ustack-vectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What each capture must show, so a capture that missed its traffic cannot pass by being empty. */
const EXPECTED: Record<string, RegExp[]> = {
  tcp: [
    /Flags \[S\], .*options \[mss/,
    /Flags \[S\.\]/,
    /Flags \[P\.\], seq 1:7/,
    /Flags \[F\.\]/,
    /Flags \[R\.\]/,
  ],
  udp: [/UDP, length 6/, /udp port 9 unreachable/],
  icmp: [/ICMP echo request/, /ICMP echo reply/],
  fragments: [/ip-proto-1$/, /ip-proto-17$/, /UDP, length 2000/],
};

describe('real-packet vectors from a fresh capture', () => {
  it('capture.sh captures kernel traffic in its own namespaces and leaves none behind', (ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    const run = spawnSync(SCRIPT, [dir], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(namespaces).not.toContain(`ustack-vec-${run.pid}`);
  }, 150_000);

  it.for(Object.keys(EXPECTED))('%s: ustack agrees with tshark and tcpdump', (name, ctx) => {
    if (missing) skipOrFail(ctx.skip, missing);
    const file = readCapture(readFileSync(join(dir, `${name}.pcap`)));
    const reference = parseTsharkJson(readFileSync(join(dir, `${name}.tshark.json`), 'utf8'));
    expect(file.records.length).toBe(reference.length);
    for (const [i, record] of file.records.entries()) {
      expect({ packet: i + 1, ...ustackFields(record.packet) }).toEqual({ packet: i + 1, ...reference[i] });
    }
    const lines = formatterLines(file);
    expect(lines).toEqual(splitLines(readFileSync(join(dir, `${name}.tcpdump.txt`), 'utf8')));
    for (const pattern of EXPECTED[name]!)
      expect(
        lines.some((line) => pattern.test(line)),
        String(pattern),
      ).toBe(true);
    if (name === 'tcp') {
      const absolute = new TcpdumpFormatter({ absolute: true });
      expect(file.records.map((r) => absolute.line(r.timestampMicros, r.packet))).toEqual(
        splitLines(readFileSync(join(dir, 'tcp.tcpdump-S.txt'), 'utf8')),
      );
    }
  });
});
