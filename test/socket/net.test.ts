import { createHash } from 'node:crypto';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type NetSocket, Stack } from '../../src/index.ts';

let stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

describe('the node:net-style facade', () => {
  it('echoes through createServer/connect with events and properties as in node:net', async () => {
    stacks = await Stack.memoryPair({ seed: 5 });
    const [a, b] = stacks as [Stack, Stack];
    const server = b.createServer((sock) => {
      sock.pipe(sock);
    });
    await new Promise<void>((resolve) => server.listen(7, resolve));
    expect(server.address()).toEqual({ address: '0.0.0.0', family: 'IPv4', port: 7 });
    const client = a.connect({ host: '198.18.0.2', port: 7 });
    await new Promise<void>((resolve) => client.once('connect', resolve));
    expect(client.remoteAddress).toBe('198.18.0.2');
    expect(client.remotePort).toBe(7);
    expect(client.localAddress).toBe('198.18.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    client.end('hello over ustack');
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('hello over ustack');
    expect(client.bytesWritten).toBe(17);
    expect(client.bytesRead).toBe(17);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reports ECONNREFUSED with code, syscall, address and port', async () => {
    stacks = await Stack.memoryPair({ seed: 6 });
    const [a] = stacks as [Stack, Stack];
    const client = a.connect({ host: '198.18.0.2', port: 81 });
    const error = await new Promise<Error & Record<string, unknown>>((resolve) =>
      client.once('error', resolve),
    );
    expect(error).toMatchObject({
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '198.18.0.2',
      port: 81,
    });
  });

  it('node:http serves and fetches a 10 MiB body over ustack, SHA-256 intact', async () => {
    stacks = await Stack.memoryPair({ seed: 8 });
    const [a, b] = stacks as [Stack, Stack];
    const body = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
    const httpServer = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(req.url === '/big' ? body : 'hi');
    });
    const tcpServer = b.createServer((sock: NetSocket) => httpServer.emit('connection', sock));
    await new Promise<void>((resolve) => tcpServer.listen(80, resolve));
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        {
          host: '198.18.0.2',
          port: 80,
          path: '/big',
          createConnection: () => a.connect({ host: '198.18.0.2', port: 80 }) as never,
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    const hash = createHash('sha256');
    await pipeline(response, hash);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  }, 60_000);
});
