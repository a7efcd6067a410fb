// The ustack side of the raw-socket link test, run by the test inside the stack's namespace
// (`ip netns exec NS node --import tsx echo-stack.ts OPTIONS_JSON TCP_PORT UDP_PORT`): a TCP and a UDP echo
// server on a Stack over the raw-socket link. Prints `ready {"table":…}` once listening, then obeys stdin:
// `close` closes the stack (and with it the link) and prints `closed {counters}`; `exit` calls
// process.exit() without closing, to show the guard's exit handler. SIGTERM is left to the guard.

import { createInterface } from 'node:readline';
import { Stack } from '../../../src/host.ts';
import { openRawSocket, type RawSocketOptions } from '../../../src/link/raw-socket.ts';
import { AF_INET, SOCK_DGRAM } from '../../../src/socket/constants.ts';

const [optionsJson, tcpPortText, udpPortText] = process.argv.slice(2);
const options = JSON.parse(optionsJson!) as RawSocketOptions;
const link = await openRawSocket(options);
const stack = new Stack([link], { addresses: [`${link.addr}/${link.prefixLen}`] });

const server = stack.createServer({ allowHalfOpen: true }, (sock) => {
  sock.on('error', () => sock.destroy());
  sock.pipe(sock);
});
await new Promise<void>((resolve) => server.listen(Number(tcpPortText), resolve));

const udp = stack.socket(AF_INET, SOCK_DGRAM);
udp.bind(['', Number(udpPortText)]);
void (async () => {
  while (!udp.isClosed) {
    try {
      const [data, from] = await udp.recvfrom(65535);
      await udp.sendto(data, from!);
    } catch {
      if (udp.isClosed) return;
    }
  }
})();

console.log(`ready ${JSON.stringify({ table: link.guard.table })}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'close') {
    server.close();
    udp.close();
    await stack.close();
    console.log(`closed ${JSON.stringify(link.counters())}`);
    process.exit(0);
  }
  if (line === 'exit') process.exit(0);
}
