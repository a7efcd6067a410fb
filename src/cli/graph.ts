// `ustack graph`: the time-sequence graph of a TCP connection in a capture, and cwnd over time from a
// `--trace=json` file, as SVG files written by hand (src/trace/graph), optionally turned into PNG by
// rsvg-convert.

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { TcpConnection } from '../trace/graph/connections.ts';
import { buildCwndSeries, connectionsByCwndEvents, parseTrace } from '../trace/graph/cwnd.ts';
import { renderCwnd } from '../trace/graph/cwnd-svg.ts';
import { DEFAULT_SIZE, type GraphSize } from '../trace/graph/plot.ts';
import { annotateConnection } from '../trace/graph/sequence-space.ts';
import { renderTimeSequence, type TimeSpan } from '../trace/graph/sequence-svg.ts';
import { buildTimeSequence, dataSenderIsClient } from '../trace/graph/time-sequence.ts';
import { captureFlows, formatFlowSummary, summarizeFlows } from '../trace/summary.ts';
import { CliError, numberOption, parseCommandArgs } from './args.ts';
import { readCapture } from './trace.ts';

const run = promisify(execFile);

const HELP = `usage: ustack graph CAPTURE.pcap [-o FILE.svg] [--png] [--conn N | --port P] [--reverse]
       ustack graph CAPTURE.pcap --list
       ustack graph --cwnd TRACE.jsonl [-o FILE.svg] [--png] [--conn ID]

Draws the time-sequence graph of one TCP connection (as in Stevens' TCP/IP Illustrated and tcptrace):
time to the right, the data sender's sequence numbers up. Each data segment is a vertical bar; a
retransmission is red and marked R, with a note saying what triggered it; the green step line is the
receiver's cumulative ACK, the amber one the right edge of its advertised window; purple bars are SACK
blocks, orange dots duplicate ACKs. SYN, FIN and RST are labelled.

With --cwnd, draws the congestion window and ssthresh over time from what '--trace=json' wrote (its TCP
events; packet and drop records are passed over). Given a capture as well, that graph goes to
FILE.cwnd.svg beside FILE.svg.

options:
  -o, --output FILE  the SVG to write (default seq.svg, or cwnd.svg for --cwnd alone)
  --png              also write FILE.png, converted by rsvg-convert (Debian: apt-get install librsvg2-bin)
  --list             print the capture's TCP connections, numbered, and stop
  --conn N           the connection numbered N by --list (default: the one that carried most data);
                     with --cwnd alone, the connection id in the trace (default: the one with most events)
  --port P           the connection using port P (the one with most data, if several do)
  --reverse          graph the direction that carried less data (default: the one that carried more)
  --from S, --to S   zoom: draw only this time range, in seconds since the connection's first packet
                     (e.g. --from 0.015 --to 0.06 to watch one loss and its recovery)
  --width N          image width in pixels (default ${DEFAULT_SIZE.width})
  --height N         image height in pixels (default ${DEFAULT_SIZE.height})
  -h, --help         show this help`;

function dataBytes(connection: TcpConnection): number {
  return connection.packets.reduce((sum, p) => sum + p.payloadLength, 0);
}

/** The connection --conn or --port names, or the one that carried the most data. */
export function pickConnection(
  connections: readonly TcpConnection[],
  conn: number | undefined,
  port: number | undefined,
): TcpConnection | string {
  if (connections.length === 0) return 'the capture holds no TCP connection';
  if (conn !== undefined) {
    return (
      connections[conn - 1] ?? `no connection ${conn}: the capture has ${connections.length} (see --list)`
    );
  }
  const candidates =
    port === undefined
      ? connections
      : connections.filter((c) => c.client.port === port || c.server.port === port);
  if (candidates.length === 0) return `no TCP connection uses port ${port} (see --list)`;
  return candidates.reduce((best, c) => (dataBytes(c) > dataBytes(best) ? c : best));
}

/** The --from/--to zoom, in seconds; undefined for the whole connection. */
function timeSpan(from: string | undefined, to: string | undefined, duration: number): TimeSpan | undefined {
  if (from === undefined && to === undefined) return undefined;
  const span = {
    from: numberOption('from', from, 0, 0, 1e6),
    to: numberOption('to', to, duration, 0, 1e6),
  };
  if (span.to <= span.from)
    throw new CliError(`--to (${span.to} s) must be later than --from (${span.from} s)`);
  return span;
}

/** FILE.svg → FILE.png (or FILE.cwnd.svg beside it): the extension swapped, or added when there is none. */
export function siblingPath(svgPath: string, suffix: string): string {
  return svgPath.toLowerCase().endsWith('.svg') ? svgPath.slice(0, -4) + suffix : svgPath + suffix;
}

async function writeSvg(path: string, svg: string, png: boolean): Promise<boolean> {
  await writeFile(path, svg);
  console.log(`wrote ${path}`);
  if (!png) return true;
  const pngPath = siblingPath(path, '.png');
  try {
    await run('rsvg-convert', ['-o', pngPath, path]);
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      console.error(
        'ustack graph: --png needs rsvg-convert, which is not installed (Debian: apt-get install librsvg2-bin); ' +
          `${path} is written, open it in a browser`,
      );
    } else {
      console.error(
        `ustack graph: rsvg-convert failed on ${path}: ${(failure.stderr ?? failure.message).trim()}`,
      );
    }
    return false;
  }
  console.log(`wrote ${pngPath}`);
  return true;
}

async function graphCwnd(
  tracePath: string,
  output: string,
  conn: number | undefined,
  size: GraphSize,
  png: boolean,
): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(tracePath, 'utf8');
  } catch (error) {
    console.error(`ustack graph: cannot read ${tracePath}: ${(error as Error).message}`);
    return false;
  }
  const trace = parseTrace(text);
  if (trace.problems.length > 0) {
    const first = trace.problems[0]!;
    console.error(
      `ustack graph: skipped ${trace.problems.length} line(s) of ${tracePath} that are not TCP events ` +
        `(first: line ${first.line}, ${first.reason})`,
    );
  }
  const busiest = connectionsByCwndEvents(trace.events);
  const id = conn ?? busiest[0];
  if (id === undefined || !busiest.includes(id)) {
    const which = id === undefined ? 'any connection' : `connection ${id}`;
    console.error(`ustack graph: ${tracePath} has no cwnd events for ${which}`);
    return false;
  }
  return writeSvg(output, renderCwnd(buildCwndSeries(trace, id), size), png);
}

export async function runGraph(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      output: { type: 'string', short: 'o' },
      png: { type: 'boolean' },
      list: { type: 'boolean' },
      conn: { type: 'string' },
      port: { type: 'string' },
      reverse: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      cwnd: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new CliError(`expected one capture file, got ${positionals.length}`);
  const capturePath = positionals[0];
  if (capturePath === undefined && values.cwnd === undefined) {
    throw new CliError('expected a capture file, or --cwnd TRACE.jsonl (see --help)');
  }
  if (values.conn !== undefined && values.port !== undefined)
    throw new CliError('give --conn or --port, not both');
  const conn = values.conn === undefined ? undefined : numberOption('conn', values.conn, 0, 0, 2 ** 32);
  const port = values.port === undefined ? undefined : numberOption('port', values.port, 0, 1, 65535);
  const size = {
    width: numberOption('width', values.width, DEFAULT_SIZE.width, 400, 10_000),
    height: numberOption('height', values.height, DEFAULT_SIZE.height, 300, 10_000),
  };
  const png = values.png === true;

  if (capturePath === undefined) {
    return (await graphCwnd(values.cwnd!, values.output ?? 'cwnd.svg', conn, size, png)) ? 0 : 1;
  }
  const capture = await readCapture('graph', capturePath);
  if (capture === undefined) return 1;
  const { flows } = captureFlows(capture.records);
  if (values.list) {
    const tcp = summarizeFlows({ tcp: flows.tcp, udp: [] });
    if (tcp.length === 0) console.log('no TCP connections');
    for (const summary of tcp) console.log(formatFlowSummary(summary).join('\n'));
    return 0;
  }
  const connection = pickConnection(flows.tcp, conn, port);
  if (typeof connection === 'string') {
    console.error(`ustack graph: ${capturePath}: ${connection}`);
    return 1;
  }
  const busier = dataSenderIsClient(annotateConnection(connection));
  const graph = buildTimeSequence(connection, values.reverse ? !busier : busier);
  const output = values.output ?? 'seq.svg';
  let ok = await writeSvg(
    output,
    renderTimeSequence(graph, size, timeSpan(values.from, values.to, graph.duration)),
    png,
  );
  if (values.cwnd !== undefined) {
    // The trace's connection ids are the stack's own, unrelated to the capture's numbering.
    ok = (await graphCwnd(values.cwnd, siblingPath(output, '.cwnd.svg'), undefined, size, png)) && ok;
  }
  return ok ? 0 : 1;
}
