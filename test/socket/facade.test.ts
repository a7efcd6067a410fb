// The Python-style facade, method by method and mode by mode (SOCKET-API.md).
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  BlockingIOError,
  ConnectionResetError,
  SHUT_RD,
  SHUT_WR,
  SO_LINGER,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SocketError,
  Stack,
  TimeoutError,
} from '../../src/index.ts';

let stacks: Stack[] = [];
async function pair(): Promise<[Stack, Stack]> {
  stacks = await Stack.memoryPair({ seed: 31 });
  return stacks as [Stack, Stack];
}
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

async function connected(a: Stack, b: Stack, port: number) {
  const listener = b.socket();
  listener.bind(['', port]);
  listener.listen();
  const client = a.socket();
  await client.connect(['198.18.0.2', port]);
  const [server] = await listener.accept();
  return { listener, client, server };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('naming', () => {
  it('getsockname before and after bind, getpeername only when connected', async () => {
    const [a] = await pair();
    const s = a.socket();
    expect(s.getsockname()).toEqual(['0.0.0.0', 0]);
    expect(thrown(() => s.getpeername())).toMatchObject({ code: 'ENOTCONN', errno: 107 });
    s.bind(['198.18.0.1', 0]);
    const [host, port] = s.getsockname();
    expect(host).toBe('198.18.0.1');
    expect(port).toBeGreaterThanOrEqual(32768);
    expect(thrown(() => s.bind(['', 5]))).toMatchObject({ code: 'EINVAL' });
  });

  it('rejects malformed addresses with TypeError or RangeError, as Python does', async () => {
    const [a] = await pair();
    const s = a.socket();
    expect(() => s.bind(['198.18.0.1', 70000])).toThrow(RangeError);
    expect(() => s.bind('nope' as never)).toThrow(TypeError);
    expect(thrown(() => s.bind(['not-an-ip', 1]))).toBeInstanceOf(SocketError);
  });

  it('closing a socket wakes a call blocked on it with EBADF', async () => {
    const [a] = await pair();
    const u = a.socket(AF_INET, SOCK_DGRAM);
    u.bind(['', 4444]);
    const pending = u.recv(10);
    u.close();
    await expect(pending).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('fileno is unique per socket and -1 once closed; calls on a closed socket raise EBADF', async () => {
    const [a] = await pair();
    const s = a.socket();
    const t = a.socket(AF_INET, SOCK_DGRAM);
    expect(s.fileno()).not.toBe(t.fileno());
    s.close();
    s.close();
    expect(s.fileno()).toBe(-1);
    expect(thrown(() => s.getsockname())).toMatchObject({
      code: 'EBADF',
      message: '[Errno 9] Bad file descriptor',
    });
    await expect(s.recv(1)).rejects.toMatchObject({ code: 'EBADF' });
    expect(t.getsockopt(SOL_SOCKET, SO_TYPE)).toBe(SOCK_DGRAM);
  });
});

describe('stream operations', () => {
  it('recv(0) returns an empty buffer at once; send on an unconnected socket is EPIPE, recv ENOTCONN', async () => {
    const [a, b] = await pair();
    const { client } = await connected(a, b, 100);
    expect((await client.recv(0)).length).toBe(0);
    const fresh = a.socket();
    await expect(fresh.send(Buffer.from('x'))).rejects.toMatchObject({ code: 'EPIPE' });
    await expect(fresh.recv(1)).rejects.toMatchObject({ code: 'ENOTCONN' });
  });

  it('recv_into fills the given buffer (up to nbytes), waits when nothing is queued, returns 0 at EOF', async () => {
    const [a, b] = await pair();
    const { client, server } = await connected(a, b, 104);
    const buffer = Buffer.alloc(8, 0xa5);
    const waiting = server.recv_into(buffer);
    await client.sendall(Buffer.from('hello, world'));
    expect(await waiting).toBe(8);
    expect(buffer.toString()).toBe('hello, w');
    buffer.fill(0xa5);
    expect(await server.recv_into(buffer, 2)).toBe(2);
    expect(Array.from(buffer)).toEqual([0x6f, 0x72, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5]);
    expect(await server.recv_into(buffer)).toBe(2);
    expect(buffer.subarray(0, 2).toString()).toBe('ld');
    client.close();
    expect(await server.recv_into(buffer)).toBe(0);
    await expect(server.recv_into(buffer, 9)).rejects.toThrow('buffer too small for requested bytes');
  });

  it('recv_into on a datagram socket copies one datagram, truncated to the buffer', async () => {
    const [a, b] = await pair();
    const receiver = b.socket(AF_INET, SOCK_DGRAM);
    receiver.bind(['', 105]);
    const sender = a.socket(AF_INET, SOCK_DGRAM);
    await sender.sendto(Buffer.from('datagram'), ['198.18.0.2', 105]);
    const buffer = Buffer.alloc(4);
    expect(await receiver.recv_into(buffer)).toBe(4);
    expect(buffer.toString()).toBe('data');
  });

  it('SO_LINGER 0 closes with RST: the peer sees ConnectionResetError', async () => {
    const [a, b] = await pair();
    const { client, server } = await connected(a, b, 101);
    client.setsockopt(SOL_SOCKET, SO_LINGER, [1, 0]);
    client.close();
    await expect(server.recv(10)).rejects.toBeInstanceOf(ConnectionResetError);
  });

  it('shutdown(SHUT_WR) half-closes: the peer reads EOF and can still send back', async () => {
    const [a, b] = await pair();
    const { client, server } = await connected(a, b, 102);
    await client.sendall(Buffer.from('question'));
    client.shutdown(SHUT_WR);
    expect((await server.recv(100)).toString()).toBe('question');
    expect((await server.recv(100)).length).toBe(0);
    await server.sendall(Buffer.from('answer'));
    server.close();
    expect((await client.recv(100)).toString()).toBe('answer');
    expect((await client.recv(100)).length).toBe(0);
  });

  it('shutdown(SHUT_RD) makes recv return EOF at once', async () => {
    const [a, b] = await pair();
    const { client } = await connected(a, b, 103);
    client.shutdown(SHUT_RD);
    expect((await client.recv(10)).length).toBe(0);
  });

  it('non-blocking send fills the buffer, then raises BlockingIOError', async () => {
    const [a, b] = await pair();
    const { client } = await connected(a, b, 104);
    client.setsockopt(SOL_SOCKET, SO_SNDBUF, 8192);
    client.setblocking(false);
    const big = Buffer.alloc(1 << 20);
    let accepted = 0;
    let error: unknown;
    for (let i = 0; i < 100 && !error; i++) {
      try {
        accepted += await client.send(big);
      } catch (e) {
        error = e;
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(BlockingIOError);
    expect((error as SocketError).code).toBe('EAGAIN');
  });

  it('connect times out in timeout mode when nobody answers', async () => {
    const [a] = await pair();
    const s = a.socket();
    s.settimeout(0.2);
    const error = await s.connect(['198.18.0.99', 80]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('timed out');
  });

  it('accepted sockets inherit the timeout of the listening socket', async () => {
    const [a, b] = await pair();
    const listener = b.socket();
    listener.bind(['', 105]);
    listener.listen();
    listener.settimeout(2.5);
    const client = a.socket();
    await client.connect(['198.18.0.2', 105]);
    const [server] = await listener.accept();
    expect(server.gettimeout()).toBe(2.5);
    expect(server.getblocking()).toBe(true);
  });
});

describe('select and makefile', () => {
  it('select returns empty lists on timeout and the ready sockets otherwise', async () => {
    const [a, b] = await pair();
    const { client, server, listener } = await connected(a, b, 106);
    expect(await b.select([server, listener], [], [], 0.05)).toEqual([[], [], []]);
    const [, writable] = await a.select([], [client], [], 0);
    expect(writable).toEqual([client]);
    await client.sendall(Buffer.from('ping'));
    const [readable] = await b.select([server, listener], [], [], 5);
    expect(readable).toEqual([server]);
  });

  it('makefile gives a stream that readline can read line by line', async () => {
    const [a, b] = await pair();
    const { client, server } = await connected(a, b, 107);
    const lines: string[] = [];
    const reader = createInterface({ input: server.makefile() });
    const done = new Promise<void>((resolve) => reader.on('close', resolve));
    reader.on('line', (line) => lines.push(line));
    await client.sendall(Buffer.from('first line\nsecond'));
    await client.sendall(Buffer.from(' line\nthird\n'));
    client.shutdown(SHUT_WR);
    await done;
    expect(lines).toEqual(['first line', 'second line', 'third']);
    expect(() => a.socket(AF_INET, SOCK_DGRAM).makefile()).toThrow('[Errno 95] Operation not supported');
  });

  it('listen/accept on a datagram socket are EOPNOTSUPP', async () => {
    const [a] = await pair();
    const u = a.socket(AF_INET, SOCK_DGRAM);
    expect(thrown(() => u.listen())).toMatchObject({ code: 'EOPNOTSUPP' });
    await expect(u.accept()).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    expect(a.socket(AF_INET, SOCK_STREAM).type).toBe(SOCK_STREAM);
  });
});
