import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { lossNotes, measure, type ServerLosses } from '../../bench/lib/measure.ts';
import type { BenchPath, PathId } from '../../bench/lib/paths.ts';
import { markdownReport } from '../../bench/lib/report.ts';
import { type BenchResults, type MetricSpec, rowsOf } from '../../bench/lib/results.ts';

// measure() over paths whose "client" is a node one-liner printing fixed figures: no root, no devices,
// unpinned only (no taskset). What is checked is what enters the results, not any timing.
const cps: MetricSpec = {
  key: 'connrate-1',
  title: 'Connect + echo + close',
  unit: 'connections/s',
  higherIsBetter: true,
};

function fixedPath(id: PathId, figures: Record<string, number>, extra: Partial<BenchPath> = {}): BenchPath {
  return {
    id,
    clientArgv: () => [process.execPath, '-e', `console.log(${JSON.stringify(JSON.stringify(figures))})`],
    close: async () => undefined,
    ...extra,
  };
}

function emptyResults(): BenchResults {
  return {
    date: '2025-01-01T00-00-00',
    host: { cpus: 2, node: '20.0.0', kernel: '6.1.0' },
    options: { runs: 2, quick: true },
    cells: [],
    micro: [],
    notes: [],
  };
}

const plan = { runs: 2, seconds: 0, pins: [false], progress: () => undefined };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('measure', () => {
  it('keeps true figures, turns zeros into failed runs and marks what a stack cannot do', async () => {
    const results = emptyResults();
    const limit = 'lwIPv6: one connecting client at a time';
    const paths = [
      fixedPath('veth', { cps: 0 }),
      fixedPath('ustack-tun', { cps: 500 }),
      fixedPath('lwip-tun', { cps: 100 }, { unsupported: () => limit }),
    ];
    await measure(
      results,
      paths,
      { mode: 'connrate', count: 64, seconds: 0, metrics: [['cps', cps]] },
      plan,
      new Map(),
    );

    const rows = rowsOf(results, cps.key);
    expect(rows.map((r) => r.path)).toEqual(['veth', 'ustack-tun', 'lwip-tun']);
    const [kernel, ustack, lwip] = rows;
    expect(kernel!.unpinned).toBeUndefined();
    expect(kernel!.errors).toEqual([
      'cps was 0: nothing completed, so no figure',
      'cps was 0: nothing completed, so no figure',
    ]);
    expect(ustack!.unpinned).toEqual({ median: 500, min: 500, max: 500, runs: 2 });
    expect(lwip!.unpinned).toBeUndefined();
    expect(results.cells.find((c) => c.path === 'lwip-tun')!.notMeasured).toBe(limit);
    expect(results.notes).toEqual([limit]);

    const md = markdownReport(results, 'chart.svg');
    expect(md).toContain('| kernel↔kernel veth, offloads off | — | — |  |  |');
    expect(md).toContain('| kernel↔lwIPv6 TUN | — | — |  |  |');
  }, 30_000);

  it('fails a run whose server died, restarts it and says so in a note', async () => {
    const results = emptyResults();
    const losses: ServerLosses = new Map();
    let revived = 0;
    // A real process stands in for the server, so that pinning it touches nothing else.
    const stand = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    cleanups.push(() => stand.kill());
    const server = { pid: stand.pid!, alive: false, stop: async () => undefined };
    const path = fixedPath(
      'lwip-tun',
      { cps: 100 },
      {
        server: server as unknown as BenchPath['server'],
        revive: async () => {
          revived++;
          return false;
        },
      },
    );
    await measure(
      results,
      [path],
      { mode: 'connrate', count: 1, seconds: 0, metrics: [['cps', cps]] },
      plan,
      losses,
    );
    server.alive = true;
    await measure(
      results,
      [path],
      { mode: 'connrate', count: 1, seconds: 0, metrics: [['cps', cps]] },
      plan,
      losses,
    );

    const cell = results.cells[0]!;
    expect(cell.values).toEqual([undefined, undefined, 100, 100]);
    expect(cell.errors).toEqual(['the server died during the run', 'the server died during the run']);
    expect(revived).toBe(4);
    expect(lossNotes(losses)).toEqual([
      'kernel↔lwIPv6 TUN: the server crashed in 2 run(s) and hung in 0; each was started again and its run ' +
        'counts as failed.',
    ]);
  }, 30_000);
});
