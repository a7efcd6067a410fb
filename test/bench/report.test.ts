import { describe, expect, it } from 'vitest';
import { chartSvg } from '../../bench/lib/chart.ts';
import { markdownReport, textReport } from '../../bench/lib/report.ts';
import { type BenchResults, type MetricSpec, rowsOf } from '../../bench/lib/results.ts';
import { pairedRatio, summarize } from '../../bench/lib/stats.ts';

const bulk: MetricSpec = {
  key: 'bulk-in-1500',
  title: 'Bulk kernel → stack, MTU 1500',
  unit: 'Gbit/s',
  higherIsBetter: true,
};
const p99: MetricSpec = { key: 'rr-tcp-p99', title: 'TCP ping-pong p99', unit: 'µs', higherIsBetter: false };

function fixedResults(): BenchResults {
  return {
    date: '2025-01-01T00-00-00',
    host: { cpus: 2, node: '20.0.0', kernel: '6.1.0' },
    options: { runs: 3, quick: false },
    cells: [
      { metric: bulk, path: 'veth', pinned: true, values: [8, 10, 6], errors: [] },
      {
        metric: bulk,
        path: 'ustack-tun',
        pinned: true,
        values: [2, 2.5, undefined],
        errors: ['exit 1: boom'],
      },
      { metric: bulk, path: 'lwip-tun', pinned: true, values: [0.5, 0.5, 0.5], errors: [] },
      { metric: bulk, path: 'ustack-tun', pinned: false, values: [1, 3, 2], errors: [] },
      { metric: p99, path: 'veth', pinned: true, values: [40, 50, 60], errors: [] },
      { metric: p99, path: 'ustack-tun', pinned: true, values: [80, 100, 120], errors: [] },
    ],
    micro: [{ name: 'checksum.bench.ts', output: 'sum16 167 ns/op\n' }],
    notes: ['lwIP ran at MTU 1500 only.'],
  };
}

describe('stats', () => {
  it('summarizes with the median and the range', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10, runs: 4 });
    expect(summarize([])).toBeUndefined();
  });

  it('takes ratios run by run, skipping runs where either side failed', () => {
    expect(pairedRatio([2, 4, undefined], [1, 1, 1])).toBe(3);
    expect(pairedRatio([undefined], [1])).toBeUndefined();
  });

  it('makes no ratio of or against a zero figure (nothing completed)', () => {
    expect(pairedRatio([10_000, 10_000, 10_000], [0, 0, 26.5])).toBeCloseTo(10_000 / 26.5, 10);
    expect(pairedRatio([10_000, 10_000], [0, 0])).toBeUndefined();
    expect(pairedRatio([0, 0], [10_000, 10_000])).toBeUndefined();
  });
});

describe('rows', () => {
  it('gives each path its pinned and unpinned summary and pinned ratios to the kernel and lwIP', () => {
    const rows = rowsOf(fixedResults(), 'bulk-in-1500');
    const ustack = rows.find((r) => r.path === 'ustack-tun')!;
    expect(ustack.pinned).toEqual({ median: 2.25, min: 2, max: 2.5, runs: 2 });
    expect(ustack.unpinned?.median).toBe(2);
    expect(ustack.vsKernel).toBeCloseTo(0.25 * 0.5 + 0.25 * 0.5, 10);
    expect(ustack.vsLwip).toBe(4.5);
    expect(ustack.errors).toEqual(['exit 1: boom']);
    expect(rows.find((r) => r.path === 'veth')!.vsKernel).toBeUndefined();
  });

  it('prints no ratio for a metric whose paths count different things', () => {
    const results = fixedResults();
    for (const cell of results.cells) cell.metric = { ...cell.metric, ratios: false };
    for (const row of rowsOf(results, 'bulk-in-1500')) {
      expect(row.vsKernel).toBeUndefined();
      expect(row.vsLwip).toBeUndefined();
    }
  });
});

describe('writers', () => {
  it('prints a table per metric with ratios', () => {
    const text = textReport(fixedResults());
    expect(text).toContain('Bulk kernel → stack, MTU 1500 [Gbit/s]');
    expect(text).toMatch(
      /kernel↔ustack TUN\s+2\.25 \(2\.00–2\.50\)\s+2\.00 \(1\.00–3\.00\)\s+0\.25×\s+4\.50×/,
    );
    expect(text).toContain('note: lwIP ran at MTU 1500 only.');
  });

  it('writes Markdown with the chart, failed runs, notes and micro outputs', () => {
    const md = markdownReport(fixedResults(), 'chart.svg');
    expect(md).toContain('![throughput and latency](chart.svg)');
    expect(md).toContain('| kernel↔lwIPv6 TUN | 0.50 (0.50–0.50) | — | 0.06× |  |');
    expect(md).toContain('- failed run: kernel↔ustack TUN: exit 1: boom');
    expect(md).toContain('## TCP ping-pong p99 [µs] (lower is better)');
    expect(md).toContain('sum16 167 ns/op');
  });

  it('draws one bar per pinned path, scaled to the largest', () => {
    const svg = chartSvg(fixedResults());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>');
    const widths = [...svg.matchAll(/<rect x="260" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(5);
    expect(Math.max(...widths.slice(0, 3))).toBe(550);
    expect(widths[1]).toBeCloseTo(550 * (2.25 / 8), 1);
  });
});
