// `ustack demo` (= `npm start`): the first thing a learner sees. Two stacks on an in-memory link, an echo
// server and a client; every packet printed as tcpdump would print it, the state transitions of both
// ends, a one-line explanation of each phase, a summary, and a pcap file to open in Wireshark.

import { Stack } from '../host.ts';
import type { Link } from '../link/link.ts';
import { PcapFileWriter } from '../link/pcap-link.ts';
import { withTap } from '../link/tap.ts';
import { AF_INET, SOCK_STREAM } from '../socket/constants.ts';
import type { TcpEvent } from '../tcp/events.ts';
import { describeEvent, RelativeSequence } from '../trace/explain.ts';
import { TcpdumpFormatter } from '../trace/tcpdump.ts';
import { numberOption, parseCommandArgs } from './args.ts';
import { style } from './style.ts';

const HELP = `usage: ustack demo [--loss PERCENT] [--seed N] [--bytes N] [--pcap FILE] [--mtu N] [--explain]

Runs two ustack instances joined by an in-memory link (no root, no devices): an echo server at
198.18.0.2 port 7 and a client at 198.18.0.1 that connects, sends a message, reads the echo and closes.
Every packet is printed in tcpdump's format, with the state transitions of both ends.

options:
  --loss PERCENT  drop this share of packets in both directions (shows retransmission and recovery)
  --seed N        seed for the loss pattern, ISNs and ports (default 7): the same seed replays the same run
  --bytes N       size of the message to echo (default 2000; try 200000 to watch the window open)
  --pcap FILE     capture file to write (default demo.pcap; '' for none)
  --mtu N         link MTU (default 1500)
  --explain       say why each packet was sent and what each end did with it (timers, cwnd, dup ACKs)
  -h, --help      show this help`;

const PHASES = {
  handshake:
    'three-way handshake: SYN →, ← SYN-ACK, ACK → (RFC 9293 §3.5); both ends agree on ISNs and options',
  data: 'data: the client sends, the server echoes; each side ACKs what arrived in order (RFC 9293 §3.8)',
  close: 'teardown: each side sends FIN and ACKs the other’s FIN; the closer waits in TIME_WAIT (§3.6)',
};

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    loss: { type: 'string' },
    seed: { type: 'string' },
    bytes: { type: 'string' },
    pcap: { type: 'string' },
    mtu: { type: 'string' },
    explain: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const loss = numberOption('loss', values.loss, 0, 0, 90) / 100;
  const seed = numberOption('seed', values.seed, 7, 0, 2 ** 32 - 1);
  const bytes = numberOption('bytes', values.bytes, 2000, 1, 64 * 1024 * 1024);
  const mtu = numberOption('mtu', values.mtu, 1500, 576, 65535);
  const pcapPath = values.pcap ?? 'demo.pcap';

  const start = performance.now();
  const formatter = new TcpdumpFormatter();
  const pcap = pcapPath ? new PcapFileWriter(pcapPath) : undefined;
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const elapsed = (): string => ((performance.now() - start) / 1000).toFixed(6).padStart(10);

  const printPacket = (packet: Uint8Array, fromClient: boolean): void => {
    pcap?.write(Math.round((performance.now() + performance.timeOrigin) * 1000), packet);
    const line = formatter.format(packet);
    const detail = line.slice(line.indexOf(': ') + 2);
    const who = fromClient ? style.client('client → server') : style.server('server → client');
    out(`${style.dim(elapsed())}  ${who}  ${detail}`);
  };
  // Every packet is printed once, when it is sent (before the link may lose it), so a lost packet
  // shows with its mark and the retransmission that repairs it follows later.
  const tap = (link: Link, side: 0 | 1): Link =>
    withTap(link, { sent: (packet) => printPacket(packet, side === 0) });
  const onFault = (_side: 0 | 1, fault: string): void => {
    out(`${' '.repeat(12)}${style.bad(`✗ ${fault} on the link`)}`);
  };
  // Connection ids are per stack, so each side keeps its own map to tcpdump's relative numbers.
  const sequences = [new RelativeSequence(), new RelativeSequence()] as const;
  const onTrace = (event: TcpEvent, side: 0 | 1): void => {
    sequences[side].note(event);
    const who = side === 0 ? style.client('client') : style.server('server');
    if (event.kind === 'state') {
      out(
        `${style.dim(elapsed())}  ${who} ${style.state(`${event.from} → ${event.to}`)}  ${style.dim(event.why)}`,
      );
    } else if (values.explain) {
      out(
        `${' '.repeat(12)}${style.dim(`↳ ${side === 0 ? 'client' : 'server'}: ${describeEvent(event, sequences[side])}`)}`,
      );
    }
  };

  const [clientStack, serverStack] = await Stack.memoryPair({
    seed,
    mtu,
    faults: loss > 0 ? { loss } : undefined,
    faultObserver: onFault,
    wrapLink: tap,
    trace: onTrace,
    // A short TIME_WAIT keeps the demo brief; the default is Linux's 60 s.
    tcp: { timeWait: 200_000 },
  });

  out(style.title(`ustack demo — two stacks on an in-memory link (MTU ${mtu}), no root needed`));
  out(
    `  client ${clientStack.address}  ⇄  server ${serverStack.address} port 7 (echo)   loss ${loss * 100}%   seed ${seed}`,
  );
  out('');

  const listener = serverStack.socket(AF_INET, SOCK_STREAM);
  listener.bind(['', 7]);
  listener.listen(1);
  const served = (async () => {
    const [conn] = await listener.accept();
    for (;;) {
      const data = await conn.recv(65536);
      if (data.length === 0) break;
      await conn.sendall(data);
    }
    conn.close();
    listener.close();
  })();

  const message = Buffer.alloc(bytes, 'ustack demo: hello, TCP! ');
  const client = clientStack.socket(AF_INET, SOCK_STREAM);
  out(style.phase(`▸ ${PHASES.handshake}`));
  await client.connect([serverStack.address, 7]);
  out(style.phase(`▸ ${PHASES.data}`));
  const received: Buffer[] = [];
  let total = 0;
  const reader = (async () => {
    while (total < bytes) {
      const chunk = await client.recv(65536);
      if (chunk.length === 0) break;
      received.push(chunk);
      total += chunk.length;
    }
  })();
  await client.sendall(message);
  await reader;
  const info = client.connection!.info(clientStack.now());
  out(style.phase(`▸ ${PHASES.close}`));
  client.close();
  await served;
  await new Promise((resolve) => setTimeout(resolve, 400));

  const echoed = Buffer.concat(received);
  const ok = echoed.equals(message);
  const c = clientStack.core.stats;
  const s = serverStack.core.stats;
  out('');
  out(style.title('summary'));
  out(
    `  echoed      ${echoed.length} of ${bytes} bytes ${ok ? style.ok('byte-exact') : style.bad('MISMATCH')}`,
  );
  out(`  segments    client sent ${c.get('tcp.segments-out')}, server sent ${s.get('tcp.segments-out')}`);
  out(`  retransmits client ${c.get('tcp.retransmits')}, server ${s.get('tcp.retransmits')}`);
  out(
    `  rtt         srtt ${((info.srtt ?? 0) / 1000).toFixed(3)} ms, rto ${(info.rto / 1000).toFixed(0)} ms, cwnd ${info.cwnd} bytes`,
  );
  if (pcap) {
    pcap.close();
    out(`  capture     ${pcapPath} (open it with wireshark or 'tcpdump -nn -r ${pcapPath}')`);
  }
  await Promise.all([clientStack.close(), serverStack.close()]);
  return ok ? 0 : 1;
}
