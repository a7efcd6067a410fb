// Tries to open a raw-socket link with each option set given (a JSON array in argv[2]) and prints one line
// per attempt: `opened TABLE` (then closes it) or `error CODE MESSAGE`. Run inside a lab namespace.

import { openRawSocket, RawLinkError, type RawSocketOptions } from '../../../src/link/raw-socket.ts';

for (const options of JSON.parse(process.argv[2]!) as RawSocketOptions[]) {
  try {
    const link = await openRawSocket(options);
    console.log(`opened ${link.guard.table}`);
    await link.close();
  } catch (error) {
    const code = error instanceof RawLinkError ? error.code : (error as Error).name;
    console.log(`error ${code} ${(error as Error).message}`);
  }
}
