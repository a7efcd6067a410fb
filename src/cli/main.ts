// `ustack` — the command line: one subcommand per job, each with --help.

import { CliError } from './args.ts';
import { runBench } from './bench.ts';
import { runDemo } from './demo.ts';
import { runGet } from './get.ts';
import { runGraph } from './graph.ts';
import { runNc } from './nc.ts';
import { runPacketdrill } from './packetdrill.ts';
import { runPing } from './ping.ts';
import { runServe } from './serve.ts';
import { runTrace } from './trace.ts';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  demo: {
    summary: 'two stacks on an in-memory link: an echo exchange, traced packet by packet',
    run: runDemo,
  },
  serve: { summary: 'echo/discard/chargen/daytime/UDP echo/HTTP services on a TUN device', run: runServe },
  nc: { summary: 'netcat over ustack (TCP or UDP, connect or listen)', run: runNc },
  ping: { summary: 'ICMP echo from the stack, as ping(8)', run: runPing },
  get: { summary: 'HTTP GET by node:http over ustack', run: runGet },
  trace: { summary: 'print a pcap as tcpdump -nn does, then a per-connection summary', run: runTrace },
  bench: {
    summary: 'ustack vs the kernel and lwIP: throughput, latency, connection rate, scaling',
    run: runBench,
  },
  packetdrill: { summary: 'run packetdrill .pkt TCP scripts against ustack in-process', run: runPacketdrill },
  graph: {
    summary: 'time-sequence graph (SVG/PNG) of a TCP connection; cwnd from --trace=json',
    run: runGraph,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return [
    'usage: ustack <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'ustack <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`ustack: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`ustack ${name}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
