import { describe, expect, it } from 'vitest';
import { escapeXml, linearScale, num, SvgWriter, stepPoints } from '../../../src/trace/graph/svg.ts';

describe('svg helpers', () => {
  it('writes numbers with two decimals at most and never -0', () => {
    expect(num(1.23456)).toBe('1.23');
    expect(num(10)).toBe('10');
    expect(num(-0.001)).toBe('0');
    expect(num(-2.5)).toBe('-2.5');
  });

  it('escapes text and attribute values', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&#60;b &#38; &#34;c&#34; &#39;d&#39;&#62;');
    const svg = new SvgWriter(10, 10, 'a & b', '');
    svg.text(1, 2, '<R>', 'x', { title: 'a"b' });
    expect(svg.toString()).toContain('<text class="x" x="1" y="2" title="a&#34;b">&#60;R&#62;</text>');
    expect(svg.toString()).toContain('<title>a &#38; b</title>');
  });

  it('maps a domain onto a range, flipping when asked (SVG y grows downwards)', () => {
    const y = linearScale([0, 100], [500, 100]);
    expect(y(0)).toBe(500);
    expect(y(100)).toBe(100);
    expect(y(25)).toBe(400);
    expect(linearScale([3, 3], [0, 10])(3)).toBe(0);
  });

  it('turns points into a step line that holds each value until the next, up to the end', () => {
    expect(
      stepPoints(
        [
          { t: 0, y: 0 },
          { t: 1, y: 10 },
          { t: 3, y: 15 },
        ],
        5,
      ),
    ).toEqual([
      [0, 0],
      [1, 0],
      [1, 10],
      [3, 10],
      [3, 15],
      [5, 15],
    ]);
    expect(stepPoints([], 5)).toEqual([]);
  });
});
