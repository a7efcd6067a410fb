// A small SVG writer: elements as text, numbers rounded to 0.01 px so output is stable (golden files)
// and compact. Styling lives in one <style> block keyed by class, so a graph of thousands of segments
// does not repeat its colours thousands of times.

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coordinate as SVG text: two decimals at most, no trailing zeros, never "-0". */
export function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

type Attributes = Record<string, string | number | undefined>;

function attributes(attrs: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${name}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

export class SvgWriter {
  private readonly parts: string[] = [];

  /** `title` names the image for screen readers and browser tabs. */
  constructor(
    readonly width: number,
    readonly height: number,
    title: string,
    css: string,
  ) {
    this.parts.push(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
        `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
      `<title>${escapeXml(title)}</title>`,
      `<style>${css}</style>`,
      `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    );
  }

  element(name: string, attrs: Attributes, content?: string): void {
    this.parts.push(
      content === undefined
        ? `<${name}${attributes(attrs)}/>`
        : `<${name}${attributes(attrs)}>${escapeXml(content)}</${name}>`,
    );
  }

  open(name: string, attrs: Attributes = {}): void {
    this.parts.push(`<${name}${attributes(attrs)}>`);
  }

  close(name: string): void {
    this.parts.push(`</${name}>`);
  }

  line(x1: number, y1: number, x2: number, y2: number, className: string): void {
    this.element('line', { class: className, x1, y1, x2, y2 });
  }

  text(x: number, y: number, content: string, className: string, attrs: Attributes = {}): void {
    this.element('text', { class: className, x, y, ...attrs }, content);
  }

  circle(cx: number, cy: number, r: number, className: string, title?: string): void {
    if (title === undefined) this.element('circle', { class: className, cx, cy, r });
    else
      this.parts.push(
        `<circle${attributes({ class: className, cx, cy, r })}><title>${escapeXml(title)}</title></circle>`,
      );
  }

  /** A polyline through points already in pixels. */
  polyline(points: ReadonlyArray<readonly [number, number]>, className: string): void {
    if (points.length === 0) return;
    this.element('polyline', {
      class: className,
      points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' '),
    });
  }

  toString(): string {
    return `${this.parts.join('\n')}\n</svg>\n`;
  }
}

/** A linear map from a data interval onto a pixel interval. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/**
 * The corners of a step line (a value holds until the next point, then jumps), in data units, ending at
 * `until`: what an ACK number or a window edge does between the segments that change it.
 */
export function stepPoints(
  points: ReadonlyArray<{ t: number; y: number }>,
  until: number,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i++) {
    const { t, y } = points[i]!;
    if (i > 0) out.push([t, points[i - 1]!.y]);
    out.push([t, y]);
  }
  const last = points.at(-1);
  if (last !== undefined && until > last.t) out.push([until, last.y]);
  return out;
}
