// Resource exhaustion on the core, deterministic on a ManualClock: 10,000 connections a peer opens and then
// abandons must all be reclaimed (by keepalive, the orphaned FIN_WAIT_2 timeout and the end of TIME_WAIT),
// and running out of ephemeral ports is an immediate EADDRNOTAVAIL, never a hang.

import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { seconds } from '../../src/base/time.ts';
import { DEFAULT_EPHEMERAL_RANGE } from '../../src/tcp/ephemeral-ports.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';
import { CorePair } from './core-pair.ts';
import { PEER, US } from './wire.ts';

const CONNECTIONS = 10_000;
/** Small buffers: with the 4 MiB defaults 10,000 connection pairs would reserve 160 GiB (see the bug below). */
const SMALL_BUFFERS = { sendBuffer: 4096, recvBuffer: 4096 };

/** 10,000 connections from the client core, all accepted by the server core: [client sides, server sides]. */
function openMany(pair: CorePair): [Tcb[], Tcb[]] {
  const listener = pair.listen(80, CONNECTIONS);
  const clients: Tcb[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const tcb = pair.client.tcp.connect(pair.now, PEER, 0, US, 80);
    if (isErrno(tcb)) throw new Error(`connect ${i}: ${tcb.errno}`);
    clients.push(tcb);
    // Settle in batches: each settle polls every connection, so one per connect would be quadratic.
    if (i % 500 === 499) pair.settle();
  }
  pair.settle();
  const servers: Tcb[] = [];
  for (;;) {
    const tcb = listener.accept();
    if (isErrno(tcb)) break;
    servers.push(tcb);
  }
  expect(servers.length).toBe(CONNECTIONS);
  return [clients, servers];
}

function countStates(tcbs: Iterable<Tcb>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const tcb of tcbs) counts[tcb.state] = (counts[tcb.state] ?? 0) + 1;
  return counts;
}

function serverConnections(pair: CorePair): number {
  return [...pair.server.tcp.connections()].length;
}

describe('10,000 abandoned connections are reclaimed', () => {
  it('a peer that vanishes: keepalive probes go unanswered and every connection is closed', () => {
    const pair = new CorePair({ seed: 31, tcp: SMALL_BUFFERS });
    const [, servers] = openMany(pair);
    for (const tcb of servers) {
      tcb.options = {
        ...tcb.options,
        keepAlive: true,
        keepIdle: seconds(60),
        keepIntvl: seconds(10),
        keepCnt: 3,
      };
    }
    // As setsockopt does: mark the connection touched so its next poll re-arms the timer from the options.
    for (const tcb of servers) tcb.userActed = true;
    pair.tap = () => 'drop';
    pair.run(seconds(60 + 3 * 10 + 5));
    expect(countStates(servers)).toEqual({ CLOSED: CONNECTIONS });
    expect(serverConnections(pair)).toBe(0);
    for (const tcb of servers) expect(tcb.failure).toBe('ETIMEDOUT');
  });

  it('a peer that never closes its side: orphaned FIN_WAIT_2 connections time out after 60 s', () => {
    const pair = new CorePair({ seed: 32, tcp: SMALL_BUFFERS });
    const [, servers] = openMany(pair);
    for (const tcb of servers) tcb.close();
    pair.settle();
    expect(countStates(servers)).toEqual({ FIN_WAIT_2: CONNECTIONS });
    pair.run(seconds(59));
    expect(serverConnections(pair)).toBe(CONNECTIONS);
    pair.run(seconds(2));
    expect(serverConnections(pair)).toBe(0);
  });

  it('both sides close, the server first: 10,000 TIME_WAIT entries, all gone after 2·MSL (60 s)', () => {
    const pair = new CorePair({ seed: 33, tcp: SMALL_BUFFERS });
    const [clients, servers] = openMany(pair);
    for (const tcb of servers) tcb.close();
    pair.settle();
    for (const tcb of clients) tcb.close();
    pair.settle();
    expect(countStates(servers)).toEqual({ TIME_WAIT: CONNECTIONS });
    expect([...pair.client.tcp.connections()].length).toBe(0);
    pair.run(seconds(61));
    expect(serverConnections(pair)).toBe(0);
  });
});

describe('memory per connection', () => {
  // Buffers grow with the data queued (as Linux's do): an idle connection costs a few KiB, not its window.
  it('an accepted, idle connection reserves at most 256 KiB of buffers', () => {
    const pair = new CorePair({ seed: 35 });
    const listener = pair.listen(80);
    const before = process.memoryUsage().arrayBuffers;
    const held: Tcb[] = [];
    for (let i = 0; i < 20; i++) held.push(...pair.connect(listener));
    const perConnection = (process.memoryUsage().arrayBuffers - before) / held.length;
    console.log(`buffers reserved per idle connection: ${Math.round(perConnection / 1024)} KiB`);
    expect(perConnection).toBeLessThanOrEqual(256 * 1024);
  });
});

describe('ephemeral port exhaustion', () => {
  it('every port of 32768–60999 taken towards one destination: the next connect is EADDRNOTAVAIL at once', () => {
    const pair = new CorePair({ seed: 34, tcp: SMALL_BUFFERS });
    const ports = DEFAULT_EPHEMERAL_RANGE.max - DEFAULT_EPHEMERAL_RANGE.min + 1;
    const used = new Set<number>();
    for (let i = 0; i < ports; i++) {
      const tcb = pair.client.tcp.connect(pair.now, PEER, 0, US, 80);
      if (isErrno(tcb)) throw new Error(`connect ${i} of ${ports}: ${tcb.errno}`);
      used.add(tcb.localPort);
    }
    expect(used.size).toBe(ports);
    const next = pair.client.tcp.connect(pair.now, PEER, 0, US, 80);
    expect(isErrno(next) && next.errno).toBe('EADDRNOTAVAIL');
    // Another destination port has its own 4-tuples: still possible.
    expect(isErrno(pair.client.tcp.connect(pair.now, PEER, 0, US, 81))).toBe(false);
  });
});
