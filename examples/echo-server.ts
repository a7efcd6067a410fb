// The classic TCP echo server (Python's socket HOWTO / `socket` docs example), translated line by line:
//
//   with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
//       s.bind((HOST, PORT)); s.listen(1)
//       conn, addr = s.accept()
//       with conn:
//           while True:
//               data = conn.recv(1024)
//               if not data: break
//               conn.sendall(data)

import { AF_INET, SOCK_STREAM, type Stack } from '../src/index.ts';

export async function echoServer(stack: Stack, host: string, port: number, log = console.log): Promise<void> {
  const s = stack.socket(AF_INET, SOCK_STREAM);
  s.bind([host, port]);
  s.listen(1);
  const [conn, addr] = await s.accept();
  log(`Connected by ${addr[0]}:${addr[1]}`);
  for (;;) {
    const data = await conn.recv(1024);
    if (data.length === 0) break;
    await conn.sendall(data);
  }
  conn.close();
  s.close();
}
