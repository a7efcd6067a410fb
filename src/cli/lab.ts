// What the lab commands (serve, nc, ping, get) share: the flags that put a stack on a TUN device, the
// capture and trace decorators, the counters printed at exit, and a clean shutdown on SIGINT/SIGTERM.

import { Stack } from '../host.ts';
import type { Link } from '../link/link.ts';
import { withPcap } from '../link/pcap-link.ts';
import { TraceWriter } from '../trace/explain.ts';
import { formatCounters, formatSocketTable } from '../trace/ss.ts';
import { CliError, numberOption } from './args.ts';

export const LAB_OPTIONS = {
  tun: { type: 'string' },
  addr: { type: 'string' },
  'host-addr': { type: 'string' },
  mtu: { type: 'string' },
  netns: { type: 'string' },
  'no-offload': { type: 'boolean' },
  raw: { type: 'string' },
  ports: { type: 'string' },
  pcap: { type: 'string' },
  trace: { type: 'boolean' },
  'trace-format': { type: 'string' },
  stats: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const LAB_HELP = `common options:
  --tun NAME          TUN device to create (default ustack0)
  --addr CIDR         the stack's address (default 198.18.0.2/24)
  --host-addr CIDR    the kernel side of the TUN, configured by ustack (default 198.18.0.1/24)
  --mtu N             device MTU (default 1500)
  --netns NAME        create the device inside this network namespace (ip netns add NAME first)
  --no-offload        plain TUN: no checksum/segmentation offload (by default the kernel and ustack
                      exchange 64 KB TCP segments with partial checksums where the kernel supports it)
  --raw IFNAME        no TUN: share IFNAME's address (--addr) through raw sockets; run inside its namespace
  --ports MIN-MAX     with --raw, the ports the stack owns (default 61000-65535; an nftables rule stops
                      the kernel from resetting them)
  --pcap FILE         write every packet to a pcap file
  --trace             print one tcpdump-style line per packet on stderr
  --trace=explain     ... with why each packet was sent or what it did (state changes, timers, cwnd, drops)
  --trace=json        one JSON object per packet and per TCP event (for tools: ustack graph --cwnd)
  --stats             print the socket table (as ss -ti) and the counters (as netstat -s) at exit;
                      kill -USR1 <pid> prints the socket table at any time
  -h, --help          show this help
At exit, connections already closed get up to 10 s to deliver what they still hold (the kernel would
keep them after the process is gone; ustack's live in it). Needs root (CAP_NET_ADMIN) and /dev/net/tun.`;

export interface LabValues {
  tun?: string;
  addr?: string;
  'host-addr'?: string;
  mtu?: string;
  netns?: string;
  'no-offload'?: boolean;
  raw?: string;
  ports?: string;
  pcap?: string;
  trace?: boolean;
  'trace-format'?: string;
  stats?: boolean;
}

const wallClock = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

export async function openLabStack(values: LabValues): Promise<Stack> {
  const mtu = values.mtu === undefined ? undefined : numberOption('mtu', values.mtu, 1500, 68, 65535);
  const tracer = traceWriter(values);
  const wrap = (link: Link): Link => {
    let out = link;
    if (values.pcap) out = withPcap(out, values.pcap, wallClock);
    if (tracer) out = tracer.wrapLink(out, values.tun ?? 'ustack0');
    return out;
  };
  let stack: Stack;
  try {
    stack =
      values.raw !== undefined
        ? await openRawStack(values, values.raw, wrap, tracer)
        : await Stack.tun({
            name: values.tun ?? 'ustack0',
            addr: values.addr ?? '198.18.0.2/24',
            hostAddr: values['host-addr'] ?? '198.18.0.1/24',
            mtu,
            netns: values.netns,
            offload: values['no-offload'] ? false : undefined,
            wrapLink: wrap,
            trace: tracer && ((event) => tracer.tcpEvent(event)),
          });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (tracer) stack.core.stats.onDrop = (reason) => tracer.drop(reason);
  process.on('SIGUSR1', () => process.stderr.write(`${formatSocketTable(stack.core, stack.now())}\n`));
  return stack;
}

/** `--raw IFNAME`: share the interface's address through raw sockets; `--addr` names that address. */
function openRawStack(
  values: LabValues,
  ifname: string,
  wrap: (link: Link) => Link,
  tracer: TraceWriter | undefined,
) {
  if (values.addr === undefined)
    throw new CliError('--raw needs --addr: the address of the interface the stack shares');
  const range = /^(\d+)-(\d+)$/.exec(values.ports ?? '61000-65535');
  const ports = range ? { min: Number(range[1]), max: Number(range[2]) } : undefined;
  if (!ports || ports.min < 1 || ports.max > 65535 || ports.min > ports.max) {
    throw new CliError(`--ports must be MIN-MAX within 1-65535, got '${values.ports}'`);
  }
  return Stack.raw({
    ifname,
    addr: values.addr.split('/')[0]!,
    ports,
    wrapLink: wrap,
    trace: tracer && ((event) => tracer.tcpEvent(event)),
  });
}

function traceWriter(values: LabValues): TraceWriter | undefined {
  const format = values['trace-format'];
  if (!values.trace && format === undefined) return undefined;
  const mode = format ?? 'lines';
  if (mode !== 'lines' && mode !== 'explain' && mode !== 'json') {
    throw new CliError(`--trace takes no value, =explain or =json, got '${mode}'`);
  }
  return new TraceWriter(mode, (line) => process.stderr.write(`${line}\n`), wallClock);
}

/**
 * How long a lab command waits at exit for the connections it closed to deliver what they still hold. The
 * kernel would keep them after the process exits; past this the peer is taken to be gone.
 */
const CLOSING_TIMEOUT_MS = 10_000;

/**
 * Lets closed connections finish sending (for at most `closingTimeoutMs`), prints counters if asked, then
 * closes the stack (the TUN device disappears with its fd).
 */
export async function closeLabStack(
  stack: Stack,
  values: LabValues,
  closingTimeoutMs = CLOSING_TIMEOUT_MS,
): Promise<void> {
  // `nc -l` ends on the peer's EOF, possibly with its own last writes still queued behind the peer's window:
  // closing the stack at once left the peer waiting for them forever (FIN_WAIT_2, no RST, no more data).
  await stack.finishClosing(closingTimeoutMs);
  if (values.stats) {
    const table = formatSocketTable(stack.core, stack.now());
    process.stderr.write(`${table}\n\n${formatCounters(stack.core.stats.snapshot())}\n`);
  }
  await stack.close();
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
