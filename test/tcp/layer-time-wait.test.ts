// TcpLayer TIME_WAIT cap (Linux tcp_max_tw_buckets): past maxTimeWait the oldest TIME_WAIT connections
// close early, counted, after they have acknowledged the peer's FIN.
import { describe, expect, it } from 'vitest';
import { millis, seconds } from '../../src/base/time.ts';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.ts';
import { LayerPair, open } from './layer-pair.ts';

/** Both ends close, client first, the servers' FINs 10 ms apart: the clients enter TIME_WAIT in order. */
function closeInOrder(pair: LayerPair, conns: ReturnType<typeof open>): void {
  for (const [client] of conns) client.close();
  pair.runUntil(pair.now + millis(100));
  for (const [, server] of conns) {
    server.close();
    pair.runUntil(pair.now + millis(10));
  }
  pair.runUntil(pair.now + millis(100));
}

describe('TcpLayer TIME_WAIT cap', () => {
  it('defaults to 16384 entries', () => {
    expect(DEFAULT_TCP_CONFIG.maxTimeWait).toBe(16384);
  });

  it('beyond maxTimeWait the oldest TIME_WAIT connections close early, each counted', () => {
    const pair = new LayerPair({ maxTimeWait: 3, timeWait: seconds(60) });
    const conns = open(pair, 5);
    closeInOrder(pair, conns);
    expect(conns.map(([client]) => client.state)).toEqual([
      'CLOSED',
      'CLOSED',
      'TIME_WAIT',
      'TIME_WAIT',
      'TIME_WAIT',
    ]);
    expect(pair.clientStats.get('tcp.time-wait-overflow')).toBe(2);
    expect([...pair.client.connections()]).toHaveLength(3);
    // The early ones had acknowledged the FIN first: every server end completed its close (no LAST_ACK).
    expect(conns.map(([, server]) => server.state)).toEqual(Array(5).fill('CLOSED'));
    // The three kept wait their full 2·MSL.
    pair.runUntil(pair.now + seconds(59));
    expect([...pair.client.connections()]).toHaveLength(3);
    pair.runUntil(pair.now + seconds(2));
    expect([...pair.client.connections()]).toHaveLength(0);
    expect(pair.client.pollAt()).toBeUndefined();
  });

  it('with maxTimeWait 0 no connection lingers, yet the peer still gets its ACK', () => {
    const pair = new LayerPair({ maxTimeWait: 0 });
    const conns = open(pair, 2);
    closeInOrder(pair, conns);
    expect(conns.map(([client, server]) => [client.state, server.state])).toEqual([
      ['CLOSED', 'CLOSED'],
      ['CLOSED', 'CLOSED'],
    ]);
    expect(pair.clientStats.get('tcp.time-wait-overflow')).toBe(2);
    expect(pair.serverStats.get('tcp.resets-sent')).toBe(0);
    expect(pair.client.pollAt()).toBeUndefined();
  });

  it('below the cap nothing closes early', () => {
    const pair = new LayerPair({ maxTimeWait: 5 });
    const conns = open(pair, 5);
    closeInOrder(pair, conns);
    expect(conns.map(([client]) => client.state)).toEqual(Array(5).fill('TIME_WAIT'));
    expect(pair.clientStats.get('tcp.time-wait-overflow')).toBe(0);
  });
});
