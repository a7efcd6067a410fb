// `ustack serve`: the classic simple services (echo RFC 862, discard RFC 863, chargen RFC 864, daytime
// RFC 867, UDP echo) and a static HTTP server (node:http over ustack), on a stack behind a TUN device.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Stack } from '../host.ts';
import { AF_INET, SOCK_DGRAM } from '../socket/constants.ts';
import type { NetServer, NetSocket } from '../socket/net.ts';
import type { Socket } from '../socket/socket.ts';
import { CliError, numberOption, parseCommandArgs } from './args.ts';
import { closeLabStack, LAB_HELP, LAB_OPTIONS, openLabStack, untilSignal } from './lab.ts';

const HELP = `usage: ustack serve [--echo PORT] [--discard PORT] [--chargen PORT] [--daytime PORT]
                    [--udp-echo PORT] [--http PORT [--root DIR]] [common options]

Runs the classic simple services on a ustack behind a TUN device until SIGINT/SIGTERM.
Prints 'ready' on stdout once every listener is up.

services:
  --echo PORT      TCP echo (RFC 862)
  --discard PORT   TCP discard (RFC 863)
  --chargen PORT   TCP character generator (RFC 864)
  --daytime PORT   TCP daytime (RFC 867)
  --udp-echo PORT  UDP echo (RFC 862)
  --http PORT      static HTTP server for --root (default: the current directory)

${LAB_HELP}`;

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...LAB_OPTIONS,
    echo: { type: 'string' },
    discard: { type: 'string' },
    chargen: { type: 'string' },
    daytime: { type: 'string' },
    'udp-echo': { type: 'string' },
    http: { type: 'string' },
    root: { type: 'string' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = (name: string, value: string | undefined): number | undefined =>
    value === undefined ? undefined : numberOption(name, value, 0, 1, 65535);
  const ports = {
    echo: port('echo', values.echo),
    discard: port('discard', values.discard),
    chargen: port('chargen', values.chargen),
    daytime: port('daytime', values.daytime),
    udpEcho: port('udp-echo', values['udp-echo']),
    http: port('http', values.http),
  };
  if (Object.values(ports).every((p) => p === undefined))
    throw new CliError('no service given (try --echo 7)');
  const root = path.resolve(values.root ?? '.');

  const stack = await openLabStack(values);
  const servers: NetServer[] = [];
  const sockets = new Set<NetSocket>();
  const listen = async (p: number | undefined, onConnection: (sock: NetSocket) => void): Promise<void> => {
    if (p === undefined) return;
    const server = stack.createServer({ allowHalfOpen: true }, (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => sock.destroy());
      onConnection(sock);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, resolve);
    });
    servers.push(server);
  };

  await listen(ports.echo, (sock) => sock.pipe(sock));
  await listen(ports.discard, (sock) => {
    sock.resume();
    sock.on('end', () => sock.end());
  });
  await listen(ports.chargen, (sock) => chargen(sock));
  await listen(ports.daytime, (sock) => sock.end(`${new Date().toUTCString()}\r\n`));
  if (ports.http !== undefined) {
    const httpServer = http.createServer((req, res) => void serveFile(root, req, res));
    await listen(ports.http, (sock) => httpServer.emit('connection', sock));
  }
  const udp = ports.udpEcho === undefined ? undefined : udpEcho(stack, ports.udpEcho);

  console.log('ready');
  await untilSignal();
  for (const server of servers) server.close();
  for (const sock of sockets) sock.destroy();
  udp?.close();
  // Stopped by a signal, serve exits at once instead of waiting for the connections it has just closed to
  // drain: a client that stopped reading would hold the exit up for the whole closing timeout.
  await closeLabStack(stack, values, 0);
  return 0;
}

/** RFC 864: lines of 72 printable characters, each starting one character later, until the peer closes. */
function chargen(sock: NetSocket): void {
  const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  let offset = 0;
  const line = (): string => {
    const start = offset++ % printable.length;
    return `${(printable + printable).slice(start, start + 72)}\r\n`;
  };
  const fill = (): void => {
    while (!sock.destroyed && sock.write(line()));
  };
  sock.on('drain', fill);
  sock.resume();
  sock.on('end', () => sock.destroy());
  fill();
}

function udpEcho(stack: Stack, port: number): Socket {
  const s = stack.socket(AF_INET, SOCK_DGRAM);
  s.bind(['', port]);
  void (async () => {
    while (!s.isClosed) {
      try {
        const [data, from] = await s.recvfrom(65535);
        await s.sendto(data, from!);
      } catch {
        if (s.isClosed) return;
      }
    }
  })();
  return s;
}

async function serveFile(root: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://ustack').pathname);
  const file = path.join(root, urlPath);
  // Never serve outside the root, whatever the URL says.
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) {
    res.writeHead(403).end('forbidden\n');
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    res.writeHead(200, { 'content-length': info.size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}
