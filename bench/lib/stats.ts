// Summaries of repeated measurements: median with min–max, and ratios taken pair by pair (the run-i
// figure of one path over the run-i figure of its reference, measured back to back) before the median,
// so that drift across a run cancels out of the ratio.

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/**
 * Median of a[i] / b[i] over the runs where both were measured (a failed run leaves a hole). A figure that
 * is not positive is no measurement (nothing completed), so it makes no ratio on either side.
 */
export function pairedRatio(a: readonly (number | undefined)[], b: readonly (number | undefined)[]) {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x !== undefined && y !== undefined && x > 0 && y > 0) ratios.push(x / y);
  }
  return ratios.length === 0 ? undefined : median(ratios);
}
