// A select()-based chat room on one loop, the classic of socket tutorials:
//
//   server.listen(); sockets = [server]
//   while True:
//       readable, _, _ = select.select(sockets, [], [])
//       for s in readable:
//           if s is server: conn, addr = server.accept(); sockets.append(conn)
//           else:
//               data = s.recv(1024)
//               if data: broadcast to every other client
//               else: sockets.remove(s); s.close()

import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, type Socket, type Stack } from '../src/index.ts';

/** Runs the room until `clients` clients have joined and left again. */
export async function chatServer(stack: Stack, port: number, clients: number): Promise<string[]> {
  const server = stack.socket(AF_INET, SOCK_STREAM);
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind(['', port]);
  server.listen(10);
  const sockets: Socket[] = [server];
  const names = new Map<Socket, string>();
  const log: string[] = [];
  let joined = 0;
  while (joined < clients || sockets.length > 1) {
    const [readable] = await stack.select(sockets, [], []);
    for (const s of readable) {
      if (s === server) {
        const [conn, addr] = await server.accept();
        sockets.push(conn);
        names.set(conn, `${addr[0]}:${addr[1]}`);
        joined++;
        continue;
      }
      const data = await s.recv(1024);
      if (data.length === 0) {
        sockets.splice(sockets.indexOf(s), 1);
        s.close();
        continue;
      }
      const line = `[${names.get(s)}] ${data.toString()}`;
      log.push(line);
      for (const other of sockets) {
        if (other !== server && other !== s) await other.sendall(Buffer.from(line));
      }
    }
  }
  server.close();
  return log;
}
