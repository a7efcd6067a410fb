// Runs one tutorial program of docs/tour.md, traced:
//
//   npx tsx examples/run.ts <echo|udp-echo|chat> [--tun] [--pcap FILE] [--trace[=explain|json]] [--seed N]
//
// Without --tun both ends are ustack stacks on the in-memory pair (no root): the server program of
// examples/ on 198.18.0.2, its client on 198.18.0.1. With --tun the server program runs on a ustack behind
// a TUN device in a network namespace this runner creates, and the client is the Python original from
// docs/python/, run by the kernel inside that namespace (python3, 198.18.0.1). The namespace, the device
// and the Python processes are removed at exit, whatever happened.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CliError, numberOption, parseCommandArgs } from '../src/cli/args.ts';
import { Stack } from '../src/host.ts';
import type { Link } from '../src/link/link.ts';
import { createNamespace, deleteNamespace, runCommand, uniqueNamespaceName } from '../src/link/netns.ts';
import { withPcap } from '../src/link/pcap-link.ts';
import { AF_INET, SOCK_STREAM } from '../src/socket/constants.ts';
import type { TcpEvent } from '../src/tcp/events.ts';
import { describeEvent, TraceWriter } from '../src/trace/explain.ts';
import { TcpdumpFormatter } from '../src/trace/tcpdump.ts';
import { chatServer } from './chat-room.ts';
import { echoClient } from './echo-client.ts';
import { echoServer } from './echo-server.ts';
import { udpEchoClient, udpEchoServer } from './udp-echo.ts';

const HELP = `usage: npx tsx examples/run.ts <echo|udp-echo|chat> [--tun] [--pcap FILE] [--trace[=explain|json]]
                                                      [--seed N]

Runs a tutorial program of docs/tour.md with its server on ustack (198.18.0.2):
  echo      TCP echo server (port 50007) and client: one 'Hello, world' there and back
  udp-echo  UDP echo server (port 9999) and client: three datagrams there and back
  chat      select()-based chat room (port 5555): three members join, one speaks, all leave

options:
  --tun             run the client as the Python original (docs/python/) in the kernel, over a TUN
                    device in a network namespace made for the run (needs root)
  --pcap FILE       capture every packet (for 'ustack trace FILE' and 'ustack graph FILE')
  --trace           print each packet, explained, on stderr; --trace=json for one JSON object per line
  --seed N          seed for ISNs and ports on the in-memory pair (default 1): the same seed, the same run
  -h, --help        show this help`;

export const PROGRAMS = ['echo', 'udp-echo', 'chat'] as const;
export type Program = (typeof PROGRAMS)[number];

export const SERVER_ADDR = '198.18.0.2';
export const PORTS: Record<Program, number> = { echo: 50007, 'udp-echo': 9999, chat: 5555 };
const UDP_MESSAGES = ['a', 'bb', 'ccc'];
const CHAT_MEMBERS = 3;
const CHAT_LINE = 'hello from the room';

const PYTHON_DIR = fileURLToPath(new URL('../docs/python/', import.meta.url));

export interface RunOptions {
  program: Program;
  tun?: boolean;
  pcap?: string;
  trace?: 'explain' | 'json';
  seed?: number;
  /** Where the programs' own output goes (default: stdout). */
  print?: (line: string) => void;
  /** Where trace lines go (default: stderr). */
  traceLine?: (line: string) => void;
}

/** Runs the program to its end; resolves with what the programs printed. */
export async function runTutorial(options: RunOptions): Promise<string[]> {
  const printed: string[] = [];
  const sink = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const print = (line: string): void => {
    printed.push(line);
    sink(line);
  };
  if (options.tun) await runOverTun(options, print);
  else await runOnPair(options, print);
  return printed;
}

// ---- the embedded pair ------------------------------------------------------------------------------

async function runOnPair(options: RunOptions, print: (line: string) => void): Promise<void> {
  const traceLine = options.traceLine ?? ((line: string) => process.stderr.write(`${line}\n`));
  const start = performance.now();
  const elapsed = (): number => Math.round((performance.now() - start) * 1000);
  const wallClock = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
  const formatter = new TcpdumpFormatter();
  const side = (s: 0 | 1): string => (s === 0 ? 'client' : 'server');

  // Each packet is traced once, when its sender hands it to the link, labelled with the sender.
  const traceSends = (link: Link, s: 0 | 1): Link => ({
    mtu: link.mtu,
    caps: link.caps,
    send(packet) {
      const line = formatter.format(packet);
      if (options.trace === 'json')
        traceLine(JSON.stringify({ at: elapsed(), type: 'packet', from: side(s), packet: line }));
      else traceLine(`${seconds(elapsed())}  ${side(s)}  ${line}`);
      link.send(packet);
    },
    flush: () => link.flush(),
    onPackets: (handler) => link.onPackets(handler),
    close: () => link.close(),
  });
  const wrapLink = (link: Link, s: 0 | 1): Link => {
    let out = link;
    // The client's link sees every packet once, in both directions: the capture records it there.
    if (options.pcap && s === 0) out = withPcap(out, options.pcap, wallClock);
    if (options.trace) out = traceSends(out, s);
    return out;
  };
  const trace = options.trace
    ? (event: TcpEvent, s: 0 | 1): void => {
        if (options.trace === 'json') traceLine(JSON.stringify({ type: 'tcp', side: side(s), ...event }));
        else traceLine(`${' '.repeat(10)}↳ ${side(s)}: ${describeEvent(event)}`);
      }
    : undefined;

  const [client, server] = await Stack.memoryPair({
    seed: options.seed ?? 1,
    wrapLink,
    trace,
    // A short TIME_WAIT lets the run end with both ends CLOSED; Linux's default is 60 s.
    tcp: { timeWait: 200_000 },
  });
  try {
    const port = PORTS[options.program];
    if (options.program === 'echo') {
      const served = echoServer(server, '', port, (...args) => print(args.join(' ')));
      await echoClient(client, SERVER_ADDR, port, (...args) => print(args.join(' ')));
      await served;
    } else if (options.program === 'udp-echo') {
      const served = udpEchoServer(server, port, UDP_MESSAGES.length);
      print(`Replies ${JSON.stringify(await udpEchoClient(client, SERVER_ADDR, port, UDP_MESSAGES))}`);
      await served;
    } else {
      const room = chatServer(server, port, CHAT_MEMBERS);
      for (const line of await chatMembers(client, port)) print(line);
      for (const line of await room) print(line);
    }
    await untilAllClosed([client, server]);
  } finally {
    await Promise.all([client.close(), server.close()]);
  }
}

/** The members of the chat room, as docs/python/chat_client.py: the last one speaks, the others listen. */
async function chatMembers(stack: Stack, port: number): Promise<string[]> {
  const members = [];
  for (let i = 0; i < CHAT_MEMBERS; i++) {
    const s = stack.socket(AF_INET, SOCK_STREAM);
    await s.connect([SERVER_ADDR, port]);
    members.push(s);
  }
  const speaker = members.pop()!;
  await speaker.sendall(Buffer.from(CHAT_LINE));
  const heard = await Promise.all(members.map(async (s) => `heard ${(await s.recv(1024)).toString()}`));
  for (const s of [...members, speaker]) s.close();
  return heard;
}

// ---- over TUN, against the kernel -------------------------------------------------------------------

async function runOverTun(options: RunOptions, print: (line: string) => void): Promise<void> {
  const traceLine = options.traceLine ?? ((line: string) => process.stderr.write(`${line}\n`));
  const wallClock = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
  const tracer = options.trace ? new TraceWriter(options.trace, traceLine, wallClock) : undefined;
  const netns = uniqueNamespaceName('ustack-tour');
  await createNamespace(netns);
  // A new device in an IPv6-enabled namespace sends router solicitations: noise in a tour of IPv4.
  await runCommand('ip', [
    'netns',
    'exec',
    netns,
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
  const children: ChildProcess[] = [];
  let stack: Stack | undefined;
  try {
    stack = await Stack.tun({
      name: 'tour0',
      netns,
      wrapLink: (link) => {
        let out = link;
        if (options.pcap) out = withPcap(out, options.pcap, wallClock);
        if (tracer) out = tracer.wrapLink(out, 'tour0');
        return out;
      },
      trace: tracer && ((event) => tracer.tcpEvent(event)),
    });
    const python = (script: string, args: string[] = []): Promise<string[]> => {
      const child = spawn('ip', ['netns', 'exec', netns, 'python3', `${PYTHON_DIR}${script}`, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return finished(child, `python3 ${script}`);
    };
    const port = PORTS[options.program];
    if (options.program === 'echo') {
      const served = echoServer(stack, '', port, (...args) => print(args.join(' ')));
      for (const line of await python('echo_client.py')) print(line);
      await served;
    } else if (options.program === 'udp-echo') {
      const served = udpEchoServer(stack, port, UDP_MESSAGES.length);
      for (const line of await python('udp_echo_client.py')) print(line);
      await served;
    } else {
      const room = chatServer(stack, port, CHAT_MEMBERS);
      const listeners = [python('chat_client.py', ['listen']), python('chat_client.py', ['listen'])];
      await untilMembers(stack, port, CHAT_MEMBERS - 1);
      const speaker = python('chat_client.py', ['say', CHAT_LINE]);
      for (const lines of await Promise.all([...listeners, speaker]))
        for (const line of lines) if (line !== 'joined') print(line);
      for (const line of await room) print(line);
    }
    await untilAllClosed([stack]);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
    await stack?.close();
    await deleteNamespace(netns);
  }
}

/** Resolves with a child's stdout lines once it exits with status 0; rejects with its stderr otherwise. */
function finished(child: ChildProcess, label: string): Promise<string[]> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout.split('\n').filter((line) => line !== ''));
      else reject(new Error(`${label} failed (${code}): ${stderr.trim()}`));
    });
  });
}

/** Waits until the stack holds `count` established connections on `port` (the listeners have joined). */
async function untilMembers(stack: Stack, port: number, count: number): Promise<void> {
  await until(() => {
    let joined = 0;
    for (const tcb of stack.core.tcp.connections())
      if (tcb.localPort === port && tcb.state === 'ESTABLISHED') joined++;
    return joined >= count;
  }, 'the chat members did not join');
}

/** Waits until every connection has finished its teardown, so the trace ends with the last ACK. */
function untilAllClosed(stacks: Stack[]): Promise<void> {
  return until(
    () => stacks.every((s) => [...s.core.tcp.connections()].every((tcb) => tcb.state === 'CLOSED')),
    'connections did not close',
  );
}

async function until(done: () => boolean, failure: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function seconds(micros: number): string {
  return (micros / 1e6).toFixed(6).padStart(9);
}

// ---- command line -----------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      tun: { type: 'boolean' },
      pcap: { type: 'string' },
      trace: { type: 'boolean' },
      'trace-format': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const program = positionals[0] as Program;
  if (positionals.length !== 1 || !PROGRAMS.includes(program))
    throw new CliError(`name one program: ${PROGRAMS.join(', ')}`);
  const format = values['trace-format'] ?? 'explain';
  if (format !== 'explain' && format !== 'json')
    throw new CliError(`--trace takes no value, =explain or =json, got '${format}'`);
  await runTutorial({
    program,
    tun: values.tun,
    pcap: values.pcap,
    trace: values.trace || values['trace-format'] !== undefined ? format : undefined,
    seed: numberOption('seed', values.seed, 1, 0, 2 ** 32 - 1),
  });
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    console.error(`examples/run.ts: ${(error as Error).message}`);
    process.exitCode = error instanceof CliError ? 2 : 1;
  }
}
