// The frame every graph shares: title and subtitle, a legend row under them, the plot area with a light
// grid, tick labels in the axes' units and axis titles. Content drawn between begin and finish is clipped
// to the plot area, so a mark near an edge never spills over the labels.

import { type Axis, formatTick } from './axis.ts';
import { linearScale, num, SvgWriter } from './svg.ts';

export interface GraphSize {
  width: number;
  height: number;
}

export const DEFAULT_SIZE: GraphSize = { width: 1200, height: 720 };

export type LegendShape = 'line' | 'bar' | 'dot' | 'ring';

export interface LegendEntry {
  label: string;
  /** The CSS class the graph draws this series with. */
  className: string;
  shape: LegendShape;
}

export interface FrameSpec {
  title: string;
  subtitle: string;
  x: Axis;
  y: Axis;
  xLabel: string;
  yLabel: string;
  legend: LegendEntry[];
  /** Rules for the graph's own classes, appended to the frame's. */
  css: string;
  width: number;
  height: number;
}

const FRAME_CSS =
  'text{fill:#222}.title{font-size:18px;font-weight:bold}.subtitle{font-size:12px;fill:#555}' +
  '.tick{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#333}.legend{font-size:12px}' +
  '.grid{stroke:#e8e8e8;stroke-width:1}.frame{fill:none;stroke:#999;stroke-width:1}';

const MARGIN = { left: 78, right: 28, top: 96, bottom: 54 };
const LEGEND_Y = 72;
const LEGEND_SWATCH = 22;

export class PlotFrame {
  readonly svg: SvgWriter;
  readonly left = MARGIN.left;
  readonly top = MARGIN.top;
  readonly right: number;
  readonly bottom: number;
  /** Data to pixels. */
  readonly x: (value: number) => number;
  readonly y: (value: number) => number;

  constructor(private readonly spec: FrameSpec) {
    const { width, height } = spec;
    this.right = width - MARGIN.right;
    this.bottom = height - MARGIN.bottom;
    this.x = linearScale([spec.x.min, spec.x.max], [this.left, this.right]);
    this.y = linearScale([spec.y.min, spec.y.max], [this.bottom, this.top]);
    this.svg = new SvgWriter(width, height, spec.title, FRAME_CSS + spec.css);
    this.drawHeading();
    this.drawGrid();
    this.svg.open('clipPath', { id: 'plot-area' });
    this.svg.element('rect', {
      x: this.left,
      y: this.top,
      width: this.right - this.left,
      height: this.bottom - this.top,
    });
    this.svg.close('clipPath');
    this.svg.open('g', { 'clip-path': 'url(#plot-area)' });
  }

  private drawHeading(): void {
    const { svg, spec } = this;
    svg.text(this.left, 28, spec.title, 'title');
    svg.text(this.left, 48, spec.subtitle, 'subtitle');
    let x = this.left;
    for (const entry of spec.legend) {
      const mid = LEGEND_Y - 4;
      if (entry.shape === 'line') svg.line(x, mid, x + LEGEND_SWATCH, mid, entry.className);
      else if (entry.shape === 'bar')
        svg.line(x + LEGEND_SWATCH / 2, mid - 7, x + LEGEND_SWATCH / 2, mid + 7, entry.className);
      else svg.circle(x + LEGEND_SWATCH / 2, mid, entry.shape === 'ring' ? 4 : 3, entry.className);
      svg.text(x + LEGEND_SWATCH + 6, LEGEND_Y, entry.label, 'legend');
      // DejaVu Sans at 12 px averages about 6.6 px a character: enough room without measuring text.
      x += LEGEND_SWATCH + 6 + entry.label.length * 6.6 + 18;
    }
  }

  private drawGrid(): void {
    const { svg, spec } = this;
    for (const value of spec.x.ticks) {
      const px = this.x(value);
      svg.line(px, this.top, px, this.bottom, 'grid');
      svg.text(px, this.bottom + 16, formatTick(value, spec.x), 'tick', { 'text-anchor': 'middle' });
    }
    for (const value of spec.y.ticks) {
      const py = this.y(value);
      svg.line(this.left, py, this.right, py, 'grid');
      svg.text(this.left - 6, py + 4, formatTick(value, spec.y), 'tick', { 'text-anchor': 'end' });
    }
    svg.element('rect', {
      class: 'frame',
      x: this.left,
      y: this.top,
      width: this.right - this.left,
      height: this.bottom - this.top,
    });
    const xMid = (this.left + this.right) / 2;
    svg.text(xMid, this.bottom + 40, spec.xLabel, 'axis-label', { 'text-anchor': 'middle' });
    const yMid = (this.top + this.bottom) / 2;
    svg.text(18, yMid, spec.yLabel, 'axis-label', {
      'text-anchor': 'middle',
      transform: `rotate(-90 18 ${num(yMid)})`,
    });
  }

  /** Closes the clipped plot area and returns the whole document. */
  finish(): string {
    this.svg.close('g');
    return this.svg.toString();
  }
}

export interface LabelSpot {
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

/**
 * Places text labels so none overlaps another or leaves the plot: each label takes the first of its
 * candidate spots that is free, or none. Widths are estimated from the character count (no font metrics
 * without a renderer), generously enough for DejaVu Sans, the font rsvg-convert falls back to.
 */
export class LabelPlacer {
  private readonly boxes: Array<[number, number, number, number]> = [];

  constructor(private readonly frame: PlotFrame) {}

  place(text: string, fontSize: number, candidates: readonly LabelSpot[]): LabelSpot | undefined {
    const width = text.length * fontSize * 0.62;
    for (const spot of candidates) {
      const x0 = spot.anchor === 'start' ? spot.x : spot.x - width;
      const box: [number, number, number, number] = [
        x0,
        spot.y - fontSize,
        x0 + width,
        spot.y + fontSize * 0.3,
      ];
      const inside =
        box[0] >= this.frame.left &&
        box[2] <= this.frame.right &&
        box[1] >= this.frame.top &&
        box[3] <= this.frame.bottom;
      if (!inside || this.boxes.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]))
        continue;
      this.boxes.push(box);
      return spot;
    }
    return undefined;
  }
}
