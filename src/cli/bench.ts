// `ustack bench`: ustack against the kernel and lwIP, side by side in one run (issue 6). Each step builds
// its labs in namespaces of its own (bench/lib/paths.ts), alternates the paths run by run, pinned to one
// vCPU and not, and the report gives ratios pair by pair within the run (bench/lib/results.ts).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { chartSvg } from '../../bench/lib/chart.ts';
import {
  lossNotes,
  type Measurement,
  measure,
  memoryNotes,
  type Plan,
  type ServerLosses,
} from '../../bench/lib/measure.ts';
import { runMicro } from '../../bench/lib/micro.ts';
import {
  type BenchPath,
  buildLwipPeer,
  lwipTunPath,
  lwipUnavailable,
  memoryPath,
  ustackTunPath,
  vethPath,
} from '../../bench/lib/paths.ts';
import { ROOT } from '../../bench/lib/processes.ts';
import { markdownReport, textReport } from '../../bench/lib/report.ts';
import type { BenchResults, MetricSpec } from '../../bench/lib/results.ts';
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

/** What every step writes into and runs by. */
interface Run {
  results: BenchResults;
  plan: Plan;
  losses: ServerLosses;
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
  const run: Run = { results, plan, losses: new Map() };
  const wants = (step: Step): boolean => only === undefined || only === step;

  const lwipSteps: Step[] = ['bulk', 'rr', 'connrate', 'scaling'];
  const lwipBinary = lwipSteps.some(wants) ? await prepareLwip(results.notes, plan) : undefined;
  for (const mtu of [1500, 65535]) {
    const steps: Step[] = mtu === 1500 ? lwipSteps : ['bulk'];
    if (!steps.some(wants)) continue;
    const paths = await openPaths(mtu, mtu === 1500 ? lwipBinary : undefined, plan);
    try {
      if (wants('bulk')) await bulk(run, paths, mtu);
      if (mtu === 1500 && wants('rr')) await requestResponse(run, paths);
      if (mtu === 1500 && wants('connrate')) await connectionRate(run, paths);
      if (mtu === 1500 && wants('scaling')) await scaling(run, paths);
    } finally {
      for (const path of paths) await path.close();
    }
  }
  if (lwipBinary !== undefined)
    results.notes.push(
      'lwIP was measured at MTU 1500 only (its TUN interface is set up at the default MTU).',
    );
  results.notes.push(...lossNotes(run.losses));
  if (wants('memory')) await idleMemory(run);
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
    paths.push(await ustackTunPath(mtu, false));
    if (lwipBinary) paths.push(await lwipTunPath(lwipBinary));
    paths.push(memoryPath(mtu));
  } catch (error) {
    for (const path of paths) await path.close();
    throw error;
  }
  return paths;
}

function step(run: Run, paths: BenchPath[], m: Measurement, plan = run.plan): Promise<void> {
  return measure(run.results, paths, m, plan, run.losses);
}

const gbps = (key: string, title: string): MetricSpec => ({
  key,
  title,
  unit: 'Gbit/s',
  higherIsBetter: true,
});

async function bulk(run: Run, paths: BenchPath[], mtu: number) {
  const seconds = run.plan.seconds;
  const into = gbps(`bulk-in-${mtu}`, `Bulk kernel → stack, MTU ${mtu}`);
  const out = gbps(`bulk-out-${mtu}`, `Bulk stack → kernel, MTU ${mtu}`);
  await step(run, paths, { mode: 'send', count: 1, seconds, metrics: [['gbps', into]] });
  await step(run, paths, { mode: 'recv', count: 1, seconds, metrics: [['gbps', out]] });
}

async function requestResponse(run: Run, paths: BenchPath[]) {
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
    await step(run, paths, { mode: `rr-${proto}`, count: 1, seconds: run.plan.seconds, metrics });
  }
}

async function connectionRate(run: Run, paths: BenchPath[]) {
  for (const clients of [1, 64]) {
    const metric: MetricSpec = {
      key: `connrate-${clients}`,
      title: `Connect + 1-byte echo + close both ways, ${clients} client${clients > 1 ? 's' : ''} at a time`,
      unit: 'connections/s',
      higherIsBetter: true,
    };
    await step(run, paths, {
      mode: 'connrate',
      count: clients,
      seconds: run.plan.seconds,
      metrics: [['cps', metric]],
    });
  }
}

async function scaling(run: Run, paths: BenchPath[]) {
  const scaled: Plan = { ...run.plan, runs: Math.max(1, Math.ceil(run.plan.runs / 2)) };
  for (const count of [1, 10, 100, 1000]) {
    const metrics: [string, MetricSpec][] = [
      ['gbps', gbps(`scale-${count}`, `Aggregate bulk over ${count} connection${count > 1 ? 's' : ''}`)],
      [
        'rssPeakMiB',
        {
          key: `scale-${count}-rss`,
          title: `Server process RSS at peak, ${count} connection${count > 1 ? 's' : ''} (no kernel memory)`,
          unit: 'MiB',
          higherIsBetter: false,
          ratios: false,
        },
      ],
    ];
    if (count >= 100)
      metrics.push([
        'idleBytesPerConnection',
        {
          key: `idle-${count}`,
          title: `Server memory per idle connection (${count} held)`,
          unit: 'bytes',
          higherIsBetter: false,
          ratios: false,
        },
      ]);
    await step(
      run,
      paths,
      { mode: 'scale', count, seconds: run.plan.seconds + 1, metrics, sampleMemory: true },
      scaled,
    );
  }
  run.results.notes.push(
    ...memoryNotes(paths),
    'Server process RSS at peak is the server process alone (for ustack↔ustack in memory, the one process ' +
      "holding both stacks and the client); the kernel's socket memory is in no process's RSS. ustack↔ustack " +
      'in memory has no server of its own: its memory per connection is the "both ends" table. Memory ' +
      'tables have no ratios: the paths count different things.',
  );
}

/** Heap + external bytes per idle established connection, both ends in one process (after full GCs). */
async function idleMemory(run: Run) {
  const metric: MetricSpec = {
    key: 'idle-heap',
    title: 'ustack heap + buffers per idle established connection (both ends)',
    unit: 'bytes',
    higherIsBetter: false,
    ratios: false,
  };
  await step(
    run,
    [memoryPath(1500)],
    { mode: 'idle', count: 1000, seconds: 0, metrics: [['bytesPerConnection', metric]] },
    { ...run.plan, runs: 1, pins: [true] },
  );
}
