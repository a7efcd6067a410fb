// What the lab commands (serve, nc, ping, get) share: the flags that put a stack on a TUN device, the
// capture and trace decorators, the counters printed at exit, and a clean shutdown on SIGINT/SIGTERM.

import { Stack } from '../host.ts';
import type { Link } from '../link/link.ts';
import { withPcap } from '../link/pcap-link.ts';
import { withTracer } from '../link/tracer.ts';
import { CliError, numberOption } from './args.ts';

export const LAB_OPTIONS = {
  tun: { type: 'string' },
  addr: { type: 'string' },
  'host-addr': { type: 'string' },
  mtu: { type: 'string' },
  netns: { type: 'string' },
  raw: { type: 'string' },
  pcap: { type: 'string' },
  trace: { type: 'boolean' },
  stats: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const LAB_HELP = `common options:
  --tun NAME          TUN device to create (default ustack0)
  --addr CIDR         the stack's address (default 198.18.0.2/24)
  --host-addr CIDR    the kernel side of the TUN, configured by ustack (default 198.18.0.1/24)
  --mtu N             device MTU (default 1500)
  --netns NAME        create the device inside this network namespace (ip netns add NAME first)
  --pcap FILE         write every packet to a pcap file
  --trace             print one tcpdump-style line per packet on stderr
  --stats             print the stack's counters at exit
  -h, --help          show this help
Needs root (CAP_NET_ADMIN) and /dev/net/tun.`;

export interface LabValues {
  tun?: string;
  addr?: string;
  'host-addr'?: string;
  mtu?: string;
  netns?: string;
  raw?: string;
  pcap?: string;
  trace?: boolean;
  stats?: boolean;
}

const wallClock = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

export async function openLabStack(values: LabValues): Promise<Stack> {
  if (values.raw !== undefined) {
    throw new CliError('--raw (the raw-socket link) is not available yet; use the TUN device (the default)');
  }
  const mtu = values.mtu === undefined ? undefined : numberOption('mtu', values.mtu, 1500, 68, 65535);
  const wrap = (link: Link): Link => {
    let out = link;
    if (values.pcap) out = withPcap(out, values.pcap, wallClock);
    if (values.trace)
      out = withTracer(out, (line) => process.stderr.write(`${line}\n`), wallClock, values.tun ?? 'ustack0');
    return out;
  };
  try {
    return await Stack.tun({
      name: values.tun ?? 'ustack0',
      addr: values.addr ?? '198.18.0.2/24',
      hostAddr: values['host-addr'] ?? '198.18.0.1/24',
      mtu,
      netns: values.netns,
      wrapLink: wrap,
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** Prints counters if asked, then closes the stack (the TUN device disappears with its fd). */
export async function closeLabStack(stack: Stack, values: LabValues): Promise<void> {
  if (values.stats) {
    const counters = stack.core.stats.snapshot();
    process.stderr.write('counters:\n');
    for (const [name, value] of Object.entries(counters))
      process.stderr.write(`  ${name.padEnd(32)} ${value}\n`);
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
