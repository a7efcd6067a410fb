import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../src/link/pcap.ts';
import { formatEndpoint, fromClient, groupFlows } from '../../../src/trace/graph/connections.ts';
import { decodeTransport, type TransportPacket } from '../../../src/trace/graph/packets.ts';
import { buildCapture, CLIENT, LOSSY_TRANSFER, type Scripted, SERVER } from './synthetic.ts';

function packetsOf(script: Scripted[]): TransportPacket[] {
  const capture = readPcap(buildCapture(script));
  if (typeof capture === 'string') throw new Error(capture);
  return capture.records.map((r) => decodeTransport(r.timestampMicros, r.packet)!);
}

describe('groupFlows', () => {
  it('puts both directions of a connection together, the SYN’s sender as the client', () => {
    const { tcp, udp } = groupFlows(packetsOf(LOSSY_TRANSFER));
    expect(udp).toEqual([]);
    expect(tcp).toHaveLength(1);
    expect(tcp[0]!.index).toBe(1);
    expect(tcp[0]!.client).toEqual(CLIENT);
    expect(tcp[0]!.server).toEqual(SERVER);
    expect(tcp[0]!.packets).toHaveLength(LOSSY_TRANSFER.length);
    expect(tcp[0]!.packets.map((p) => fromClient(tcp[0]!, p))).toEqual(
      LOSSY_TRANSFER.map((s) => s.fromClient),
    );
    expect(formatEndpoint(tcp[0]!.client)).toBe('198.18.0.1:40000');
  });

  it('knows the client from a SYN-ACK when the capture missed the SYN', () => {
    const { tcp } = groupFlows(packetsOf(LOSSY_TRANSFER.slice(1)));
    expect(tcp[0]!.client).toEqual(CLIENT);
  });

  it('takes the first sender as the client when the capture starts mid-connection', () => {
    const { tcp } = groupFlows(packetsOf(LOSSY_TRANSFER.slice(5)));
    expect(tcp[0]!.client).toEqual(SERVER);
  });

  it('starts a new connection for a SYN on a 4-tuple whose connection ended, not before', () => {
    const again = LOSSY_TRANSFER.map((s) => ({ ...s, at: s.at + 100_000 }));
    const { tcp } = groupFlows(packetsOf([...LOSSY_TRANSFER, ...again]));
    expect(tcp.map((c) => [c.index, c.packets.length])).toEqual([
      [1, LOSSY_TRANSFER.length],
      [2, LOSSY_TRANSFER.length],
    ]);
    // A retransmitted SYN of a live connection stays in it.
    const synTwice = [LOSSY_TRANSFER[0]!, { ...LOSSY_TRANSFER[0]!, at: 1000 }, ...LOSSY_TRANSFER.slice(1)];
    expect(groupFlows(packetsOf(synTwice)).tcp).toHaveLength(1);
    const reset: Scripted = { at: 10_200, fromClient: true, flags: 'R', seq: 1 };
    const afterReset = [...LOSSY_TRANSFER.slice(0, 3), reset, ...again];
    expect(groupFlows(packetsOf(afterReset)).tcp.map((c) => c.packets.length)).toEqual([
      4,
      LOSSY_TRANSFER.length,
    ]);
  });
});
