// The tour's programs on the embedded pair, run as docs/tour.md runs them: the output it quotes, the
// explained trace from handshake to teardown, and the trace and graph commands on the capture.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTutorial } from '../../examples/run.ts';
import { runner, ustack } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'ustack-tour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the tour on the embedded pair', () => {
  it('echo: the output, and a trace from SYN to the end of TIME_WAIT', async () => {
    const trace: string[] = [];
    const printed = await runTutorial({
      program: 'echo',
      trace: 'explain',
      pcap: join(dir, 'echo.pcap'),
      print: () => {},
      traceLine: (line) => trace.push(line),
    });
    expect(printed[0]).toMatch(/^Connected by 198\.18\.0\.1:\d+$/);
    expect(printed[1]).toBe('Received "Hello, world"');
    const text = trace.join('\n');
    for (const step of [
      'client: CLOSED → SYN_SENT',
      'Flags [S]',
      'Flags [S.]',
      'completes the three-way handshake (RFC 9293 §3.5)',
      'length 12',
      'client: ESTABLISHED → FIN_WAIT_1',
      'server: LAST_ACK → CLOSED',
      'client: TIME_WAIT → CLOSED',
    ])
      expect(text).toContain(step);
  });

  it('echo: ustack trace and ustack graph read the capture the tour draws', async () => {
    const pcap = join(dir, 'echo.pcap');
    const trace = await ustack(['trace', pcap]);
    expect(trace.code).toBe(0);
    expect(trace.stdout).toMatch(
      /TCP #1 198\.18\.0\.1:\d+ <> 198\.18\.0\.2:50007, .* closed by FIN both ways/,
    );
    const svg = join(dir, 'echo-seq.svg');
    expect((await ustack(['graph', pcap, '-o', svg])).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('198.18.0.2:50007');
    expect((await ustack(['graph', pcap, '--reverse', '-o', join(dir, 'reply.svg')])).code).toBe(0);
  });

  it('udp-echo: three datagrams each way and no TCP events', async () => {
    const trace: string[] = [];
    const printed = await runTutorial({
      program: 'udp-echo',
      trace: 'explain',
      print: () => {},
      traceLine: (line) => trace.push(line),
    });
    expect(printed).toEqual(['Replies ["a","bb","ccc"]']);
    expect(trace.filter((line) => line.includes('UDP, length'))).toHaveLength(6);
    expect(trace.some((line) => line.includes('↳'))).toBe(false);
  });

  it('chat: both listeners hear the speaker, relayed by the room', async () => {
    const pcap = join(dir, 'chat.pcap');
    const printed = await runTutorial({ program: 'chat', pcap, print: () => {} });
    expect(printed).toHaveLength(3);
    const [heard1, heard2, logged] = printed as [string, string, string];
    expect(heard1).toMatch(/^heard \[198\.18\.0\.1:\d+\] hello from the room$/);
    expect(heard2).toBe(heard1);
    expect(`heard ${logged}`).toBe(heard1);
    const list = await ustack(['graph', pcap, '--list']);
    expect(list.stdout.match(/^TCP #\d/gm)).toHaveLength(3);
  });

  it('the command line runs a program with --trace=json, one JSON object per line', async () => {
    const run = await runner(['echo', '--trace=json', '--seed', '5']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Received "Hello, world"');
    const records = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; side?: string });
    expect(records.filter((r) => r.type === 'packet')).toHaveLength(11);
    expect(records.some((r) => r.type === 'tcp' && r.side === 'server')).toBe(true);
  });

  it('the command line names the programs when given none', async () => {
    const run = await runner([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('name one program: echo, udp-echo, chat');
  });
});
