// The classic TCP echo client:
//
//   with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
//       s.connect((HOST, PORT))
//       s.sendall(b'Hello, world')
//       data = s.recv(1024)
//   print('Received', repr(data))

import { AF_INET, SOCK_STREAM, type Stack } from '../src/index.ts';

export async function echoClient(
  stack: Stack,
  host: string,
  port: number,
  log = console.log,
): Promise<Buffer> {
  const s = stack.socket(AF_INET, SOCK_STREAM);
  await s.connect([host, port]);
  await s.sendall(Buffer.from('Hello, world'));
  const data = await s.recv(1024);
  s.close();
  log('Received', JSON.stringify(data.toString()));
  return data;
}
