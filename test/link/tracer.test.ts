import { describe, expect, it } from 'vitest';
import { type Link, type PacketsHandler, plainCaps } from '../../src/link/link.ts';
import { withTracer } from '../../src/link/tracer.ts';
import { CLIENT, SERVER, tcpPacket } from '../trace/packets.ts';

/** A link that keeps what is sent and delivers what the test injects, synchronously. */
class ScriptedLink implements Link {
  readonly mtu = 1400;
  readonly caps = plainCaps(1400);
  readonly sent: Uint8Array[] = [];
  handler: PacketsHandler | undefined;
  flushed = 0;
  closed = false;
  send(packet: Uint8Array): void {
    this.sent.push(packet);
  }
  flush(): void {
    this.flushed++;
  }
  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const syn = tcpPacket(SERVER, CLIENT, {
  srcPort: 40000,
  dstPort: 80,
  control: 'syn',
  seqNumber: 1000,
  windowLen: 64240,
});
const synAck = tcpPacket(CLIENT, SERVER, {
  srcPort: 80,
  dstPort: 40000,
  control: 'syn',
  seqNumber: 7000,
  ackNumber: 1001,
  windowLen: 65535,
});
const ack = tcpPacket(SERVER, CLIENT, {
  srcPort: 40000,
  dstPort: 80,
  seqNumber: 1001,
  ackNumber: 7001,
  windowLen: 502,
});

describe('withTracer', () => {
  it('writes one tcpdump -i any style line per packet, both directions, before passing it on', async () => {
    const inner = new ScriptedLink();
    const lines: string[] = [];
    let now = Date.UTC(2024, 0, 1, 12, 30) * 1000 + 5;
    const link = withTracer(
      inner,
      (line) => lines.push(line),
      () => now,
      'tun0',
    );
    expect(link.mtu).toBe(1400);
    expect(link.caps).toBe(inner.caps);
    const received: Uint8Array[] = [];
    link.onPackets((packets) => received.push(...packets));

    link.send(syn);
    now += 250;
    inner.handler!([synAck]);
    now += 1_000_000;
    link.send(ack);
    link.flush();
    await link.close();

    expect(lines).toEqual([
      '12:30:00.000005 tun0  Out IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S], seq 1000, win 64240, length 0',
      '12:30:00.000255 tun0  In  IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [S.], seq 7000, ack 1001, win 65535, length 0',
      // The ACK's numbers are relative to the ISNs the SYN-ACK carried in the other direction.
      '12:30:01.000255 tun0  Out IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [.], ack 1, win 502, length 0',
    ]);
    expect(inner.sent).toEqual([syn, ack]);
    expect(received).toEqual([synAck]);
    expect(inner.flushed).toBe(1);
    expect(inner.closed).toBe(true);
  });

  it('leaves out the interface column without a label, and traces malformed packets too', () => {
    const inner = new ScriptedLink();
    const lines: string[] = [];
    const link = withTracer(
      inner,
      (line) => lines.push(line),
      () => 0,
    );
    link.onPackets(() => {});
    inner.handler!([Uint8Array.of(0x45, 0, 0)]);
    link.send(syn);
    expect(lines).toEqual([
      '00:00:00.000000 In  IP  [|ip]',
      '00:00:00.000000 Out IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S], seq 1000, win 64240, length 0',
    ]);
  });
});
