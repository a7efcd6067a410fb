import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  BlockingIOError,
  BrokenPipeError,
  ConnectionRefusedError,
  IPPROTO_TCP,
  SHUT_WR,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  type SocketError,
  Stack,
  TCP_NODELAY,
  TimeoutError,
} from '../../src/index.ts';

let stacks: Stack[] = [];
async function pair(options: Parameters<typeof Stack.memoryPair>[0] = {}): Promise<[Stack, Stack]> {
  stacks = await Stack.memoryPair({ seed: 11, ...options });
  return stacks as [Stack, Stack];
}
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function recvExactly(sock: ReturnType<Stack['socket']>, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < length) {
    const chunk = await sock.recv(Math.min(65536, length - total));
    if (chunk.length === 0) break;
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks);
}

describe('TCP sockets over the memory pair', () => {
  it('the SOCKET-API echo example runs as written', async () => {
    const [a, b] = await pair();
    const s = b.socket(AF_INET, SOCK_STREAM);
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    s.bind(['', 50007]);
    s.listen(5);
    const server = (async () => {
      const [conn, addr] = await s.accept();
      expect(addr[0]).toBe('198.18.0.1');
      for (;;) {
        const data = await conn.recv(1024);
        if (data.length === 0) break;
        await conn.sendall(data);
      }
      conn.close();
    })();
    const c = a.socket(AF_INET, SOCK_STREAM);
    await c.connect(['198.18.0.2', 50007]);
    expect(c.getpeername()).toEqual(['198.18.0.2', 50007]);
    await c.sendall(Buffer.from('Hello, world'));
    expect((await c.recv(1024)).toString()).toBe('Hello, world');
    c.close();
    await server;
  });

  it('moves 8 MiB both ways byte-exact with half-close', async () => {
    const [a, b] = await pair();
    const size = 8 * 1024 * 1024;
    const up = pattern(size, 1);
    const down = pattern(size, 2);
    const s = b.socket();
    s.bind(['', 9000]);
    s.listen();
    const server = (async () => {
      const [conn] = await s.accept();
      const sending = conn.sendall(down).then(() => conn.shutdown(SHUT_WR));
      const got = await recvExactly(conn, size + 1);
      await sending;
      conn.close();
      return got;
    })();
    const c = a.socket();
    await c.connect(['198.18.0.2', 9000]);
    const sending = c.sendall(up).then(() => c.shutdown(SHUT_WR));
    const got = await recvExactly(c, size + 1);
    await sending;
    c.close();
    const serverGot = await server;
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(down).digest('hex'),
    );
    expect(createHash('sha256').update(serverGot).digest('hex')).toBe(
      createHash('sha256').update(up).digest('hex'),
    );
  }, 60_000);

  it('connect to a closed port is refused (RST), and connect_ex returns the errno', async () => {
    const [a] = await pair();
    const c = a.socket();
    await expect(c.connect(['198.18.0.2', 1])).rejects.toBeInstanceOf(ConnectionRefusedError);
    const d = a.socket();
    expect(await d.connect_ex(['198.18.0.2', 1])).toBe(111);
  });

  it('non-blocking connect raises EINPROGRESS, then completes', async () => {
    const [a, b] = await pair();
    const s = b.socket();
    s.bind(['', 9001]);
    s.listen();
    const c = a.socket();
    c.setblocking(false);
    const error = await c.connect(['198.18.0.2', 9001]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockingIOError);
    expect((error as SocketError).code).toBe('EINPROGRESS');
    const [, writable] = await a.select([], [c], [], 5);
    expect(writable).toEqual([c]);
    expect(c.getsockopt(SOL_SOCKET, SO_ERROR)).toBe(0);
    expect(c.getpeername()).toEqual(['198.18.0.2', 9001]);
  });

  it('accept, recv in non-blocking and timeout modes', async () => {
    const [a, b] = await pair();
    const s = b.socket();
    s.bind(['', 9002]);
    s.listen();
    s.setblocking(false);
    await expect(s.accept()).rejects.toBeInstanceOf(BlockingIOError);
    s.settimeout(0.05);
    await expect(s.accept()).rejects.toBeInstanceOf(TimeoutError);
    s.settimeout(null);
    const c = a.socket();
    await c.connect(['198.18.0.2', 9002]);
    const [conn] = await s.accept();
    conn.settimeout(0.05);
    await expect(conn.recv(10)).rejects.toBeInstanceOf(TimeoutError);
  });

  it('send after the peer reset raises; send after SHUT_WR raises BrokenPipeError', async () => {
    const [a, b] = await pair();
    const s = b.socket();
    s.bind(['', 9003]);
    s.listen();
    const c = a.socket();
    await c.connect(['198.18.0.2', 9003]);
    const [conn] = await s.accept();
    c.shutdown(SHUT_WR);
    await expect(c.send(Buffer.from('x'))).rejects.toBeInstanceOf(BrokenPipeError);
    expect((await conn.recv(10)).length).toBe(0);
  });

  it('binding a listening port again is EADDRINUSE; errors read like Linux', async () => {
    const [, b] = await pair();
    const s = b.socket();
    s.bind(['', 9004]);
    s.listen();
    const t = b.socket();
    expect(() => t.bind(['', 9004])).toThrow('[Errno 98] Address already in use');
    expect(() => b.socket().bind(['10.0.0.1', 80])).toThrow('[Errno 99] Cannot assign requested address');
  });

  it('socket options read back as Linux reports them', async () => {
    const [a] = await pair();
    const c = a.socket();
    c.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    c.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
    c.setsockopt(SOL_SOCKET, SO_RCVBUF, 21000);
    expect(c.getsockopt(IPPROTO_TCP, TCP_NODELAY)).toBe(1);
    expect(c.getsockopt(SOL_SOCKET, SO_KEEPALIVE)).toBe(1);
    expect(c.getsockopt(SOL_SOCKET, SO_RCVBUF)).toBe(42000);
    expect(() => c.setsockopt(99, 99, 1)).toThrow('[Errno 92] Protocol not available');
  });

  it('unsupported families and types raise clear errors', async () => {
    const [a] = await pair();
    expect(() => a.socket(10, SOCK_STREAM)).toThrow('[Errno 97] Address family not supported by protocol');
    expect(() => a.socket(AF_INET, 5)).toThrow('[Errno 94] Socket type not supported');
  });

  it('survives 5% loss in both directions, byte-exact', async () => {
    const [a, b] = await pair({ faults: { loss: 0.05 }, seed: 3 });
    const size = 1024 * 1024;
    const data = pattern(size, 9);
    const s = b.socket();
    s.bind(['', 9005]);
    s.listen();
    const server = (async () => {
      const [conn] = await s.accept();
      const got = await recvExactly(conn, size + 1);
      conn.close();
      return got;
    })();
    const c = a.socket();
    await c.connect(['198.18.0.2', 9005]);
    await c.sendall(data);
    c.close();
    expect((await server).equals(data)).toBe(true);
    expect(a.core.stats.get('tcp.retransmits')).toBeGreaterThan(0);
  }, 60_000);
});
