// `ustack nc`: netcat over ustack. stdin goes to the connection and the connection to stdout; stdin EOF
// half-closes (FIN), and the command ends when the peer has closed too. -l listens, -u speaks UDP.

import { AF_INET, SOCK_DGRAM } from '../socket/constants.ts';
import { SocketError } from '../socket/errors.ts';
import type { NetSocket } from '../socket/net.ts';
import { CliError, numberOption, parseCommandArgs } from './args.ts';
import { closeLabStack, LAB_HELP, LAB_OPTIONS, openLabStack } from './lab.ts';

const HELP = `usage: ustack nc [-l] [-u] HOST PORT [common options]
       ustack nc -l [-u] PORT [common options]

netcat over ustack: stdin to the connection, the connection to stdout; stdin EOF half-closes.
  -l   listen on the stack's address for one connection (or datagrams with -u)
  -u   UDP instead of TCP

${LAB_HELP}`;

export async function runNc(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...LAB_OPTIONS, listen: { type: 'boolean', short: 'l' }, udp: { type: 'boolean', short: 'u' } },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [host, portText] = positionals.length === 1 && values.listen ? ['', positionals[0]] : positionals;
  if (host === undefined || portText === undefined || positionals.length > 2) {
    throw new CliError('expected HOST PORT (or -l PORT)');
  }
  const port = numberOption('port', portText, 0, 1, 65535);
  const stack = await openLabStack(values);
  try {
    if (values.udp) await udp(stack, values.listen === true, host, port);
    else await tcp(stack, values.listen === true, host, port);
  } finally {
    await closeLabStack(stack, values);
  }
  return 0;
}

async function tcp(
  stack: Awaited<ReturnType<typeof openLabStack>>,
  listen: boolean,
  host: string,
  port: number,
): Promise<void> {
  let conn: NetSocket;
  if (listen) {
    const server = stack.createServer({ allowHalfOpen: true });
    conn = await new Promise<NetSocket>((resolve, reject) => {
      server.once('connection', resolve);
      server.once('error', reject);
      server.listen(port, host || undefined);
    });
    server.close();
  } else {
    conn = stack.connect({ host, port, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      conn.once('connect', resolve);
      conn.once('error', reject);
    });
  }
  process.stdin.pipe(conn);
  conn.pipe(process.stdout, { end: false });
  await new Promise<void>((resolve, reject) => {
    conn.once('end', resolve);
    conn.once('error', reject);
  });
  // The peer is done; wait for our own side to finish sending before closing.
  if (!conn.writableFinished) await new Promise<void>((resolve) => conn.once('finish', resolve));
  process.stdin.unpipe(conn);
  process.stdin.pause();
  conn.destroy();
}

async function udp(
  stack: Awaited<ReturnType<typeof openLabStack>>,
  listen: boolean,
  host: string,
  port: number,
): Promise<void> {
  const s = stack.socket(AF_INET, SOCK_DGRAM);
  let peer: [string, number] | undefined;
  if (listen) s.bind([host, port]);
  else {
    await s.connect([host, port]);
    peer = [host, port];
  }
  let failure: SocketError | undefined;
  const receiving = (async () => {
    for (;;) {
      const [data, from] = await s.recvfrom(65535);
      peer ??= from!;
      process.stdout.write(data);
    }
  })().catch((error: unknown) => {
    // EBADF is our own close below; anything else (ECONNREFUSED from an ICMP port unreachable) is reported.
    if (error instanceof SocketError && error.code !== 'EBADF') failure = error;
  });
  for await (const chunk of process.stdin) {
    if (failure) break;
    if (peer) await s.sendto(chunk as Buffer, peer);
  }
  // After stdin ends, give replies in flight a moment, as nc -q does.
  await new Promise((resolve) => setTimeout(resolve, 200));
  s.close();
  await receiving;
  if (failure) throw new CliError(failure.message);
}
