import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatPacket,
  formatTimestamp,
  RelativeSequenceNumbers,
  TcpdumpFormatter,
} from '../../src/trace/tcpdump.ts';
import {
  CLIENT,
  emittedPackets,
  malformedPackets,
  otherIcmpPackets,
  SERVER,
  tcpPacket,
  udpPacket,
} from './packets.ts';
import { readCapture, splitLines } from './vector-check.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

describe('formatPacket', () => {
  it('prints a SYN-ACK with Linux options as tcpdump -nn does', () => {
    const synAck = tcpPacket(SERVER, CLIENT, {
      srcPort: 80,
      dstPort: 41234,
      control: 'syn',
      seqNumber: 1,
      ackNumber: 2,
      windowLen: 64240,
      maxSegSize: 1460,
      sackPermitted: true,
      timestamp: { tsVal: 1, tsEcr: 2 },
      windowScale: 7,
    });
    expect(formatPacket(synAck)).toBe(
      'IP 198.18.0.2.80 > 198.18.0.1.41234: Flags [S.], seq 1, ack 2, win 64240, ' +
        'options [mss 1460,sackOK,TS val 1 ecr 2,nop,wscale 7], length 0',
    );
  });

  it('prints what ustack emits as tcpdump 4.99.3 printed it (relative sequence numbers)', () => {
    const formatter = new TcpdumpFormatter();
    for (const { packet, tcpdump } of emittedPackets()) expect(formatter.format(packet)).toBe(tcpdump);
  });

  it("names malformed packets in tcpdump's own words", () => {
    for (const { packet, tcpdump } of malformedPackets())
      expect(new TcpdumpFormatter().format(packet)).toBe(tcpdump);
  });

  it('prints the ICMP types and codes the codec keeps raw or refuses as tcpdump does', () => {
    for (const { packet, tcpdump } of otherIcmpPackets()) expect(formatPacket(packet)).toBe(tcpdump);
  });

  it('prints absolute sequence numbers without per-flow state, as tcpdump -S', () => {
    const file = readCapture(fixture('tcp.pcap'));
    const formatter = new TcpdumpFormatter({ absolute: true });
    const lines = file.records.map((r) => formatter.line(r.timestampMicros, r.packet));
    expect(lines).toEqual(splitLines(fixture('tcp.tcpdump-S.txt').toString('utf8')));
    expect(file.records.map((r) => formatPacket(r.packet))).toEqual(lines.map((l) => l.slice(16)));
  });

  it('shows a packet cut at a snaplen with the lengths its headers announce', () => {
    const data = tcpPacket(CLIENT, SERVER, {
      srcPort: 40000,
      dstPort: 5555,
      seqNumber: 7,
      ackNumber: 9,
      windowLen: 100,
      timestamp: { tsVal: 1, tsEcr: 2 },
      payload: new Uint8Array(500),
    });
    expect(formatPacket(data.subarray(0, 60), { wireLength: data.length })).toBe(
      'IP 198.18.0.1.40000 > 198.18.0.2.5555: Flags [.], seq 7:507, ack 9, win 100, ' +
        'options [nop,nop,TS val 1 ecr 2], length 500',
    );
    expect(formatPacket(data.subarray(0, 50), { wireLength: data.length })).toBe(
      'IP 198.18.0.1.40000 > 198.18.0.2.5555: Flags [.], seq 7:507, ack 9, win 100, options [nop,nop,TS [|tcp]>',
    );
    const udp = udpPacket(CLIENT, SERVER, 1, 2, new Uint8Array(100));
    expect(formatPacket(udp.subarray(0, 30), { wireLength: udp.length })).toBe(
      'IP 198.18.0.1.1 > 198.18.0.2.2: UDP, length 100',
    );
  });

  it('leaves IPv6 undecoded and calls other versions invalid', () => {
    expect(formatPacket(new Uint8Array(40).fill(0x60, 0, 1))).toBe('IP6 (not decoded), length 40');
    expect(formatPacket(Uint8Array.of(0x50, 0, 0, 0))).toBe('IP5 (invalid)');
    expect(formatPacket(new Uint8Array(0))).toBe('truncated-ip 0');
  });

  it('never throws: random bytes, and real packets cut short or with bytes changed', () => {
    const real = ['tcp', 'udp', 'icmp', 'fragments'].flatMap((name) =>
      readCapture(fixture(`${name}.pcap`)).records.map((r) => r.packet),
    );
    real.push(...emittedPackets().map((e) => e.packet));
    const formatter = new TcpdumpFormatter({ maxFlows: 4 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (junk) => {
        expect(typeof formatter.format(junk)).toBe('string');
        junk[0] = 0x45;
        expect(formatter.format(junk)).toMatch(/^(IP |truncated-ip)/);
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...real),
        fc.array(fc.tuple(fc.nat(79), fc.nat(255)), { maxLength: 4 }),
        fc.nat(1600),
        (packet, changes, cut) => {
          const mutated = packet.slice(0, Math.max(1, Math.min(cut, packet.length)));
          for (const [at, value] of changes) if (at < mutated.length) mutated[at] = value;
          expect(typeof formatter.format(mutated, packet.length)).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('relative sequence numbers', () => {
  function flow(formatter: TcpdumpFormatter, clientIsn: number, serverIsn: number, clientPort = 40000) {
    const c = { srcPort: clientPort, dstPort: 5555, windowLen: 100 };
    const s = { srcPort: 5555, dstPort: clientPort, windowLen: 100 };
    return [
      formatter.format(tcpPacket(CLIENT, SERVER, { ...c, control: 'syn', seqNumber: clientIsn })),
      formatter.format(
        tcpPacket(SERVER, CLIENT, { ...s, control: 'syn', seqNumber: serverIsn, ackNumber: clientIsn + 1 }),
      ),
      formatter.format(
        tcpPacket(SERVER, CLIENT, {
          ...s,
          push: true,
          seqNumber: (serverIsn + 1) >>> 0,
          ackNumber: clientIsn + 1,
          payload: new Uint8Array(100),
        }),
      ),
      formatter.format(
        tcpPacket(CLIENT, SERVER, {
          ...c,
          seqNumber: clientIsn + 1,
          ackNumber: (serverIsn + 101) >>> 0,
          sackRanges: [[(serverIsn + 201) >>> 0, (serverIsn + 301) >>> 0]],
        }),
      ),
    ].map((line) => line.replace(/^IP \S+ > \S+ /, ''));
  }

  it('count from each side of a connection from its first ACK-bearing segment, across 2^32', () => {
    expect(flow(new TcpdumpFormatter(), 1000, 0xfffffff0)).toEqual([
      'Flags [S], seq 1000, win 100, length 0',
      'Flags [S.], seq 4294967280, ack 1001, win 100, length 0',
      'Flags [P.], seq 1:101, ack 1, win 100, length 100',
      'Flags [.], ack 101, win 100, options [nop,nop,sack 1 {201:301}], length 0',
    ]);
  });

  it('start over when a SYN-ACK reuses a connection', () => {
    const formatter = new TcpdumpFormatter();
    flow(formatter, 1000, 5000);
    expect(flow(formatter, 7000, 9000)[2]).toBe('Flags [P.], seq 1:101, ack 1, win 100, length 100');
  });

  it('forget the oldest connection beyond their bound, which then counts afresh', () => {
    const formatter = new TcpdumpFormatter({ maxFlows: 1 });
    flow(formatter, 1000, 5000, 40000);
    flow(formatter, 1000, 5000, 40001);
    const late = tcpPacket(SERVER, CLIENT, {
      srcPort: 5555,
      dstPort: 40000,
      seqNumber: 5001,
      ackNumber: 1001,
    });
    expect(formatter.format(late)).toContain('ack 1001,');
    expect(formatter.format(late)).toContain('ack 1,');
  });

  it('key both directions of a connection to one entry, ordered by port then address', () => {
    const relative = new RelativeSequenceNumbers();
    const out = { seq: 0, ack: 0, sackBase: 0 };
    relative.relate(SERVER, CLIENT, 7, 7, true, 100, 501, out);
    expect(relative.size).toBe(1);
    relative.relate(CLIENT, SERVER, 7, 7, false, 501, 101, out);
    expect(out).toEqual({ seq: 1, ack: 1, sackBase: 100 });
    expect(relative.size).toBe(1);
  });
});

describe('formatTimestamp', () => {
  it("prints tcpdump's time of day in UTC, to the microsecond", () => {
    expect(formatTimestamp(0)).toBe('00:00:00.000000');
    expect(formatTimestamp(1_700_000_000_123_456)).toBe('22:13:20.123456');
    expect(formatTimestamp(86_399_999_999)).toBe('23:59:59.999999');
    expect(formatTimestamp(-1)).toBe('23:59:59.999999');
  });
});
