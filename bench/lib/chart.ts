// The report's SVG chart: horizontal bars of the pinned medians, one panel per chosen metric (bulk
// throughput per path, then ping-pong latency), each bar labelled with its figure. Plain SVG text, no
// dependencies, so the report renders on any Markdown viewer.

import { PATH_LABELS } from './paths.ts';
import { formatNumber } from './report.ts';
import { type BenchResults, metricsOf, rowsOf } from './results.ts';

const WIDTH = 900;
const LABEL_WIDTH = 260;
const BAR_HEIGHT = 16;
const PANEL_GAP = 30;
const COLOURS: Record<string, string> = {
  'veth-gso': '#7f7f7f',
  veth: '#4c4c4c',
  'ustack-tun': '#d9480f',
  'ustack-tun-plain': '#ff8787',
  'lwip-tun': '#1971c2',
  'ustack-memory': '#f59f00',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Throughput metrics (Gbit/s) and latency metrics (µs) get a panel each; the rest stay in the tables. */
export function chartSvg(results: BenchResults): string {
  const metrics = metricsOf(results).filter((m) => m.unit === 'Gbit/s' || m.unit === 'µs');
  const parts: string[] = [];
  let y = 40;
  for (const metric of metrics) {
    const rows = rowsOf(results, metric.key).filter((r) => r.pinned);
    if (rows.length === 0) continue;
    const top = Math.max(...rows.map((r) => r.pinned!.median));
    parts.push(
      `<text x="10" y="${y}" font-weight="bold">${escapeXml(`${metric.title} [${metric.unit}]`)}</text>`,
    );
    y += 8;
    for (const row of rows) {
      const value = row.pinned!.median;
      const width = top > 0 ? ((WIDTH - LABEL_WIDTH - 90) * value) / top : 0;
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end">${escapeXml(PATH_LABELS[row.path])}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT - 3}" fill="${COLOURS[row.path] ?? '#999'}"/>`,
        `<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + 12}">${formatNumber(value)}</text>`,
      );
      y += BAR_HEIGHT;
    }
    y += PANEL_GAP;
  }
  const title = 'ustack benchmark: pinned medians per path';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" font-family="sans-serif" font-size="12">`,
    `<title>${title}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="20" font-size="14">${escapeXml(`${title} (${results.date})`)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
