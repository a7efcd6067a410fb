// One measurement taken on every path, run after run, pinned and unpinned, the paths alternated. Only true
// figures enter the results: a path whose stack cannot take the measurement is marked not measured (with
// its one-line reason in the notes), a run whose server crashed or hung fails (and the server is started
// again), and a figure that is not positive (nothing completed) counts as a failed run, not as a zero.

import { rssBytes } from './memory.ts';
import { type BenchPath, type ClientMode, PATH_LABELS, type PathId } from './paths.ts';
import { type Figures, placed, runClient, setPinned } from './processes.ts';
import type { BenchResults, Cell, MetricSpec } from './results.ts';

export interface Plan {
  runs: number;
  seconds: number;
  pins: boolean[];
  progress: (line: string) => void;
}

export interface Measurement {
  mode: ClientMode;
  count: number;
  seconds: number;
  /** Figures of the client's JSON (and 'rssPeakMiB'/'idleBytesPerConnection' when sampled) to keep. */
  metrics: [figure: string, MetricSpec][];
  sampleMemory?: boolean;
}

/** Runs in which a path's server crashed or hung; such a server is started again before the next run. */
export type ServerLosses = Map<PathId, { crashed: number; hung: number }>;

export async function measure(
  results: BenchResults,
  paths: readonly BenchPath[],
  m: Measurement,
  plan: Plan,
  losses: ServerLosses,
): Promise<void> {
  const cell = (metric: MetricSpec, path: BenchPath, pinned: boolean): Cell => {
    let found = results.cells.find(
      (c) => c.metric.key === metric.key && c.path === path.id && c.pinned === pinned,
    );
    if (!found) {
      found = { metric, path: path.id, pinned, values: [], errors: [] };
      results.cells.push(found);
    }
    return found;
  };
  const measured: BenchPath[] = [];
  for (const path of paths) {
    // Every path gets its cells now, in the paths' order, so that every table lists them alike.
    const reason = path.unsupported?.(m.mode, m.count);
    for (const pin of plan.pins) {
      for (const [, metric] of m.metrics) {
        const target = cell(metric, path, pin);
        if (reason !== undefined) target.notMeasured = reason;
      }
    }
    if (reason === undefined) measured.push(path);
    else if (!results.notes.includes(reason)) results.notes.push(reason);
  }
  const [firstFigure, firstMetric] = m.metrics[0]!;
  for (let run = 0; run < plan.runs; run++) {
    for (const pin of plan.pins) {
      const line: string[] = [];
      for (const path of measured) {
        let figures: Figures = {};
        try {
          figures = await measureOnce(path, m, pin, losses);
        } catch (error) {
          for (const [, metric] of m.metrics) cell(metric, path, pin).errors.push((error as Error).message);
        }
        for (const [figure, metric] of m.metrics) {
          const value = figures[figure];
          const target = cell(metric, path, pin);
          if (value !== undefined && !(value > 0))
            target.errors.push(`${figure} was ${value}: nothing completed, so no figure`);
          target.values.push(value !== undefined && value > 0 ? value : undefined);
        }
        const first = figures[firstFigure];
        line.push(`${path.id} ${first !== undefined && first > 0 ? first.toPrecision(3) : 'failed'}`);
      }
      plan.progress(
        `${firstMetric.title}, run ${run + 1}/${plan.runs}${pin ? ' pinned' : ''}: ${line.join(', ')}`,
      );
    }
  }
}

async function measureOnce(
  path: BenchPath,
  m: Measurement,
  pin: boolean,
  losses: ServerLosses,
): Promise<Figures> {
  await path.revive?.();
  if (path.server) await setPinned(path.server.pid, pin);
  const argv = placed(path.clientArgv(m.mode, m.seconds, m.count), { netns: path.clientNetns, pin });
  const timeoutMs = (m.seconds + 15 + m.count / 50) * 1000;
  let figures: Figures;
  try {
    figures = await (m.sampleMemory
      ? runSampled(path, argv, timeoutMs, m.count)
      : runClient(argv, { timeoutMs }));
  } catch (error) {
    await lose(path, losses);
    throw error;
  }
  if (path.server && !path.server.alive) {
    await lose(path, losses);
    throw new Error('the server died during the run');
  }
  return figures;
}

/** Counts a run lost to a server that restarts, and stops it if it hangs, so the next run revives it. */
async function lose(path: BenchPath, losses: ServerLosses): Promise<void> {
  const server = path.server;
  if (!path.revive || !server) return;
  const count = losses.get(path.id) ?? { crashed: 0, hung: 0 };
  losses.set(path.id, count);
  if (!server.alive) {
    count.crashed++;
    return;
  }
  count.hung++;
  await server.stop();
}

export function lossNotes(losses: ServerLosses): string[] {
  return [...losses].map(
    ([path, { crashed, hung }]) =>
      `${PATH_LABELS[path]}: the server crashed in ${crashed} run(s) and hung in ${hung}; each was ` +
      'started again and its run counts as failed.',
  );
}

/**
 * The client's figures plus the server's memory: its RSS at peak (the in-memory client's, which holds
 * both stacks, where there is no server) and, per connection, what the server's stack holds once the
 * client says 'connected' over what it held before.
 */
async function runSampled(
  path: BenchPath,
  argv: string[],
  timeoutMs: number,
  count: number,
): Promise<Figures> {
  let pid = path.server?.pid;
  const before = await path.serverMemory?.(0);
  let held: Promise<number | undefined> | undefined;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, (pid !== undefined && rssBytes(pid)) || 0);
  }, 100);
  try {
    const figures = await runClient(argv, {
      timeoutMs,
      onSpawn: (child) => {
        pid ??= child;
      },
      onLine: (text) => {
        if (text !== 'connected' || !path.serverMemory) return;
        held = path.serverMemory(count);
        held.catch(() => undefined);
      },
    });
    const extra: Figures = { rssPeakMiB: peak / 2 ** 20 };
    const after = await held;
    if (before !== undefined && after !== undefined) extra.idleBytesPerConnection = (after - before) / count;
    return { ...figures, ...extra };
  } finally {
    clearInterval(sampler);
  }
}

/** One note per way of counting server memory, naming the paths that count that way. */
export function memoryNotes(paths: readonly BenchPath[]): string[] {
  const byCount = new Map<string, string[]>();
  for (const path of paths) {
    if (!path.memoryCounts) continue;
    byCount.set(path.memoryCounts, [...(byCount.get(path.memoryCounts) ?? []), PATH_LABELS[path.id]]);
  }
  return [...byCount].map(
    ([counts, labels]) => `Server memory per idle connection, ${labels.join(' and ')}: ${counts}.`,
  );
}
