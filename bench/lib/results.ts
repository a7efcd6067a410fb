// What one `ustack bench` run produces: per metric, per path, pinned or not, one figure per run (a hole
// where a run failed), plus the micro-benchmark outputs and notes (a path that could not run, and why).

import type { PathId } from './paths.ts';
import { pairedRatio, type Summary, summarize } from './stats.ts';

export interface MetricSpec {
  /** Unique within a run: 'bulk-in-1500', 'rr-tcp-p99'. */
  key: string;
  title: string;
  unit: string;
  higherIsBetter: boolean;
  /** False where the paths count different things (memory): the table then prints no ratio at all. */
  ratios?: boolean;
}

export interface Cell {
  metric: MetricSpec;
  path: PathId;
  pinned: boolean;
  values: (number | undefined)[];
  errors: string[];
  /** Why the path was not measured for this metric (a limit of its stack), if it was not. */
  notMeasured?: string;
}

export interface MicroOutput {
  name: string;
  output: string;
}

export interface BenchResults {
  date: string;
  host: { cpus: number; node: string; kernel: string };
  options: { runs: number; quick: boolean; only?: string };
  cells: Cell[];
  micro: MicroOutput[];
  notes: string[];
}

/** The reference every ratio is taken against: the kernel without offloads (as ustack's TUN has none). */
export const KERNEL_REFERENCE: PathId = 'veth';
export const LWIP_REFERENCE: PathId = 'lwip-tun';

export interface Row {
  path: PathId;
  pinned?: Summary;
  unpinned?: Summary;
  /** Pinned, pair by pair: this path over the kernel reference and over lwIP. */
  vsKernel?: number;
  vsLwip?: number;
  errors: string[];
}

export function metricsOf(results: BenchResults): MetricSpec[] {
  const seen = new Map<string, MetricSpec>();
  for (const cell of results.cells) if (!seen.has(cell.metric.key)) seen.set(cell.metric.key, cell.metric);
  return [...seen.values()];
}

function defined(values: (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}

export function rowsOf(results: BenchResults, key: string): Row[] {
  const cells = results.cells.filter((c) => c.metric.key === key);
  const find = (path: PathId, pinned: boolean) => cells.find((c) => c.path === path && c.pinned === pinned);
  const paths = [...new Set(cells.map((c) => c.path))];
  return paths.map((path) => {
    const pinned = find(path, true);
    const unpinned = find(path, false);
    const ratio = (reference: PathId): number | undefined => {
      const base = find(reference, true);
      if (path === reference || !pinned || !base || pinned.metric.ratios === false) return undefined;
      return pairedRatio(pinned.values, base.values);
    };
    return {
      path,
      pinned: pinned && summarize(defined(pinned.values)),
      unpinned: unpinned && summarize(defined(unpinned.values)),
      vsKernel: ratio(KERNEL_REFERENCE),
      vsLwip: ratio(LWIP_REFERENCE),
      errors: [...(pinned?.errors ?? []), ...(unpinned?.errors ?? [])],
    };
  });
}
