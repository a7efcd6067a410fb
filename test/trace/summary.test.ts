import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../src/link/pcap.ts';
import { formatCaptureSummary, summarizeCapture } from '../../src/trace/summary.ts';
import { buildCapture, LOSSY_TRANSFER, type Scripted } from './graph/synthetic.ts';

function records(bytes: Uint8Array) {
  const capture = readPcap(bytes);
  if (typeof capture === 'string') throw new Error(capture);
  return capture.records;
}

function fixture(name: string) {
  return records(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
}

describe('capture summary on the committed kernel captures', () => {
  it('tcp.pcap: a request/response closed by FIN both ways, then a connect refused by RST', () => {
    const summary = summarizeCapture(fixture('tcp.pcap'));
    expect(summary.packets).toBe(12);
    expect(summary.otherPackets).toBe(0);
    const [echo, refused] = summary.flows;
    expect(echo).toMatchObject({ protocol: 'tcp', index: 1, end: 'closed', sawSyn: true });
    // traffic.py: the client sends "hello\n", the server answers "world, hello\n".
    expect([echo!.forward.packets, echo!.forward.dataBytes, echo!.forward.retransmissions]).toEqual([
      6, 6, 0,
    ]);
    expect([echo!.reverse.packets, echo!.reverse.dataBytes, echo!.reverse.retransmissions]).toEqual([
      4, 13, 0,
    ]);
    expect(echo!.lastAt - echo!.firstAt).toBeGreaterThan(0);
    expect(echo!.lastAt - echo!.firstAt).toBeLessThan(1_000_000);
    expect(refused).toMatchObject({ protocol: 'tcp', index: 2, end: 'refused' });
    expect(refused!.forward.to.port).toBe(5556);
    const text = formatCaptureSummary(summary);
    expect(text[0]).toBe('12 packets: 2 TCP connections, 0 UDP flows, 0 other packets');
    expect(text[1]).toMatch(
      /^TCP #1 198\.18\.0\.1:40000 <> 198\.18\.0\.2:5555, 0\.\d{6} s, closed by FIN both ways$/,
    );
    expect(text[2]).toBe(
      '    198.18.0.1:40000 > 198.18.0.2:5555: 6 packets, 6 data bytes, 0 retransmissions',
    );
    expect(text[3]).toBe(
      '    198.18.0.2:5555 > 198.18.0.1:40000: 4 packets, 13 data bytes, 0 retransmissions',
    );
    expect(text[4]).toMatch(/, refused \(RST answered the SYN\)$/);
  });

  it('udp.pcap: the echo flow and the datagram to a closed port; the ICMP error is "other"', () => {
    const summary = summarizeCapture(fixture('udp.pcap'));
    expect(summary.otherPackets).toBe(1);
    expect(
      summary.flows.map((f) => [
        f.protocol,
        f.index,
        f.forward.to.port,
        f.forward.packets,
        f.reverse.packets,
      ]),
    ).toEqual([
      ['udp', 1, 5557, 2, 2],
      ['udp', 2, 9, 1, 0],
    ]);
    expect(summary.flows[0]!.end).toBeUndefined();
    expect(formatCaptureSummary(summary)[2]).toBe(
      '    198.18.0.1:40002 > 198.18.0.2:5557: 2 packets, 14 data bytes',
    );
  });

  it('icmp.pcap and fragments.pcap: no connections; a fragmented datagram counts once, by its UDP length', () => {
    expect(summarizeCapture(fixture('icmp.pcap'))).toMatchObject({ packets: 6, flows: [], otherPackets: 6 });
    const fragments = summarizeCapture(fixture('fragments.pcap'));
    expect(fragments.flows).toHaveLength(1);
    expect(fragments.flows[0]!.forward).toMatchObject({ packets: 1, dataBytes: 2000 });
  });

  it('graph/bulk-lossy.pcap: 300000 bytes sent, two retransmitted, closed', () => {
    const [bulk] = summarizeCapture(fixture('graph/bulk-lossy.pcap')).flows;
    expect(bulk).toMatchObject({ end: 'closed', sawSyn: true });
    expect(bulk!.forward).toMatchObject({ packets: 214, dataBytes: 300000 + 2 * 1448, retransmissions: 2 });
    expect(bulk!.reverse).toMatchObject({ packets: 158, dataBytes: 0, retransmissions: 0 });
  });
});

describe('how a connection ended', () => {
  const end = (script: Scripted[]) => summarizeCapture(records(buildCapture(script))).flows[0]!.end;
  const established = LOSSY_TRANSFER.slice(0, 5);

  it('tells reset, half-closed, open and unanswered apart', () => {
    expect(end([...established, { at: 11_000, fromClient: true, flags: 'R', seq: 2001 }])).toBe(
      'reset by client',
    );
    expect(end([...established, { at: 11_000, fromClient: false, flags: 'R', seq: 1 }])).toBe(
      'reset by server',
    );
    expect(end([...established, { at: 11_000, fromClient: true, flags: 'F.', seq: 2001, ack: 1 }])).toBe(
      'half-closed by client',
    );
    expect(end([...established, { at: 11_000, fromClient: false, flags: 'F.', seq: 1, ack: 2001 }])).toBe(
      'half-closed by server',
    );
    expect(end(established)).toBe('open');
    expect(end([LOSSY_TRANSFER[0]!, { ...LOSSY_TRANSFER[0]!, at: 1_000_000 }])).toBe('unanswered');
  });

  it('says when the capture began after the SYN', () => {
    const summary = summarizeCapture(records(buildCapture(LOSSY_TRANSFER.slice(3))));
    expect(summary.flows[0]!.sawSyn).toBe(false);
    expect(formatCaptureSummary(summary)[1]).toMatch(
      /closed by FIN both ways \(no SYN in the capture: it began earlier\)$/,
    );
  });
});
