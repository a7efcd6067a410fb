// RFC 5961: blind in-window attacks. RST and SYN in a synchronized state draw rate-limited challenge ACKs;
// ACKs outside [SND.UNA − MAX.SND.WND, SND.NXT] are discarded.
import { describe, expect, it } from 'vitest';
import { millis, seconds } from '../../src/base/time.ts';
import { bytes, Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('RFC 5961', () => {
  it('a SYN in ESTABLISHED draws a challenge ACK and leaves the connection alone (§4.2)', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ control: 'syn', seqNumber: R + 500 });
    h.expect(undefined, { control: 'none', seqNumber: tcb.sndNxt, ackNumber: R + 1 });
    expect(tcb.state).toBe('ESTABLISHED');
    expect(h.events.some((e) => e.kind === 'challenge-ack')).toBe(true);
  });

  it('the peer answering the challenge with an exact RST resets the connection (§3.2)', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ control: 'rst', seqNumber: R + 10 });
    const [challenge] = h.expect(undefined, { ackNumber: R + 1 });
    h.send({ control: 'rst', seqNumber: challenge!.ackNumber! });
    expect(tcb.takeError()).toBe('ECONNRESET');
  });

  it('an RST at the right edge of the window draws a challenge ACK, as on Linux (tcp_acceptable_seq)', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ control: 'rst', seqNumber: tcb.rcvAdvRight });
    const [challenge] = h.expect(undefined, { ackNumber: R + 1 });
    expect(h.stats.get('drop.tcp.rst-out-of-window')).toBe(0);
    h.send({ control: 'rst', seqNumber: challenge!.ackNumber! });
    expect(tcb.takeError()).toBe('ECONNRESET');
  });

  it('an RST beyond the right edge is still dropped silently (§3.2)', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ control: 'rst', seqNumber: tcb.rcvAdvRight + 1 });
    h.expectNothing();
    expect(h.stats.get('drop.tcp.rst-out-of-window')).toBe(1);
    expect(tcb.state).toBe('ESTABLISHED');
  });

  it('challenge ACKs are limited per connection per second (§7)', () => {
    const h = new Harness({ ...PLAIN, challengeAckPerSecond: 3 });
    h.established();
    for (let i = 0; i < 5; i++) h.send({ control: 'syn', seqNumber: R + 100 + i }, millis(i));
    expect(h.recv()).toHaveLength(1);
    expect(h.stats.get('tcp.challenge-acks')).toBe(3);
    expect(h.stats.get('tcp.challenge-acks-rate-limited')).toBe(2);
    expect(h.stats.get('drop.tcp.syn-in-synchronized-state')).toBe(5);
    h.send({ control: 'syn', seqNumber: R + 200 }, seconds(1) + millis(5));
    expect(h.stats.get('tcp.challenge-acks')).toBe(4);
  });

  it('an ACK for data never sent is answered with an ACK and dropped (RFC 9293 §3.10.7.4)', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt + 1000, windowLen: 65535, payload: 'data' });
    h.expect(undefined, { ackNumber: R + 1 });
    expect(tcb.recvQueued).toBe(0);
    expect(h.stats.get('drop.tcp.ack-of-unsent-data')).toBe(1);
  });

  it('with ackUnsentDataReply off (the Linux profile) an ACK for data never sent is dropped silently', () => {
    const h = new Harness({ ...PLAIN, ackUnsentDataReply: false });
    const tcb = h.established();
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt + 1000, windowLen: 65535, payload: 'data' });
    h.expectNothing();
    expect(h.stats.get('drop.tcp.ack-of-unsent-data')).toBe(1);
  });

  it('a segment dropped for its ACK field leaves TS.Recent alone (RFC 7323 §4.3)', () => {
    const h = new Harness({ ...PLAIN, timestamps: true });
    const tcb = h.established({}, { timestamp: { tsVal: 100, tsEcr: 0 } });
    const ts = (tsVal: number) => ({ tsVal, tsEcr: 0 });
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt + 9999, windowLen: 65535, timestamp: ts(200_000) });
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndUna - 70_000, windowLen: 65535, timestamp: ts(300_000) });
    expect(tcb.tsRecent).toBe(100);
    h.recv();
    // The genuine next segment is not taken for an old duplicate by PAWS.
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'ok', timestamp: ts(101) });
    expect(tcb.recvQueued).toBe(2);
    expect(tcb.tsRecent).toBe(101);
  });

  it('an ACK older than SND.UNA − MAX.SND.WND is discarded with a challenge ACK (§5.2)', () => {
    const h = new Harness();
    const tcb = h.established({}, { windowLen: 1000 });
    tcb.send(bytes('x'.repeat(100)));
    h.recv();
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 1000 });
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndUna - 5000, windowLen: 1000, payload: 'blind' });
    expect(tcb.recvQueued).toBe(0);
    expect(h.stats.get('drop.tcp.ack-too-old')).toBe(1);
    h.expect(undefined, { ackNumber: R + 1 });
  });
});
