// UDP echo server and client, as in the classic tutorials:
//
//   server: s = socket(AF_INET, SOCK_DGRAM); s.bind(('', PORT))
//           while True: data, addr = s.recvfrom(1024); s.sendto(data, addr)
//   client: s = socket(AF_INET, SOCK_DGRAM); s.sendto(msg, (HOST, PORT)); data, addr = s.recvfrom(1024)

import { AF_INET, SOCK_DGRAM, type Stack } from '../src/index.ts';

/** Echoes `count` datagrams, then returns. */
export async function udpEchoServer(stack: Stack, port: number, count: number): Promise<void> {
  const s = stack.socket(AF_INET, SOCK_DGRAM);
  s.bind(['', port]);
  for (let i = 0; i < count; i++) {
    const [data, addr] = await s.recvfrom(1024);
    await s.sendto(data, addr!);
  }
  s.close();
}

export async function udpEchoClient(
  stack: Stack,
  host: string,
  port: number,
  messages: string[],
): Promise<string[]> {
  const s = stack.socket(AF_INET, SOCK_DGRAM);
  s.settimeout(2);
  const replies: string[] = [];
  for (const message of messages) {
    await s.sendto(Buffer.from(message), [host, port]);
    const [data] = await s.recvfrom(1024);
    replies.push(data.toString());
  }
  s.close();
  return replies;
}
