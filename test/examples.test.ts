// The tutorial programs in examples/ run on the embedded pair, unchanged.
import { afterEach, describe, expect, it } from 'vitest';
import { chatServer } from '../examples/chat-room.ts';
import { echoClient } from '../examples/echo-client.ts';
import { echoServer } from '../examples/echo-server.ts';
import { udpEchoClient, udpEchoServer } from '../examples/udp-echo.ts';
import { AF_INET, SOCK_STREAM, Stack } from '../src/index.ts';

let stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

describe('examples', () => {
  it('TCP echo server and client', async () => {
    stacks = await Stack.memoryPair({ seed: 21 });
    const [a, b] = stacks as [Stack, Stack];
    const logs: string[] = [];
    const server = echoServer(b, '', 50007, (...args) => logs.push(args.join(' ')));
    const data = await echoClient(a, '198.18.0.2', 50007, (...args) => logs.push(args.join(' ')));
    await server;
    expect(data.toString()).toBe('Hello, world');
    expect(logs[0]).toMatch(/^Connected by 198\.18\.0\.1:\d+$/);
    expect(logs[1]).toBe('Received "Hello, world"');
  });

  it('UDP echo', async () => {
    stacks = await Stack.memoryPair({ seed: 22 });
    const [a, b] = stacks as [Stack, Stack];
    const server = udpEchoServer(b, 9999, 3);
    expect(await udpEchoClient(a, '198.18.0.2', 9999, ['a', 'bb', 'ccc'])).toEqual(['a', 'bb', 'ccc']);
    await server;
  });

  it('select-based chat room with three clients', async () => {
    stacks = await Stack.memoryPair({ seed: 23 });
    const [a, b] = stacks as [Stack, Stack];
    const room = chatServer(b, 5555, 3);
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = a.socket(AF_INET, SOCK_STREAM);
      await c.connect(['198.18.0.2', 5555]);
      clients.push(c);
    }
    // Let the room accept all three before anyone speaks.
    await new Promise((r) => setTimeout(r, 50));
    await clients[0]!.sendall(Buffer.from('hello from 0'));
    const heard1 = (await clients[1]!.recv(1024)).toString();
    const heard2 = (await clients[2]!.recv(1024)).toString();
    expect(heard1).toMatch(/^\[198\.18\.0\.1:\d+\] hello from 0$/);
    expect(heard2).toBe(heard1);
    for (const c of clients) c.close();
    const log = await room;
    expect(log).toEqual([heard1]);
  });
});
