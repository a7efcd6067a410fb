// Draws a TimeSequence (time-sequence.ts) the way tcptrace and Stevens' figures do: time to the right,
// sequence numbers up. Slow start shows as bars stacking ever steeper per round trip, a loss as a gap in
// the bars with the ACK line stuck below it and duplicate ACKs piling up on it, the fast retransmit as a red
// bar back at the hole, and the recovery as the ACK line jumping up when the hole is filled.

import { byteUnit, makeAxis, RIGHT_MARGIN, timeUnit } from './axis.ts';
import { formatEndpoint } from './connections.ts';
import { DEFAULT_SIZE, type GraphSize, LabelPlacer, type LegendEntry, PlotFrame } from './plot.ts';
import { stepPoints } from './svg.ts';
import type { DataBar, Point, TimeSequence } from './time-sequence.ts';

const CSS =
  '.seg{stroke:#1f4e9c;stroke-width:1.6}.rtx{stroke:#d62728;stroke-width:2.2}' +
  '.rtx-label{font-size:11px;font-weight:bold;fill:#d62728}' +
  '.rtx-ring{fill:none;stroke:#d62728;stroke-width:1.5}' +
  '.callout{font-size:12px;font-weight:bold;fill:#b01c1c;paint-order:stroke;stroke:#fff;stroke-width:3px}' +
  '.ack{fill:none;stroke:#2ca02c;stroke-width:1.6}.win{fill:none;stroke:#e0a000;stroke-width:1.4}' +
  '.sack{stroke:#9467bd;stroke-width:3;stroke-opacity:0.75}' +
  '.dup{fill:#ff7f0e}.dup3{fill:#ff7f0e;stroke:#7a3a00;stroke-width:1.2}' +
  '.mark{font-size:11px;font-weight:bold;fill:#333}.mark-dot{fill:#333}.mark-rtx{fill:#d62728}';

const CALLOUT_FONT_SIZE = 12;
/** A window edge more than this many times the highest data or ACK is "far": see valueRange. */
const FAR_WINDOW = 3;
/** Beyond this many retransmissions an "R" beside each would only add noise: the colour says enough. */
const MAX_RETRANSMIT_LABELS = 40;
/** Half the width of the tick at each end of a segment bar, in pixels (tcptrace's arrowheads). */
const BAR_TICK = 2.5;

const LEGEND: LegendEntry[] = [
  { label: 'data segment', className: 'seg', shape: 'bar' },
  { label: 'retransmission (R)', className: 'rtx', shape: 'bar' },
  { label: 'ACK', className: 'ack', shape: 'line' },
  { label: 'receive window (ACK + window)', className: 'win', shape: 'line' },
  { label: 'SACK block', className: 'sack', shape: 'bar' },
  { label: 'duplicate ACK (ringed: 3rd)', className: 'dup3', shape: 'ring' },
];

function describe(graph: TimeSequence): string {
  const retransmissions = graph.segments.filter((s) => s.retransmit).length;
  const bytes = graph.segments.reduce((max, s) => Math.max(max, s.end), 0);
  const scale =
    graph.windowScale === undefined
      ? 'window scale unknown (no SYNs): windows unscaled'
      : `receiver window scale ${graph.windowScale} (×${2 ** graph.windowScale})`;
  return [
    `${bytes} bytes in ${graph.segments.length} data segments`,
    `${retransmissions} retransmitted`,
    `${graph.dupAcks.length} duplicate ACKs`,
    scale,
    `${graph.duration.toFixed(6)} s`,
  ].join(' · ');
}

function drawBar(frame: PlotFrame, segment: DataBar, className: string): void {
  const x = frame.x(segment.t);
  const top = frame.y(segment.end);
  const bottom = frame.y(segment.start);
  frame.svg.line(x, bottom, x, top, className);
  frame.svg.line(x - BAR_TICK, top, x + BAR_TICK, top, className);
  frame.svg.line(x - BAR_TICK, bottom, x + BAR_TICK, bottom, className);
}

/** Why the sender retransmitted, as far as the capture shows: the duplicate ACKs it had seen. */
function retransmitCause(segment: DataBar): string {
  const n = segment.dupAcksBefore;
  // Linux counts SACKed segments, not only ACKs (RFC 6675 §5, RACK), so fewer than 3 can trigger it.
  if (n > 0) return `fast retransmit after ${n} dup ACK${n === 1 ? '' : 's'}`;
  return 'retransmit without dup ACKs (timeout or probe)';
}

/**
 * Each retransmission in red, ringed, with an "R"; the first of each loss episode also gets a callout
 * saying what triggered it, where one fits without covering another.
 */
function drawRetransmissions(frame: PlotFrame, segments: readonly DataBar[]): void {
  const retransmissions = segments.filter((s) => s.retransmit);
  const labels = retransmissions.length <= MAX_RETRANSMIT_LABELS;
  const placer = new LabelPlacer(frame);
  for (const segment of retransmissions) {
    drawBar(frame, segment, 'rtx');
    const x = frame.x(segment.t);
    const top = frame.y(segment.end);
    if (labels) {
      frame.svg.circle(x, (top + frame.y(segment.start)) / 2, 7, 'rtx-ring');
      frame.svg.text(x + 6, top - 5, 'R', 'rtx-label');
    }
    if (!segment.episodeStart) continue;
    const text = retransmitCause(segment);
    // Up and to the left of the hole, where its history is; else above, to the right, or not at all.
    const spot = placer.place(text, CALLOUT_FONT_SIZE, [
      { x: x - 8, y: top - 18, anchor: 'end' },
      { x: x - 8, y: top - 36, anchor: 'end' },
      { x: x + 14, y: top - 18, anchor: 'start' },
      { x: x - 8, y: top - 54, anchor: 'end' },
      { x: x + 14, y: top - 36, anchor: 'start' },
    ]);
    if (spot) frame.svg.text(spot.x, spot.y, text, 'callout', { 'text-anchor': spot.anchor });
  }
}

/** A time range to draw, in seconds since the connection's first packet: a zoom. */
export interface TimeSpan {
  from: number;
  to: number;
}

/** The points of a step line that show within a span: those inside and the one in force at its start. */
function visibleSteps(points: readonly Point[], span: TimeSpan): Point[] {
  const before = points.filter((p) => p.t < span.from).at(-1);
  const inside = points.filter((p) => p.t >= span.from && p.t <= span.to);
  return before === undefined ? inside : [before, ...inside];
}

/**
 * The extent of the values drawn in the span, so the axes cover them; the whole graph starts at zero. A
 * window edge far above everything else (a receiver offering megabytes for a transfer of kilobytes)
 * would squash the data into a flat line and does not limit the sender anyway, so then the axis stops a
 * quarter above the rest and the window line leaves through the top.
 */
function valueRange(graph: TimeSequence, span: TimeSpan, whole: boolean): [number, number] {
  let low = whole ? 0 : Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  const see = (y: number): void => {
    low = Math.min(low, y);
    high = Math.max(high, y);
  };
  const shown = (t: number): boolean => t >= span.from && t <= span.to;
  for (const s of graph.segments) {
    if (!shown(s.t)) continue;
    see(s.start);
    see(s.end);
  }
  for (const p of visibleSteps(graph.acks, span)) see(p.y);
  for (const s of graph.sacks) if (shown(s.t)) see(s.end);
  // A SYN sits at −1, just under the first data byte: not worth a tick below zero.
  for (const m of graph.marks) if (shown(m.t)) see(Math.max(m.y, 0));
  if (high < low) return [0, 1];
  if (high === low) high = low + 1;
  const windowHigh = visibleSteps(graph.windowEdge, span).reduce((max, p) => Math.max(max, p.y), high);
  return [low, windowHigh - low <= FAR_WINDOW * (high - low) ? windowHigh : high + (high - low) / 4];
}

/** Draws the graph, or with `span` the part of it in that time range, its axes fitted to what shows. */
export function renderTimeSequence(
  graph: TimeSequence,
  size: GraphSize = DEFAULT_SIZE,
  span?: TimeSpan,
): string {
  const duration = graph.duration > 0 ? graph.duration : 1e-6;
  // A little room past the last event, so marks and labels there stay inside the plot.
  const shown = span ?? { from: 0, to: duration * RIGHT_MARGIN };
  const [low, high] = valueRange(graph, shown, span === undefined);
  const x = makeAxis(shown.from, shown.to, timeUnit(shown.to - shown.from));
  const y = makeAxis(low, high, byteUnit(high));
  const path = `${formatEndpoint(graph.sender)} → ${formatEndpoint(graph.receiver)}`;
  const frame = new PlotFrame({
    title: `Time-sequence graph — TCP #${graph.connection} ${path}`,
    subtitle: describe(graph),
    x,
    y,
    xLabel: `time since the connection's first packet (${x.unit.name})`,
    yLabel: `relative sequence number (${y.unit.name})`,
    legend: LEGEND,
    css: CSS,
    ...size,
  });
  const { svg } = frame;
  const px = frame.x;
  const py = frame.y;
  const toPixels = (points: Array<[number, number]>): Array<[number, number]> =>
    points.map(([t, v]) => [px(t), py(v)]);

  // Back to front: the window and ACK lines under the segments, so the data stays readable where they meet.
  svg.polyline(toPixels(stepPoints(graph.windowEdge, duration)), 'win');
  svg.polyline(toPixels(stepPoints(graph.acks, duration)), 'ack');
  for (const sack of graph.sacks)
    svg.line(px(sack.t) + 2, py(sack.start), px(sack.t) + 2, py(sack.end), 'sack');

  for (const segment of graph.segments) if (!segment.retransmit) drawBar(frame, segment, 'seg');

  for (const dup of graph.dupAcks) {
    const title = `duplicate ACK #${dup.count} for ${dup.y}`;
    svg.circle(px(dup.t), py(dup.y), dup.count === 3 ? 4.5 : 2.5, dup.count === 3 ? 'dup3' : 'dup', title);
  }

  for (const mark of graph.marks) {
    const mx = px(mark.t);
    const my = py(mark.y);
    svg.circle(mx, my, 3, mark.retransmit ? 'mark-rtx' : 'mark-dot');
    // The sender's marks sit on its bars, labelled above; the receiver's on the ACK line, labelled below.
    const kind = mark.kind === 'SYN' && !mark.bySender ? 'SYN-ACK' : mark.kind;
    svg.text(mx + 5, mark.bySender ? my - 6 : my + 14, mark.retransmit ? `${kind} (R)` : kind, 'mark');
  }

  // Retransmissions last, on top of the duplicate ACKs that share their place (the hole sits at the ACK).
  drawRetransmissions(frame, graph.segments);
  return frame.finish();
}
