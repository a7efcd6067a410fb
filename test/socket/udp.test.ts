import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  BlockingIOError,
  ConnectionRefusedError,
  SO_BROADCAST,
  SOCK_DGRAM,
  SOL_SOCKET,
  SocketError,
  Stack,
  TimeoutError,
} from '../../src/index.ts';

let stacks: Stack[] = [];

async function pair(mtu = 1500): Promise<[Stack, Stack]> {
  stacks = await Stack.memoryPair({ seed: 7, mtu });
  return stacks as [Stack, Stack];
}

afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

const text = (s: string): Buffer => Buffer.from(s);

describe('UDP sockets over the memory pair', () => {
  it('sendto/recvfrom keep message boundaries and report the sender', async () => {
    const [a, b] = await pair();
    const server = b.socket(AF_INET, SOCK_DGRAM);
    server.bind(['', 9000]);
    const client = a.socket(AF_INET, SOCK_DGRAM);
    await client.sendto(text('one'), ['198.18.0.2', 9000]);
    await client.sendto(text('two!'), ['198.18.0.2', 9000]);
    const [first, from] = await server.recvfrom(100);
    const [second] = await server.recvfrom(100);
    expect(first.toString()).toBe('one');
    expect(second.toString()).toBe('two!');
    const [, clientPort] = client.getsockname();
    expect(from).toEqual(['198.18.0.1', clientPort]);
    expect(clientPort).toBeGreaterThanOrEqual(32768);
  });

  it('truncates a datagram to bufsize and drops the rest of it', async () => {
    const [a, b] = await pair();
    const server = b.socket(AF_INET, SOCK_DGRAM);
    server.bind(['198.18.0.2', 9001]);
    const client = a.socket(AF_INET, SOCK_DGRAM);
    await client.sendto(text('abcdefgh'), ['198.18.0.2', 9001]);
    await client.sendto(text('next'), ['198.18.0.2', 9001]);
    expect((await server.recv(3)).toString()).toBe('abc');
    expect((await server.recv(100)).toString()).toBe('next');
  });

  it('a connected socket only receives from its peer', async () => {
    const [a, b] = await pair();
    const server = b.socket(AF_INET, SOCK_DGRAM);
    server.bind(['', 9002]);
    const peer = a.socket(AF_INET, SOCK_DGRAM);
    peer.bind(['', 5000]);
    const stranger = a.socket(AF_INET, SOCK_DGRAM);
    stranger.bind(['', 5001]);
    await server.connect(['198.18.0.1', 5000]);
    await stranger.sendto(text('ignored'), ['198.18.0.2', 9002]);
    await peer.sendto(text('hello'), ['198.18.0.2', 9002]);
    expect((await server.recv(100)).toString()).toBe('hello');
    expect(server.getpeername()).toEqual(['198.18.0.1', 5000]);
  });

  it('a connected socket learns of a closed port from ICMP as ECONNREFUSED', async () => {
    const [a, b] = await pair();
    const client = a.socket(AF_INET, SOCK_DGRAM);
    await client.connect(['198.18.0.2', 9999]);
    await client.send(text('anyone?'));
    await expect(client.recv(100)).rejects.toBeInstanceOf(ConnectionRefusedError);
    expect(b.core.stats.get('udp.no-port')).toBe(1);
    expect(b.core.stats.get('icmp.errors-out')).toBe(1);
  });

  it('refuses broadcast without SO_BROADCAST', async () => {
    const [a] = await pair();
    const s = a.socket(AF_INET, SOCK_DGRAM);
    await expect(s.sendto(text('x'), ['198.18.0.255', 9])).rejects.toMatchObject({
      code: 'EACCES',
      errno: 13,
    });
    s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
    await expect(s.sendto(text('x'), ['198.18.0.255', 9])).resolves.toBe(1);
  });

  it('non-blocking and timeout modes behave as in Python', async () => {
    const [, b] = await pair();
    const s = b.socket(AF_INET, SOCK_DGRAM);
    s.bind(['', 9003]);
    s.setblocking(false);
    await expect(s.recv(10)).rejects.toBeInstanceOf(BlockingIOError);
    s.settimeout(0.05);
    expect(s.gettimeout()).toBe(0.05);
    const error = await s.recv(10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('timed out');
  });

  it('binding a port twice is EADDRINUSE, with a Linux message', async () => {
    const [a] = await pair();
    a.socket(AF_INET, SOCK_DGRAM).bind(['', 7000]);
    const error = (() => {
      try {
        a.socket(AF_INET, SOCK_DGRAM).bind(['', 7000]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).message).toBe('[Errno 98] Address already in use');
  });

  it('bounds the receive queue and counts what it drops', async () => {
    const [a, b] = await pair();
    b.core.udp.config.recvQueueBytes = 4096;
    const server = b.socket(AF_INET, SOCK_DGRAM);
    server.bind(['', 9004]);
    const client = a.socket(AF_INET, SOCK_DGRAM);
    for (let i = 0; i < 20; i++) await client.sendto(new Uint8Array(1000), ['198.18.0.2', 9004]);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.core.stats.get('drop.udp.recv-queue-full')).toBeGreaterThan(0);
    let received = 0;
    server.setblocking(false);
    for (;;) {
      try {
        await server.recv(2000);
        received++;
      } catch {
        break;
      }
    }
    expect(received + b.core.stats.get('drop.udp.recv-queue-full')).toBe(20);
  });

  it('fragments a datagram larger than the MTU and reassembles it byte-exact', async () => {
    const [a, b] = await pair(1500);
    const server = b.socket(AF_INET, SOCK_DGRAM);
    server.bind(['', 9005]);
    const client = a.socket(AF_INET, SOCK_DGRAM);
    const payload = Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 13) & 0xff));
    await client.sendto(payload, ['198.18.0.2', 9005]);
    const data = await server.recv(65535);
    expect(data.equals(payload)).toBe(true);
    expect(a.core.stats.get('ip.fragments-out')).toBe(14);
    expect(b.core.stats.get('ip.reassembled')).toBe(1);
    expect(b.core.reassemblyBytes).toBe(0);
  });
});
