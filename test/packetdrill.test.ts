// ustack's own packetdrill scripts (test/packetdrill/*.pkt, RFC behaviour of the TCP core) must pass, and
// Linux's scripts in ../shared/packetdrill/tcp (GPL-2.0 test data, read in place, never copied) are run
// with their per-script outcome snapshotted, so that any change in what passes shows in review.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatOutcome, summarize } from '../src/conformance/packetdrill/runner/report.ts';
import { runScriptSource } from '../src/conformance/packetdrill/runner/run.ts';

const OWN = join(import.meta.dirname, 'packetdrill');
const LINUX = join(import.meta.dirname, '..', '..', 'shared', 'packetdrill', 'tcp');

/** Linux's scripts must pass at least this many (the count reached when the runner was written). */
const LINUX_MINIMUM_PASSES = 13;

function scriptsUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return scriptsUnder(path);
      return name.endsWith('.pkt') ? [path] : [];
    });
}

function run(path: string, base: string) {
  return runScriptSource(readFileSync(path, 'utf8'), relative(base, path));
}

describe("ustack's own packetdrill scripts", () => {
  for (const path of scriptsUnder(OWN)) {
    const name = relative(OWN, path);
    it(name, () => {
      expect(formatOutcome(run(path, OWN))).toBe(`PASS ${name}`);
    });
  }
});

describe.skipIf(!existsSync(LINUX))("Linux's packetdrill scripts (../shared/packetdrill/tcp)", () => {
  it('pass at least as many as before; every outcome is snapshotted', () => {
    const outcomes = scriptsUnder(LINUX).map((path) => run(path, LINUX));
    expect(outcomes.map(formatOutcome).join('\n')).toMatchSnapshot();
    expect(summarize(outcomes).passed).toBeGreaterThanOrEqual(LINUX_MINIMUM_PASSES);
  });
});
