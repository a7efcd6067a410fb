// Axis ticks a reader can take in at a glance: steps of 1, 2 or 5 times a power of ten, in a unit chosen
// for the axis' range (µs/ms/s for time, bytes/KB/MB/GB for sequence numbers and windows; KB = 1000).

/** How far a time axis runs past the last event (×), so what is drawn there is not cut by the frame. */
export const RIGHT_MARGIN = 1.03;

export interface Unit {
  /** How many axis values make one unit: 0.001 for milliseconds on a seconds axis, 1000 for KB. */
  size: number;
  name: string;
}

export interface Axis {
  min: number;
  max: number;
  step: number;
  ticks: number[];
  unit: Unit;
}

/** The 1-2-5 step that cuts `span` into about `target` pieces. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const rough = span / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * power;
}

export function timeUnit(maxSeconds: number): Unit {
  if (maxSeconds < 0.002) return { size: 1e-6, name: 'µs' };
  if (maxSeconds < 2) return { size: 1e-3, name: 'ms' };
  return { size: 1, name: 's' };
}

export function byteUnit(maxBytes: number): Unit {
  if (maxBytes < 10_000) return { size: 1, name: 'bytes' };
  if (maxBytes < 10_000_000) return { size: 1e3, name: 'KB' };
  if (maxBytes < 10_000_000_000) return { size: 1e6, name: 'MB' };
  return { size: 1e9, name: 'GB' };
}

/**
 * An axis covering [low, high], widened to whole steps. The step is nice in the axis' unit, so a time
 * axis in ms ticks at 0, 20, 40 ms rather than at multiples of some odd fraction of a second.
 */
export function makeAxis(low: number, high: number, unit: Unit, target = 8): Axis {
  const span = high > low ? high - low : Math.max(Math.abs(high), unit.size);
  const step = niceStep(span / unit.size, target) * unit.size;
  const min = Math.floor(low / step + 1e-9) * step;
  let max = Math.ceil(high / step - 1e-9) * step;
  if (max <= min) max = min + step;
  const ticks: number[] = [];
  const count = Math.round((max - min) / step);
  for (let i = 0; i <= count; i++) ticks.push(min + i * step);
  return { min, max, step, ticks, unit };
}

/** A tick label in the axis' unit, with as many decimals as the step needs and no more. */
export function formatTick(value: number, axis: Axis): string {
  const inUnit = axis.step / axis.unit.size;
  const decimals = Math.max(0, Math.ceil(-Math.log10(inUnit) - 1e-9));
  const text = (value / axis.unit.size).toFixed(decimals);
  // toFixed keeps the sign of a value that rounds to zero.
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}
