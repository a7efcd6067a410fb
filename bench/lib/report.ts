// The benchmark's tables: one per metric, a row per path, the pinned and unpinned medians with their
// ranges, and the pinned ratios to the kernel and to lwIP (taken pair by pair within the run).

import { PATH_LABELS } from './paths.ts';
import { type BenchResults, metricsOf, rowsOf } from './results.ts';
import type { Summary } from './stats.ts';

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function summaryText(summary: Summary | undefined): string {
  if (!summary) return '—';
  if (summary.runs === 1) return formatNumber(summary.median);
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

function ratioText(ratio: number | undefined): string {
  return ratio === undefined ? '' : `${ratio.toFixed(2)}×`;
}

const HEADER = ['path', 'pinned: median (min–max)', 'unpinned', '÷ kernel', '÷ lwIP'];

function tableLines(results: BenchResults, key: string): string[][] {
  return rowsOf(results, key).map((row) => [
    PATH_LABELS[row.path],
    summaryText(row.pinned),
    summaryText(row.unpinned),
    ratioText(row.vsKernel),
    ratioText(row.vsLwip),
  ]);
}

/** Plain text for the terminal: a titled, aligned table per metric. */
export function textReport(results: BenchResults): string {
  const out: string[] = [];
  for (const metric of metricsOf(results)) {
    const rows = [HEADER, ...tableLines(results, metric.key)];
    const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    out.push(`\n${metric.title} [${metric.unit}]`);
    for (const row of rows) out.push(`  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  }
  for (const note of results.notes) out.push(`note: ${note}`);
  return out.join('\n');
}

/** The Markdown report (bench/RESULTS.md when committed): tables, notes, micro outputs, the chart. */
export function markdownReport(results: BenchResults, chartFile: string): string {
  const out = [
    `# ustack benchmark — ${results.date}`,
    '',
    `${results.host.cpus} vCPUs, Node ${results.host.node}, Linux ${results.host.kernel}; ` +
      `${results.options.runs} runs per figure${results.options.quick ? ' (--quick)' : ''}. ` +
      'Pinned: every process of the comparison on vCPU 0 (`taskset -c 0`); paths alternated run by run. ' +
      'Ratios are pinned, taken pair by pair (run i over run i of the reference), then the median. ' +
      '"kernel" is the veth pair with offloads off; "kernel↔ustack TUN" uses the kernel\'s checksum and segmentation offloads (IFF_VNET_HDR, on by default where the kernel offers them), "offloads off" is the same stack without them (MTU-sized, fully checksummed packets); lwIP has none.',
    '',
    `![throughput and latency](${chartFile})`,
    '',
  ];
  for (const metric of metricsOf(results)) {
    out.push(`## ${metric.title} [${metric.unit}]${metric.higherIsBetter ? '' : ' (lower is better)'}`, '');
    out.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => ' --- ').join('|')}|`);
    for (const row of tableLines(results, metric.key)) out.push(`| ${row.join(' | ')} |`);
    const errors = rowsOf(results, metric.key).flatMap((r) =>
      r.errors.map((e) => `${PATH_LABELS[r.path]}: ${e}`),
    );
    for (const error of [...new Set(errors)]) out.push('', `- failed run: ${error}`);
    out.push('');
  }
  if (results.notes.length > 0) out.push('## Notes', '', ...results.notes.map((n) => `- ${n}`), '');
  for (const micro of results.micro)
    out.push(`## Micro: ${micro.name}`, '', '```', micro.output.trim(), '```', '');
  return out.join('\n');
}
