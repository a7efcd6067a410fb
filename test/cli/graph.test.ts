import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/args.ts';
import { runGraph, siblingPath } from '../../src/cli/graph.ts';
import { buildCapture, LOSSY_TRANSFER } from '../trace/graph/synthetic.ts';

const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

function hasRsvgConvert(): boolean {
  try {
    execFileSync('rsvg-convert', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CWND_TRACE =
  '{"at":0,"conn":7,"kind":"cwnd","cwnd":14480,"ssthresh":7240,"why":"3 duplicate ACKs → fast retransmit"}\n' +
  '{"at":40000,"conn":7,"kind":"cwnd","cwnd":7240,"ssthresh":7240,"why":"full ACK ends recovery"}\n';

describe('ustack graph', () => {
  let stdout: string;
  let stderr: string;
  let dir: string;
  const path = (name: string): string => join(dir, name);

  beforeEach(() => {
    stdout = '';
    stderr = '';
    dir = mkdtempSync(join(tmpdir(), 'ustack-graph-'));
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

  it('writes the time-sequence SVG of the connection that carried most data', async () => {
    expect(await runGraph([fixture('graph/bulk-lossy.pcap'), '-o', path('seq.svg')])).toBe(0);
    const svg = readFileSync(path('seq.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="720"')).toBe(true);
    expect(svg).toContain('TCP #1 198.18.1.1:35780 → 198.18.2.1:5555');
    expect(svg).toContain('300000 bytes in 211 data segments · 2 retransmitted');
    expect(stdout).toBe(`wrote ${path('seq.svg')}\n`);
  });

  it('zooms with --from and --to (seconds)', async () => {
    expect(
      await runGraph([
        fixture('graph/bulk-lossy.pcap'),
        '--from',
        '0.015',
        '--to',
        '0.06',
        '-o',
        path('z.svg'),
      ]),
    ).toBe(0);
    const svg = readFileSync(path('z.svg'), 'utf8');
    expect(svg).toContain('text-anchor="middle">15</text>');
    expect(svg).toContain('text-anchor="middle">60</text>');
    expect(svg).not.toContain('text-anchor="middle">0</text>');
  });

  it('lists connections, and picks one by number or port', async () => {
    expect(await runGraph([fixture('tcp.pcap'), '--list'])).toBe(0);
    expect(stdout).toMatch(/^TCP #1 198\.18\.0\.1:40000 <> 198\.18\.0\.2:5555, /);
    expect(stdout).toMatch(/\nTCP #2 198\.18\.0\.1:40001 <> 198\.18\.0\.2:5556, .*refused/);

    expect(await runGraph([fixture('tcp.pcap'), '--port', '5556', '-o', path('p.svg')])).toBe(0);
    expect(readFileSync(path('p.svg'), 'utf8')).toContain('TCP #2 198.18.0.1:40001 → 198.18.0.2:5556');
    expect(await runGraph([fixture('tcp.pcap'), '--conn', '1', '-o', path('c.svg')])).toBe(0);
    // Connection 1 carried 13 bytes from the server and 6 from the client: the server is the sender.
    expect(readFileSync(path('c.svg'), 'utf8')).toContain('TCP #1 198.18.0.2:5555 → 198.18.0.1:40000');
    expect(await runGraph([fixture('tcp.pcap'), '--conn', '1', '--reverse', '-o', path('r.svg')])).toBe(0);
    expect(readFileSync(path('r.svg'), 'utf8')).toContain('TCP #1 198.18.0.1:40000 → 198.18.0.2:5555');
  });

  it('explains what it cannot graph, with exit status 1', async () => {
    expect(await runGraph([fixture('udp.pcap'), '-o', path('u.svg')])).toBe(1);
    expect(stderr).toMatch(/udp\.pcap: the capture holds no TCP connection\n$/);
    expect(await runGraph([fixture('tcp.pcap'), '--conn', '3', '-o', path('u.svg')])).toBe(1);
    expect(stderr).toContain('no connection 3: the capture has 2 (see --list)');
    expect(await runGraph([fixture('tcp.pcap'), '--port', '80', '-o', path('u.svg')])).toBe(1);
    expect(stderr).toContain('no TCP connection uses port 80');
    expect(await runGraph([path('missing.pcap')])).toBe(1);
    expect(stderr).toContain('cannot read');
    expect(existsSync(path('u.svg'))).toBe(false);
  });

  it('refuses contradictory or malformed options as usage errors', async () => {
    await expect(runGraph([])).rejects.toThrow(CliError);
    await expect(runGraph(['x.pcap', '--conn', '1', '--port', '2'])).rejects.toThrow(/--conn or --port/);
    await expect(runGraph(['x.pcap', '--port', 'http'])).rejects.toThrow(/--port must be a number/);
    await expect(runGraph(['x.pcap', '--width', '5'])).rejects.toThrow(/--width/);
    const lossy = fixture('graph/bulk-lossy.pcap');
    await expect(runGraph([lossy, '--from', '0.5', '--to', '0.1'])).rejects.toThrow(
      /--to .* later than --from/,
    );
    expect(await runGraph(['-h'])).toBe(0);
    expect(stdout).toContain('usage: ustack graph CAPTURE.pcap');
  });

  it('says clearly when --png cannot find rsvg-convert, and keeps the SVG', async () => {
    const capture = path('tiny.pcap');
    writeFileSync(capture, buildCapture(LOSSY_TRANSFER));
    const savedPath = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(await runGraph([capture, '-o', path('seq.svg'), '--png'])).toBe(1);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(stderr).toContain(
      '--png needs rsvg-convert, which is not installed (Debian: apt-get install librsvg2-bin)',
    );
    expect(existsSync(path('seq.svg'))).toBe(true);
    expect(existsSync(path('seq.png'))).toBe(false);
  });

  it.skipIf(!hasRsvgConvert())('converts to PNG with rsvg-convert', async () => {
    const capture = path('tiny.pcap');
    writeFileSync(capture, buildCapture(LOSSY_TRANSFER));
    expect(
      await runGraph([capture, '-o', path('seq.svg'), '--png', '--width', '600', '--height', '400']),
    ).toBe(0);
    const png = readFileSync(path('seq.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // The IHDR chunk: width and height, big-endian, at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(600);
    expect(png.readUInt32BE(20)).toBe(400);
  });

  it('draws cwnd from a JSON-lines trace, alone or beside the time-sequence graph', async () => {
    writeFileSync(path('trace.jsonl'), CWND_TRACE);
    expect(await runGraph(['--cwnd', path('trace.jsonl'), '-o', path('cwnd.svg')])).toBe(0);
    expect(readFileSync(path('cwnd.svg'), 'utf8')).toContain('Congestion window — connection 7');
    expect(await runGraph(['--cwnd', path('trace.jsonl'), '--conn', '8', '-o', path('none.svg')])).toBe(1);
    expect(stderr).toContain('has no cwnd events for connection 8');

    expect(await runGraph([fixture('tcp.pcap'), '--cwnd', path('trace.jsonl'), '-o', path('both.svg')])).toBe(
      0,
    );
    expect(existsSync(path('both.svg'))).toBe(true);
    expect(existsSync(path('both.cwnd.svg'))).toBe(true);

    writeFileSync(path('junk.jsonl'), `nonsense\n${CWND_TRACE}`);
    expect(await runGraph(['--cwnd', path('junk.jsonl'), '-o', path('j.svg')])).toBe(0);
    expect(stderr).toContain('skipped 1 line(s) of');
    expect(stderr).toContain('(first: line 1, trace.not-json)');
  });

  it('names sibling files by swapping or adding the extension', () => {
    expect(siblingPath('out/seq.svg', '.png')).toBe('out/seq.png');
    expect(siblingPath('seq.SVG', '.cwnd.svg')).toBe('seq.cwnd.svg');
    expect(siblingPath('graph', '.png')).toBe('graph.png');
  });
});
