import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../src/link/pcap.ts';
import { renderTimeSequence } from '../../../src/trace/graph/sequence-svg.ts';
import { buildTimeSequence } from '../../../src/trace/graph/time-sequence.ts';
import { captureFlows } from '../../../src/trace/summary.ts';
import { buildCapture, LOSSY_TRANSFER } from './synthetic.ts';

function tinyGraph() {
  const capture = readPcap(buildCapture(LOSSY_TRANSFER));
  if (typeof capture === 'string') throw new Error(capture);
  return buildTimeSequence(captureFlows(capture.records).flows.tcp[0]!);
}

function count(svg: string, pattern: RegExp): number {
  return svg.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

function hasRsvgConvert(): boolean {
  try {
    execFileSync('rsvg-convert', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('time-sequence SVG', () => {
  const svg = renderTimeSequence(tinyGraph());

  it('matches the golden file for the scripted transfer', async () => {
    await expect(svg).toMatchFileSnapshot('./__snapshots__/lossy-transfer.seq.svg');
  });

  it('draws each segment as a bar with end ticks, the retransmission red, ringed, marked and explained', () => {
    // Three lines a bar (the bar itself and a tick at each end), plus one as the legend's swatch.
    expect(count(svg, /<line class="seg"/)).toBe(6 * 3 + 1);
    expect(count(svg, /<line class="rtx"/)).toBe(3 + 1);
    expect(count(svg, /<circle class="rtx-ring"/)).toBe(1);
    expect(count(svg, /class="rtx-label"[^>]*>R</)).toBe(1);
    expect(svg).toContain('>fast retransmit after 3 dup ACKs</text>');
    expect(count(svg, /<circle class="dup"/)).toBe(2);
    expect(count(svg, /<line class="sack"/)).toBe(3 + 1);
    expect(svg).toContain('Time-sequence graph — TCP #1 198.18.0.1:40000 → 198.18.0.2:5555');
    expect(svg).toContain('6000 bytes in 7 data segments · 1 retransmitted · 3 duplicate ACKs');
  });

  it('places the retransmission where its time and sequence number say, in the plot area', () => {
    // The default frame: x from 78 to 1172 px for 0–55 ms; y from 666 px (0) up to 96 px (16 KB, room for
    // the window edge at 14001).
    const x = 78 + (0.0308 / 0.055) * (1172 - 78);
    const bottom = 666 - (2000 / 16000) * (666 - 96);
    const top = 666 - (3000 / 16000) * (666 - 96);
    const plot = svg.slice(svg.indexOf('clip-path="url(#plot-area)"'));
    const bar = plot.match(/<line class="rtx" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"\/>/)!;
    expect(Number(bar[1])).toBeCloseTo(x, 1);
    expect(Number(bar[2])).toBeCloseTo(bottom, 1);
    expect(Number(bar[4])).toBeCloseTo(top, 1);
  });

  it('zooms to a time span, fitting both axes to what shows there', () => {
    const zoomed = renderTimeSequence(tinyGraph(), undefined, { from: 0.03, to: 0.035 });
    const ticks = [
      ...zoomed.matchAll(/<text class="tick" x="[\d.]+" y="[\d.]+" text-anchor="(middle|end)">([^<]+)</g),
    ];
    const xTicks = ticks.filter((t) => t[1] === 'middle').map((t) => t[2]);
    const yTicks = ticks.filter((t) => t[1] === 'end').map((t) => t[2]);
    expect(xTicks).toEqual([
      '30.0',
      '30.5',
      '31.0',
      '31.5',
      '32.0',
      '32.5',
      '33.0',
      '33.5',
      '34.0',
      '34.5',
      '35.0',
    ]);
    // From the ACK in force (2000) to the window edge (10000), in KB: the bytes below are out of view.
    expect(yTicks[0]).toBe('2');
    expect(yTicks.at(-1)).toBe('10');
    // Bars outside the span are still written; the plot area's clip path hides them.
    expect(count(zoomed, /<line class="seg"/)).toBe(6 * 3 + 1);
  });

  it.skipIf(!hasRsvgConvert())('is an SVG rsvg-convert renders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ustack-graph-'));
    try {
      writeFileSync(join(dir, 'seq.svg'), svg);
      execFileSync('rsvg-convert', ['-o', join(dir, 'seq.png'), join(dir, 'seq.svg')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
