// `ustack bench`: ustack against the kernel and lwIP, side by side in one run (issue 6). Each step builds
// its labs in namespaces of its own (bench/lib/paths.ts), alternates the paths run by run, pinned to one
// vCPU and not, and the report gives ratios pair by pair within the run (bench/lib/results.ts).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { chartSvg } from '../../bench/lib/chart.ts';
import { runMicro } from '../../bench/lib/micro.ts';
import {
  type BenchPath,
  buildLwipPeer,
  type ClientMode,
  lwipTunPath,
  lwipUnavailable,
  memoryPath,
  ustackTunPath,
  vethPath,
} from '../../bench/lib/paths.ts';
import { type Figures, placed, ROOT, rssBytes, runClient, setPinned } from '../../bench/lib/processes.ts';
import { markdownReport, textReport } from '../../bench/lib/report.ts';
import type { BenchResults, Cell, MetricSpec } from '../../bench/lib/results.ts';
import { CliError, numberOption, parseCommandArgs } from './args.ts';

const STEPS = ['bulk', 'rr', 'connrate', 'scaling', 'memory', 'micro'] as const;
type Step = (typeof STEPS)[number];

const HELP = `usage: ustack bench [--quick] [--only STEP] [--runs N] [--out DIR] [--no-unpinned]

Benchmarks ustack over TUN against the kernel (veth pair, offloads on and off), lwIPv6 over the same TUN
path and ustack against itself in memory; prints a table per metric with ratios computed within the run,
and writes DIR/<date>.json, DIR/<date>.md and DIR/<date>.svg (DIR default: bench/results).

steps (--only): ${STEPS.join(', ')}
  --quick        2 short runs per figure (CI smoke, development)
  --runs N       runs per figure (default 5)
  --out DIR      where the results go
  --no-unpinned  skip the unpinned figures
Needs root, iproute2, python3, ethtool; lwIP needs liblwipv6-dev and cc. Uses only 198.18.0.0/15.`;

interface Plan {
  runs: number;
  seconds: number;
  pins: boolean[];
  progress: (line: string) => void;
}

interface Measurement {
  mode: ClientMode;
  count: number;
  seconds: number;
  /** Figures of the client's JSON (and 'rssPeakMiB'/'idleBytesPerConnection' when sampled) to keep. */
  metrics: [figure: string, MetricSpec][];
  sampleMemory?: boolean;
}

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string' },
    'no-unpinned': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const only = values.only as Step | undefined;
  if (only !== undefined && !STEPS.includes(only))
    throw new CliError(`unknown step '${only}' (${STEPS.join(', ')})`);
  const quick = values.quick ?? false;
  const runs = values.runs === undefined ? (quick ? 2 : 5) : numberOption('runs', values.runs, 5, 1, 100);
  const plan: Plan = {
    runs,
    seconds: quick ? 0.5 : 1.5,
    pins: values['no-unpinned'] ? [true] : [true, false],
    progress: (line) => console.error(`[bench] ${line}`),
  };
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\..*/, '').replace(/:/g, '-'),
    host: { cpus: cpus().length, node: process.versions.node, kernel: release() },
    options: { runs, quick, only },
    cells: [],
    micro: [],
    notes: [],
  };
  const wants = (step: Step): boolean => only === undefined || only === step;

  const lwipBinary = await prepareLwip(results.notes, plan);
  for (const mtu of [1500, 65535]) {
    const steps = mtu === 1500 ? (['bulk', 'rr', 'connrate', 'scaling'] as Step[]) : (['bulk'] as Step[]);
    if (!steps.some(wants)) continue;
    const paths = await openPaths(mtu, mtu === 1500 ? lwipBinary : undefined, plan);
    try {
      if (wants('bulk')) await bulk(results, paths, mtu, plan);
      if (mtu === 1500 && wants('rr')) await requestResponse(results, paths, plan);
      if (mtu === 1500 && wants('connrate')) await connectionRate(results, paths, plan);
      if (mtu === 1500 && wants('scaling')) await scaling(results, paths, plan);
    } finally {
      for (const path of paths) await path.close();
    }
  }
  if (lwipBinary !== undefined)
    results.notes.push(
      'lwIP was measured at MTU 1500 only (its TUN interface is set up at the default MTU).',
    );
  for (const [path, count] of restarts)
    results.notes.push(`${path}: the server died ${count} time(s) during the run and was started again.`);
  if (wants('memory')) await idleMemory(results, plan);
  if (wants('micro')) results.micro = await runMicro(quick, true, plan.progress);

  console.log(textReport(results));
  const out = values.out ?? join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  const base = join(out, results.date);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.svg`, chartSvg(results));
  writeFileSync(`${base}.md`, markdownReport(results, `${results.date}.svg`));
  plan.progress(`wrote ${base}.json, .md and .svg`);
  return 0;
}

async function prepareLwip(notes: string[], plan: Plan): Promise<string | undefined> {
  const missing = lwipUnavailable();
  if (missing) {
    notes.push(`lwIP not measured: ${missing}.`);
    return undefined;
  }
  try {
    plan.progress('building bench/peers/lwip-peer.c against liblwipv6');
    return await buildLwipPeer();
  } catch (error) {
    notes.push(`lwIP not measured: lwip-peer.c did not build: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

async function openPaths(mtu: number, lwipBinary: string | undefined, plan: Plan): Promise<BenchPath[]> {
  plan.progress(`setting up the labs at MTU ${mtu}`);
  const paths: BenchPath[] = [];
  try {
    paths.push(await vethPath(mtu, true), await vethPath(mtu, false), await ustackTunPath(mtu));
    if (lwipBinary) paths.push(await lwipTunPath(lwipBinary));
    paths.push(memoryPath(mtu));
  } catch (error) {
    for (const path of paths) await path.close();
    throw error;
  }
  return paths;
}

/** Servers that died during the run and were started again, by path (reported in the notes). */
const restarts = new Map<string, number>();

/** Runs one measurement on every path, run after run, pinned and unpinned, alternating the paths. */
async function measure(results: BenchResults, paths: BenchPath[], m: Measurement, plan: Plan) {
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
  for (let run = 0; run < plan.runs; run++) {
    for (const pin of plan.pins) {
      const line: string[] = [];
      for (const path of paths) {
        let figures: Figures | undefined;
        try {
          figures = await measureOnce(path, m, pin);
        } catch (error) {
          for (const [, metric] of m.metrics) cell(metric, path, pin).errors.push((error as Error).message);
        }
        for (const [figure, metric] of m.metrics) cell(metric, path, pin).values.push(figures?.[figure]);
        const firstFigure = m.metrics[0]![0];
        line.push(`${path.id} ${figures ? figures[firstFigure]!.toPrecision(3) : 'failed'}`);
      }
      plan.progress(
        `${m.metrics[0]![1].title}, run ${run + 1}/${plan.runs}${pin ? ' pinned' : ''}: ${line.join(', ')}`,
      );
    }
  }
}

async function measureOnce(path: BenchPath, m: Measurement, pin: boolean): Promise<Figures> {
  if (await path.revive?.()) restarts.set(path.id, (restarts.get(path.id) ?? 0) + 1);
  if (path.server) await setPinned(path.server.pid, pin);
  const argv = placed(path.clientArgv(m.mode, m.seconds, m.count), { netns: path.clientNetns, pin });
  const timeoutMs = (m.seconds + 15 + m.count / 50) * 1000;
  if (!m.sampleMemory) return runClient(argv, { timeoutMs });
  // Memory is the server's (the in-memory client holds both stacks): before, once connected, at peak.
  let pid = path.server?.pid;
  const baseline = pid === undefined ? undefined : rssBytes(pid);
  let idle: number | undefined;
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
        if (text === 'connected' && pid !== undefined) idle = rssBytes(pid);
      },
    });
    const extra: Figures = { rssPeakMiB: peak / 2 ** 20 };
    if (baseline !== undefined && idle !== undefined)
      extra.idleBytesPerConnection = (idle - baseline) / m.count;
    return { ...figures, ...extra };
  } finally {
    clearInterval(sampler);
  }
}

const gbps = (key: string, title: string): MetricSpec => ({
  key,
  title,
  unit: 'Gbit/s',
  higherIsBetter: true,
});

async function bulk(results: BenchResults, paths: BenchPath[], mtu: number, plan: Plan) {
  const seconds = plan.seconds;
  const into = gbps(`bulk-in-${mtu}`, `Bulk kernel → stack, MTU ${mtu}`);
  const out = gbps(`bulk-out-${mtu}`, `Bulk stack → kernel, MTU ${mtu}`);
  await measure(results, paths, { mode: 'send', count: 1, seconds, metrics: [['gbps', into]] }, plan);
  await measure(results, paths, { mode: 'recv', count: 1, seconds, metrics: [['gbps', out]] }, plan);
}

async function requestResponse(results: BenchResults, paths: BenchPath[], plan: Plan) {
  for (const proto of ['tcp', 'udp'] as const) {
    const name = proto.toUpperCase();
    const metrics: [string, MetricSpec][] = [
      [
        'rtps',
        {
          key: `rr-${proto}`,
          title: `${name} 1-byte ping-pong`,
          unit: 'round trips/s',
          higherIsBetter: true,
        },
      ],
      [
        'p50us',
        { key: `rr-${proto}-p50`, title: `${name} ping-pong p50`, unit: 'µs', higherIsBetter: false },
      ],
      [
        'p99us',
        { key: `rr-${proto}-p99`, title: `${name} ping-pong p99`, unit: 'µs', higherIsBetter: false },
      ],
    ];
    await measure(results, paths, { mode: `rr-${proto}`, count: 1, seconds: plan.seconds, metrics }, plan);
  }
}

async function connectionRate(results: BenchResults, paths: BenchPath[], plan: Plan) {
  for (const clients of [1, 64]) {
    const metric: MetricSpec = {
      key: `connrate-${clients}`,
      title: `Connect + 1-byte echo + close, ${clients} client${clients > 1 ? 's' : ''} at a time`,
      unit: 'connections/s',
      higherIsBetter: true,
    };
    await measure(
      results,
      paths,
      { mode: 'connrate', count: clients, seconds: plan.seconds, metrics: [['cps', metric]] },
      plan,
    );
  }
}

async function scaling(results: BenchResults, paths: BenchPath[], plan: Plan) {
  const scaled: Plan = { ...plan, runs: Math.max(1, Math.ceil(plan.runs / 2)) };
  for (const count of [1, 10, 100, 1000]) {
    const metrics: [string, MetricSpec][] = [
      ['gbps', gbps(`scale-${count}`, `Aggregate bulk over ${count} connection${count > 1 ? 's' : ''}`)],
      [
        'rssPeakMiB',
        {
          key: `scale-${count}-rss`,
          title: `Server RSS at peak, ${count} connections`,
          unit: 'MiB',
          higherIsBetter: false,
        },
      ],
    ];
    if (count === 1000)
      metrics.push([
        'idleBytesPerConnection',
        {
          key: 'idle-rss',
          title: 'Server RSS per idle connection (1000 held)',
          unit: 'bytes',
          higherIsBetter: false,
        },
      ]);
    await measure(
      results,
      paths,
      { mode: 'scale', count, seconds: plan.seconds + 1, metrics, sampleMemory: true },
      scaled,
    );
  }
}

/** Heap + external bytes per idle established connection, both ends in one process (after a full GC). */
async function idleMemory(results: BenchResults, plan: Plan) {
  const metric: MetricSpec = {
    key: 'idle-heap',
    title: 'ustack heap + buffers per idle established connection (both ends)',
    unit: 'bytes',
    higherIsBetter: false,
  };
  await measure(
    results,
    [memoryPath(1500)],
    { mode: 'idle', count: 1000, seconds: 0, metrics: [['bytesPerConnection', metric]] },
    { ...plan, runs: 1, pins: [true] },
  );
}
