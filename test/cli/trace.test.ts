import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/args.ts';
import { runTrace } from '../../src/cli/trace.ts';

const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('ustack trace', () => {
  let stdout: string;
  let stderr: string;
  let dir: string;

  beforeEach(() => {
    stdout = '';
    stderr = '';
    dir = mkdtempSync(join(tmpdir(), 'ustack-trace-'));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation((text) => {
      stdout += `${text}\n`;
    });
    vi.spyOn(console, 'error').mockImplementation((text) => {
      stderr += `${text}\n`;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['tcp', 'udp', 'icmp', 'fragments'])(
    'prints %s.pcap line for line as `tcpdump -nn -r` did',
    async (name) => {
      expect(await runTrace([fixture(`${name}.pcap`)])).toBe(0);
      const expected = lines(readFileSync(fixture(`${name}.tcpdump.txt`), 'utf8'));
      const printed = stdout.split('\n');
      expect(printed.slice(0, expected.length)).toEqual(expected);
      expect(printed[expected.length]).toBe('');
      expect(printed[expected.length + 1]).toBe('summary');
      expect(stderr).toBe('');
    },
  );

  it('prints absolute sequence numbers with -S, as tcpdump -S', async () => {
    expect(await runTrace(['-S', fixture('tcp.pcap')])).toBe(0);
    const expected = lines(readFileSync(fixture('tcp.tcpdump-S.txt'), 'utf8'));
    expect(stdout.split('\n').slice(0, expected.length)).toEqual(expected);
  });

  it('ends with the per-connection summary', async () => {
    await runTrace([fixture('tcp.pcap')]);
    const summary = stdout.slice(stdout.indexOf('\nsummary\n') + '\nsummary\n'.length);
    expect(lines(summary)[0]).toBe('12 packets: 2 TCP connections, 0 UDP flows, 0 other packets');
    expect(summary).toContain('closed by FIN both ways');
    expect(summary).toContain('refused (RST answered the SYN)');
  });

  it('reports an unreadable file in one line and exits 1', async () => {
    const cases: Array<[string, Uint8Array | undefined, RegExp]> = [
      ['missing.pcap', undefined, /cannot read .*missing\.pcap: no such file$/],
      [
        'text.pcap',
        new TextEncoder().encode('hello, this is not a capture file'),
        /not a pcap file .*pcap\.bad-magic/,
      ],
      ['cut.pcap', readFileSync(fixture('tcp.pcap')).subarray(0, 100), /ends in the middle of a packet/],
      [
        'next.pcapng',
        new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28]),
        /a pcapng file.*editcap -F pcap/,
      ],
      ['empty.pcap', new Uint8Array(0), /too short to be a pcap file/],
    ];
    for (const [name, bytes, message] of cases) {
      stderr = '';
      const path = join(dir, name);
      if (bytes) writeFileSync(path, bytes);
      expect(await runTrace([path])).toBe(1);
      expect(lines(stderr)).toHaveLength(1);
      expect(stderr.trim()).toMatch(/^ustack trace: /);
      expect(stderr.trim()).toMatch(message);
    }
    expect(await runTrace([dir])).toBe(1);
    expect(stderr).toContain('it is a directory');
  });

  it('shows help, and calls a missing or extra argument a usage error', async () => {
    expect(await runTrace(['--help'])).toBe(0);
    expect(stdout).toContain('usage: ustack trace CAPTURE.pcap [-S]');
    await expect(runTrace([])).rejects.toThrow(CliError);
    await expect(runTrace(['a.pcap', 'b.pcap'])).rejects.toThrow(/expected one capture file, got 2/);
    await expect(runTrace(['--bogus', 'a.pcap'])).rejects.toThrow(CliError);
  });
});
