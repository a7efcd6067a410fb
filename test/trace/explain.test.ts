// The explained and JSON trace formats, and the ss/netstat views, as golden text on a deterministic run.
import { afterEach, describe, expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import type { TcpEvent } from '../../src/tcp/events.ts';
import { describeEvent, RelativeSequence, TraceWriter } from '../../src/trace/explain.ts';
import { formatCounters, formatSocketTable } from '../../src/trace/ss.ts';

let stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

const at = 1_700_000_000_000_000;

describe('describeEvent', () => {
  it('says what each kind of event means, with its RFC section', () => {
    const events: TcpEvent[] = [
      {
        at,
        conn: 1,
        kind: 'state',
        from: 'SYN_SENT',
        to: 'ESTABLISHED',
        why: 'SYN-ACK acknowledges our SYN',
      },
      { at, conn: 1, kind: 'rto', rto: 400_000, backoff: 1 },
      { at, conn: 1, kind: 'dup-ack', count: 3 },
      { at, conn: 1, kind: 'dup-ack', count: 1 },
      { at, conn: 1, kind: 'retransmit', reason: 'fast-retransmit', seq: 1000, len: 1448 },
      { at, conn: 1, kind: 'cwnd', cwnd: 14480, ssthresh: 2 ** 31, why: 'slow start' },
      { at, conn: 1, kind: 'challenge-ack', why: 'in-window RST' },
      { at, conn: 1, kind: 'persist' },
      { at, conn: 1, kind: 'drop', reason: 'paws' },
    ];
    expect(events.map((event) => describeEvent(event))).toEqual([
      'SYN_SENT → ESTABLISHED: SYN-ACK acknowledges our SYN',
      'RTO fired, backoff ×2, next RTO 400 ms (RFC 6298 §5.5)',
      'dup ACK #3 → fast retransmit (RFC 5681 §3.2)',
      'dup ACK #1 (RFC 5681 §3.2: three mean a loss)',
      'retransmission of 1448 bytes at seq 1000 (fast retransmit, RFC 5681 §3.2)',
      'cwnd 14480 bytes, ssthresh ∞: slow start',
      'challenge ACK (RFC 5961): in-window RST',
      'window full: persist timer probes the zero window (RFC 9293 §3.8.6.1)',
      'dropped: paws',
    ]);
  });
});

async function tracedExchange(
  mode: 'explain' | 'json',
): Promise<{ lines: string[]; server: Stack; client: Stack }> {
  const lines: string[] = [];
  let tick = at;
  const writer = new TraceWriter(
    mode,
    (line) => lines.push(line),
    () => (tick += 1000),
  );
  stacks = await Stack.memoryPair({
    seed: 4,
    wrapLink: (link, side) => (side === 0 ? writer.wrapLink(link, 'mem0') : link),
    trace: (event, side) => {
      if (side === 0) writer.tcpEvent(event);
    },
  });
  const [client, server] = stacks as [Stack, Stack];
  const listener = server.socket();
  listener.bind(['', 7]);
  listener.listen();
  const c = client.socket();
  await c.connect(['198.18.0.2', 7]);
  const [conn] = await listener.accept();
  await c.sendall(Buffer.from('hi'));
  await conn.recv(10);
  return { lines, server, client };
}

describe('RelativeSequence', () => {
  it('numbers retransmissions as tcpdump does, from the SYN of their connection', () => {
    const sequence = new RelativeSequence();
    sequence.note({
      at,
      conn: 3,
      kind: 'segment',
      flags: 'S',
      seq: 0xfffffff0,
      ack: undefined,
      len: 0,
      why: 'SYN',
    });
    const retransmit: TcpEvent = { at, conn: 3, kind: 'retransmit', reason: 'rto', seq: 0x10, len: 100 };
    expect(describeEvent(retransmit, sequence)).toBe(
      'retransmission of 100 bytes at seq 32 (retransmission timeout, RFC 6298 §5.4)',
    );
    expect(sequence.of(4, 1234)).toBe(1234);
  });
});

describe('TraceWriter', () => {
  it('explain mode puts why under each packet line', async () => {
    const { lines } = await tracedExchange('explain');
    const text = lines.join('\n').replace(/^\d\d:\d\d:\d\d\.\d{6}/gm, 'TIME');
    expect(text).toContain('TIME mem0  Out IP 198.18.0.1.');
    const synLine = lines.findIndex((l) => l.includes('Flags [S],'));
    expect(lines[synLine + 1]).toMatch(/↳ \[conn \d+\] SYN: active open, ISN per RFC 6528$/);
    const synAck = lines.findIndex((l) => l.includes('Flags [S.],'));
    expect(lines[synAck + 1]).toMatch(/↳ \[conn \d+\] SYN_SENT → ESTABLISHED: SYN-ACK acknowledges our SYN$/);
  });

  it('json mode writes one parseable object per packet and per event', async () => {
    const { lines } = await tracedExchange('json');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ type: 'tcp', kind: 'state', from: 'CLOSED', to: 'SYN_SENT' });
    expect(records.find((r) => r.type === 'packet')).toMatchObject({ dir: 'out', iface: 'mem0' });
    expect(records.filter((r) => r.type === 'packet').length).toBeGreaterThanOrEqual(3);
  });
});

describe('ss and netstat views', () => {
  it('list listeners and connections with their TCP internals', async () => {
    const { server } = await tracedExchange('json');
    const table = formatSocketTable(server.core, server.now()).split('\n');
    expect(table[0]).toMatch(/^State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port$/);
    expect(table[1]).toMatch(/^LISTEN\s+0\s+128\s+0\.0\.0\.0:7\s+0\.0\.0\.0:\*$/);
    expect(table[2]).toMatch(/^ESTAB\s+0\s+0\s+198\.18\.0\.2:7\s+198\.18\.0\.1:\d+$/);
    expect(table[3]).toMatch(/^\t cubic ts sack wscale:7,7 rto:\d+ rtt:[\d.]+\/[\d.]+ mss:1448 cwnd:10 /);
  });

  it('group counters by layer as netstat -s does', () => {
    expect(formatCounters({ 'ip.packets-in': 3, 'tcp.segments-in': 2, drop: 1, 'drop.paws': 1 })).toBe(
      [
        'DROP:',
        '             1 total',
        '             1 paws',
        'IP:',
        '             3 packets-in',
        'TCP:',
        '             2 segments-in',
      ].join('\n'),
    );
  });
});
