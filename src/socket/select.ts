// select() over ustack sockets, for the classic select-loop servers (a chat room on one loop): resolves
// with the sockets that are ready as soon as one is, or with empty lists when the timeout passes.

import type { ReadinessHub } from './readiness.ts';
import type { Socket } from './socket.ts';

export async function select(
  hub: ReadinessHub,
  rlist: readonly Socket[],
  wlist: readonly Socket[],
  xlist: readonly Socket[],
  timeoutSeconds?: number | null,
): Promise<[Socket[], Socket[], Socket[]]> {
  const deadline = timeoutSeconds == null ? undefined : performance.now() + timeoutSeconds * 1000;
  for (;;) {
    const readable = rlist.filter((s) => s.readableNow);
    const writable = wlist.filter((s) => s.writableNow);
    // TCP urgent data is the only "exceptional condition" select reports on Linux; ustack ignores URG.
    if (readable.length > 0 || writable.length > 0) return [readable, writable, []];
    if (deadline !== undefined && performance.now() >= deadline) return [[], [], []];
    const endpoints = [...rlist, ...wlist, ...xlist].flatMap((s) => s.endpoints());
    await hub.next(endpoints, deadline);
  }
}
