// Loss recovery and the negotiated options: the initial window, fast retransmit and NewReno (RFC 5681,
// RFC 6582), SACK blocks sent and received with RFC 6675 recovery, window scaling, timestamps and PAWS.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import { seqAdd } from '../../src/tcp/seq.ts';
import { Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;
const MSS = 1460;

function flight(h: Harness, segments: number) {
  const tcb = h.established();
  const s = tcb.sndNxt;
  tcb.send(new Uint8Array(MSS * segments).map((_, i) => i & 0xff));
  return { tcb, s, sent: h.recv(millis(1)) };
}

describe('congestion control', () => {
  it('starts with an initial window of 10 segments (RFC 6928)', () => {
    const h = new Harness();
    const { sent } = flight(h, 20);
    expect(sent).toHaveLength(10);
    expect(sent.every((seg) => seg.payload.length === MSS)).toBe(true);
  });

  it('slow start: each ACK of a full segment lets two more out', () => {
    const h = new Harness();
    const { s } = flight(h, 30);
    h.send({ seqNumber: R + 1, ackNumber: s + MSS, windowLen: 65535 }, millis(20));
    expect(h.recv()).toHaveLength(2);
  });
});

describe('cwnd trace', () => {
  it('a growth event each time cwnd passes a whole segment, none while it stays within one', () => {
    const h = new Harness();
    const { s } = flight(h, 30);
    const growth = () => h.events.filter((e) => e.kind === 'cwnd');
    h.send({ seqNumber: R + 1, ackNumber: s + 100, windowLen: 65535 }, millis(20));
    expect(growth()).toHaveLength(0);
    h.send({ seqNumber: R + 1, ackNumber: s + MSS, windowLen: 65535 }, millis(21));
    expect(growth()).toEqual([
      expect.objectContaining({ cwnd: 11 * MSS, why: 'slow start (RFC 5681 §3.1)' }),
    ]);
  });
});

describe('fast retransmit and NewReno (RFC 5681 §3.2, RFC 6582)', () => {
  it('three duplicate ACKs retransmit the lost segment; a partial ACK the next; a full ACK ends recovery', () => {
    const h = new Harness();
    const { tcb, s } = flight(h, 10);
    const ack = (n: number) => h.send({ seqNumber: R + 1, ackNumber: s + n, windowLen: 65535 }, millis(20));
    ack(MSS); // segment 1 arrived; 2 and 3 were lost
    h.recv();
    ack(MSS);
    ack(MSS);
    h.expectNothing();
    ack(MSS);
    h.expect(undefined, { seqNumber: s + MSS, payload: new Uint8Array(MSS).map((_, i) => (MSS + i) & 0xff) });
    expect(tcb.recovery.inRecovery).toBe(true);
    expect(h.events.some((e) => e.kind === 'retransmit' && e.reason === 'fast-retransmit')).toBe(true);
    // Partial ACK (segment 2 repaired, 3 still missing): retransmit segment 3 at once (RFC 6582 §3.2).
    ack(2 * MSS);
    const out = h.recv();
    expect(out[0]).toMatchObject({ seqNumber: s + 2 * MSS });
    const recover = tcb.recovery.recover;
    h.send({ seqNumber: R + 1, ackNumber: recover, windowLen: 65535 }, millis(40));
    expect(tcb.recovery.inRecovery).toBe(false);
    expect(tcb.cc.cwnd).toBeLessThanOrEqual(tcb.cc.ssthresh + MSS);
  });
});

describe('SACK (RFC 2018, RFC 6675)', () => {
  const SACK = { ...PLAIN, sack: true };

  it('reports out-of-order data in SACK blocks, most recent first', () => {
    const h = new Harness(SACK);
    const tcb = h.established({}, { sackPermitted: true });
    expect(tcb.sackEnabled).toBe(true);
    const s = tcb.sndNxt;
    h.send({ seqNumber: R + 11, ackNumber: s, windowLen: 65535, payload: 'x'.repeat(10) });
    h.expect(undefined, { ackNumber: R + 1, sackRanges: [[R + 11, R + 21]] });
    h.send({ seqNumber: R + 31, ackNumber: s, windowLen: 65535, payload: 'y'.repeat(10) });
    h.expect(undefined, {
      ackNumber: R + 1,
      sackRanges: [
        [R + 31, R + 41],
        [R + 11, R + 21],
      ],
    });
  });

  it('retransmits only the hole the SACK scoreboard shows lost, never SACKed data', () => {
    const h = new Harness(SACK);
    const tcb = h.established({}, { sackPermitted: true });
    const s = tcb.sndNxt;
    tcb.send(new Uint8Array(MSS * 10));
    h.recv(millis(1));
    // Segment 1 lost; the receiver SACKs 2..4 in three ACKs.
    for (let k = 2; k <= 4; k++) {
      h.send(
        { seqNumber: R + 1, ackNumber: s, windowLen: 65535, sackRanges: [[s + MSS, s + k * MSS]] },
        millis(20),
      );
    }
    const out = h.recv();
    expect(out[0]).toMatchObject({ seqNumber: s, payload: new Uint8Array(MSS) });
    expect(out.every((seg) => seg.seqNumber === s || seg.seqNumber >= s + 10 * MSS)).toBe(true);
    expect(tcb.info(millis(20)).sacked).toBe(3 * MSS);
    h.send({ seqNumber: R + 1, ackNumber: s + 10 * MSS, windowLen: 65535 }, millis(40));
    expect(tcb.recovery.inRecovery).toBe(false);
    expect(tcb.info(millis(40)).sacked).toBe(0);
  });

  it('after an RTO resends from SND.UNA but skips what was SACKed', () => {
    const h = new Harness(SACK);
    const tcb = h.established({}, { sackPermitted: true });
    const s = tcb.sndNxt;
    tcb.send(new Uint8Array(MSS * 4));
    h.recv(millis(1));
    h.send(
      { seqNumber: R + 1, ackNumber: s, windowLen: 65535, sackRanges: [[s + MSS, s + 3 * MSS]] },
      millis(20),
    );
    h.recv();
    const rtoAt = tcb.timer.kind === 'retransmit' ? tcb.timer.at : 0;
    const out = h.recv(rtoAt);
    expect(out.map((o) => o.seqNumber)).toEqual([s]);
    h.send(
      { seqNumber: R + 1, ackNumber: s + MSS, windowLen: 65535, sackRanges: [[s + MSS, s + 3 * MSS]] },
      rtoAt + millis(20),
    );
    expect(h.recv().map((o) => o.seqNumber)).toEqual([s + 3 * MSS]);
  });
});

describe('window scaling (RFC 7323 §2)', () => {
  it('scales the windows both ways once both SYNs carried the option', () => {
    const h = new Harness({ ...PLAIN, windowScaling: true, recvBuffer: 1 << 20 });
    const tcb = h.connect();
    const [syn] = h.expect(0, { control: 'syn', windowScale: 5, windowLen: 65535 });
    h.send({
      control: 'syn',
      seqNumber: R,
      ackNumber: seqAdd(syn!.seqNumber, 1),
      windowLen: 65535,
      windowScale: 3,
    });
    h.expect(undefined, { ackNumber: R + 1, windowLen: (1 << 20) >>> 5 });
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 1000 });
    expect(tcb.sndWnd).toBe(8000);
  });

  it('falls back to no scaling when the peer does not offer it', () => {
    const h = new Harness({ ...PLAIN, windowScaling: true, recvBuffer: 1 << 20 });
    const tcb = h.established();
    expect(tcb.rcvWscale).toBe(0);
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 1000, payload: 'x' });
    // Unscaled, the 16-bit field caps the window; one unread byte moves its right edge by less than SWS.
    h.expect(undefined, { windowLen: 65534 });
  });
});

describe('timestamps (RFC 7323 §3–5)', () => {
  const TS = { ...PLAIN, timestamps: true };

  it('echoes TS.Recent, samples the RTT from TSecr and takes the option out of the MSS', () => {
    const h = new Harness(TS);
    const tcb = h.connect();
    const [syn] = h.expect(0, { control: 'syn', timestamp: { tsEcr: 0 } });
    h.send(
      {
        control: 'syn',
        seqNumber: R,
        ackNumber: seqAdd(syn!.seqNumber, 1),
        windowLen: 65535,
        maxSegSize: 1460,
        timestamp: { tsVal: 500, tsEcr: syn!.timestamp!.tsVal },
      },
      millis(30),
    );
    h.expect(undefined, { timestamp: { tsEcr: 500 } });
    expect(tcb.tsEnabled).toBe(true);
    expect(tcb.info(0).mss).toBe(1448);
    tcb.send(new Uint8Array(100));
    const [data] = h.expect(millis(31), { timestamp: { tsEcr: 500 } });
    h.send(
      {
        seqNumber: R + 1,
        ackNumber: tcb.sndNxt,
        windowLen: 65535,
        timestamp: { tsVal: 510, tsEcr: data!.timestamp!.tsVal },
      },
      millis(81),
    );
    expect(tcb.rtt.srtt).toBeGreaterThan(millis(30));
    expect(tcb.tsRecent).toBe(510);
  });

  it('PAWS drops a segment with an old timestamp and answers with an ACK (RFC 7323 §5.3)', () => {
    const h = new Harness(TS);
    const tcb = h.established({}, { timestamp: { tsVal: 1000, tsEcr: 0 } });
    h.send({
      seqNumber: R + 1,
      ackNumber: tcb.sndNxt,
      windowLen: 65535,
      payload: 'new',
      timestamp: { tsVal: 1001 },
    });
    h.recv();
    h.send({
      seqNumber: R + 4,
      ackNumber: tcb.sndNxt,
      windowLen: 65535,
      payload: 'old',
      timestamp: { tsVal: 900 },
    });
    h.expect(undefined, { ackNumber: R + 4 });
    expect(tcb.recvQueued).toBe(3);
    expect(h.stats.get('drop.tcp.paws')).toBe(1);
  });
});
