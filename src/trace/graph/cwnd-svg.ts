// Draws a CwndSeries (cwnd.ts): cwnd and ssthresh as step lines over time (each holds until the next
// event changes it), a dot per event saying why it changed, and the retransmissions along the bottom.

import { byteUnit, makeAxis, RIGHT_MARGIN, timeUnit } from './axis.ts';
import type { CwndSeries } from './cwnd.ts';
import { DEFAULT_SIZE, type GraphSize, LabelPlacer, type LegendEntry, PlotFrame } from './plot.ts';
import { stepPoints } from './svg.ts';

const CSS =
  '.cwnd{fill:none;stroke:#1f4e9c;stroke-width:2}.ssthresh{fill:none;stroke:#e0a000;stroke-width:1.6;' +
  'stroke-dasharray:6 4}.event{fill:#1f4e9c}.why{font-size:11px;fill:#333;paint-order:stroke;stroke:#fff;' +
  'stroke-width:3px}.rtx{stroke:#d62728;stroke-width:2}.rtx-label{font-size:10px;font-weight:bold;fill:#d62728}';

/** Labels that find no free spot are left out; every dot keeps its reason as a tooltip. */
const WHY_FONT_SIZE = 11;

const LEGEND: LegendEntry[] = [
  { label: 'cwnd', className: 'cwnd', shape: 'line' },
  { label: 'ssthresh', className: 'ssthresh', shape: 'line' },
  { label: 'event (why cwnd changed)', className: 'event', shape: 'dot' },
  { label: 'retransmission: F fast, T timeout, P probe, S SYN', className: 'rtx', shape: 'bar' },
];

const REASON_LETTER: Record<string, string> = {
  'fast-retransmit': 'F',
  'sack-recovery': 'F',
  rto: 'T',
  probe: 'P',
  syn: 'S',
};

/** The reason without its RFC citation, short enough to print beside a dot. */
function shortWhy(why: string): string {
  const cut = why.indexOf(' (');
  return cut > 0 ? why.slice(0, cut) : why;
}

/** Runs of consecutive points where ssthresh is set, each drawn as its own step line. */
function ssthreshRuns(series: CwndSeries): Array<Array<{ t: number; y: number; until: number }>> {
  const runs: Array<Array<{ t: number; y: number; until: number }>> = [];
  let run: Array<{ t: number; y: number; until: number }> = [];
  series.points.forEach((p, i) => {
    const until = series.points[i + 1]?.t ?? series.duration;
    if (p.ssthresh === undefined) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push({ t: p.t, y: p.ssthresh, until });
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

export function renderCwnd(series: CwndSeries, size: GraphSize = DEFAULT_SIZE): string {
  const high = series.points.reduce((m, p) => Math.max(m, p.cwnd, p.ssthresh ?? 0), 1);
  const duration = series.duration > 0 ? series.duration : 1e-6;
  // A little room past the last event, so marks and labels there stay inside the plot.
  const x = makeAxis(0, duration * RIGHT_MARGIN, timeUnit(duration));
  const y = makeAxis(0, high, byteUnit(high));
  const fast = series.retransmits.filter((r) => REASON_LETTER[r.reason] === 'F').length;
  const timeouts = series.retransmits.filter((r) => r.reason === 'rto').length;
  const frame = new PlotFrame({
    title: `Congestion window — connection ${series.conn}`,
    subtitle:
      `${series.points.length} cwnd events · ${series.retransmits.length} retransmissions ` +
      `(${fast} fast, ${timeouts} after timeout) · ${series.duration.toFixed(6)} s`,
    x,
    y,
    xLabel: `time since the connection's first traced event (${x.unit.name})`,
    yLabel: `window (${y.unit.name})`,
    legend: LEGEND,
    css: CSS,
    ...size,
  });
  const { svg } = frame;
  const pixels = (points: Array<[number, number]>): Array<[number, number]> =>
    points.map(([t, v]) => [frame.x(t), frame.y(v)]);

  for (const run of ssthreshRuns(series)) {
    svg.polyline(pixels(stepPoints(run, run.at(-1)!.until)), 'ssthresh');
  }
  const cwnd = series.points.map((p) => ({ t: p.t, y: p.cwnd }));
  svg.polyline(pixels(stepPoints(cwnd, duration)), 'cwnd');
  const placer = new LabelPlacer(frame);
  for (const p of series.points) {
    const px = frame.x(p.t);
    const py = frame.y(p.cwnd);
    svg.circle(px, py, 3.5, 'event', `${p.cwnd} bytes: ${p.why}`);
    const why = shortWhy(p.why);
    const spot = placer.place(why, WHY_FONT_SIZE, [
      { x: px + 6, y: py - 6, anchor: 'start' },
      { x: px + 6, y: py + 16, anchor: 'start' },
      { x: px - 6, y: py - 6, anchor: 'end' },
      { x: px - 6, y: py + 16, anchor: 'end' },
      { x: px + 6, y: py - 22, anchor: 'start' },
    ]);
    if (spot) svg.text(spot.x, spot.y, why, 'why', { 'text-anchor': spot.anchor });
  }
  for (const r of series.retransmits) {
    const rx = frame.x(r.t);
    svg.line(rx, frame.bottom, rx, frame.bottom - 12, 'rtx');
    svg.text(rx + 2, frame.bottom - 14, REASON_LETTER[r.reason] ?? '?', 'rtx-label');
  }
  return frame.finish();
}
