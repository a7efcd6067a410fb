// The lab sheet's experiments that need no root, run with the exact commands it quotes.

import { describe, expect, it } from 'vitest';
import { ustack } from './helpers.ts';

describe('lab sheet without root', () => {
  it('1. ustack demo --loss 20 --seed 20 loses the SYN and retransmits it after the initial 1 s RTO', async () => {
    const run = await ustack([
      'demo',
      '--loss',
      '20',
      '--seed',
      '20',
      '--bytes',
      '20',
      '--explain',
      '--pcap',
      '',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const syn = lines.findIndex((line) => line.includes('client → server  Flags [S]'));
    expect(lines[syn + 1]).toContain('lost on the link');
    const again = lines.findIndex((line, i) => i > syn && line.includes('client → server  Flags [S]'));
    const seconds = (line: string): number => Number(line.trim().split(/\s+/)[0]);
    expect(seconds(lines[again]!) - seconds(lines[syn]!)).toBeGreaterThan(0.95);
    expect(run.stdout).toContain('SYN: retransmission #1 after RTO backoff (RFC 6298 §5.5)');
    expect(run.stdout).toContain('byte-exact');
  });

  it('2–3. the Nagle and SO_RCVBUF packetdrill scripts pass', async () => {
    const run = await ustack([
      'packetdrill',
      'docs/lab/nagle.pkt',
      'docs/lab/nagle-off.pkt',
      'docs/lab/small-rcvbuf.pkt',
    ]);
    expect(run.stdout).toContain('3 passed, 0 failed, 0 skipped');
    expect(run.code).toBe(0);
  });
});
