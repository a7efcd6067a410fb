// Flow control (RFC 9293 §3.8.6): the receive window from free buffer space, receiver and sender silly
// window avoidance, zero-window probing with the persist timer, Nagle, delayed ACKs, out-of-order assembly.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import { bytes, Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('receive window', () => {
  it('advertises the free buffer, closes to zero when full, reopens only by an SWS-sized step', () => {
    const h = new Harness();
    const tcb = h.established({ recvBuffer: 4096 });
    tcb.quickAcks = 0;
    const s = tcb.sndNxt;
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 65535, payload: new Uint8Array(1000) });
    h.expect(millis(40), { ackNumber: R + 1001, windowLen: 3096 });
    h.send({ seqNumber: R + 1001, ackNumber: s, windowLen: 65535, payload: new Uint8Array(3096) });
    h.expect(undefined, { ackNumber: R + 4097, windowLen: 0 });
    // Reading 100 bytes would open a silly window: no update (RFC 9293 §3.8.6.2.2).
    tcb.recv(new Uint8Array(100));
    h.expectNothing();
    // Reading 2000 more opens at least min(RCV.BUFF/2, MSS): a window update goes out.
    tcb.recv(new Uint8Array(2000));
    h.expect(undefined, { ackNumber: R + 4097, windowLen: 2100 });
  });

  it('accepts a bare FIN at RCV.NXT even with the window closed', () => {
    const h = new Harness();
    const tcb = h.established({ recvBuffer: 1024 });
    const s = tcb.sndNxt;
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 65535, payload: new Uint8Array(1024) });
    h.expect(undefined, { windowLen: 0 });
    h.send({ control: 'fin', seqNumber: R + 1025, ackNumber: s, windowLen: 65535 });
    expect(tcb.state).toBe('CLOSE_WAIT');
    h.expect(undefined, { ackNumber: R + 1026 });
  });

  it('drops data beyond the advertised window and answers with an ACK', () => {
    const h = new Harness();
    const tcb = h.established({ recvBuffer: 2048 });
    const s = tcb.sndNxt;
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 65535, payload: new Uint8Array(2048) });
    h.recv();
    h.send({ seqNumber: R + 2049, ackNumber: s, windowLen: 65535, payload: 'x' });
    h.expect(undefined, { ackNumber: R + 2049, windowLen: 0 });
    expect(tcb.recvQueued).toBe(2048);
    expect(h.stats.get('drop.tcp.out-of-window')).toBe(1);
  });
});

describe('sending under the peer window', () => {
  it('sends no more than the offered window and resumes when it opens', () => {
    const h = new Harness();
    const tcb = h.established({}, { windowLen: 1000 });
    const s = tcb.sndNxt;
    tcb.send(new Uint8Array(3000));
    h.expect(0, { seqNumber: s, payload: new Uint8Array(1000) });
    h.expectNothing();
    h.send({ seqNumber: R + 1, ackNumber: s + 1000, windowLen: 2000 }, millis(10));
    // 1460 bytes fit; the last 540 wait for the ACK (Nagle: data is outstanding, and 540 < half the window).
    h.expect(undefined, { seqNumber: s + 1000, payload: new Uint8Array(1460) });
    h.send({ seqNumber: R + 1, ackNumber: s + 2460, windowLen: 2000 }, millis(20));
    h.expect(undefined, { seqNumber: s + 2460, payload: new Uint8Array(540) });
  });

  it('zero window: the persist timer probes with SND.UNA − 1 and backs off until the window opens', () => {
    const h = new Harness();
    const tcb = h.established({}, { windowLen: 0 });
    const s = tcb.sndNxt;
    tcb.send(bytes('blocked'));
    h.expectNothing(0);
    const rto = tcb.rtt.rto;
    expect(h.layer.pollAt()).toBe(rto);
    h.expect(rto, { seqNumber: s - 1, ackNumber: R + 1, payload: new Uint8Array(0) });
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 0 }, rto + millis(1));
    // Second probe twice the interval after the first.
    expect(h.layer.pollAt()).toBe(3 * rto);
    h.expect(3 * rto, { seqNumber: s - 1 });
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 100 }, 4 * rto);
    h.expect(undefined, { seqNumber: s, payload: 'blocked' });
    expect(h.events.filter((e) => e.kind === 'persist')).toHaveLength(2);
    expect(tcb.state).toBe('ESTABLISHED');
  });
});

describe('Nagle (RFC 9293 §3.7.4)', () => {
  it('holds a small segment while data is unacknowledged; the ACK releases it', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    tcb.send(bytes('a'));
    h.expect(0, { seqNumber: s, payload: 'a' });
    tcb.send(bytes('b'));
    tcb.send(bytes('c'));
    h.expectNothing();
    h.send({ seqNumber: R + 1, ackNumber: s + 1, windowLen: 65535 }, millis(5));
    h.expect(undefined, { seqNumber: s + 1, payload: 'bc' });
  });

  it('noDelay sends small segments at once', () => {
    const h = new Harness();
    const tcb = h.established({ noDelay: true });
    const s = tcb.sndNxt;
    tcb.send(bytes('a'));
    h.expect(0, { seqNumber: s, payload: 'a' });
    tcb.send(bytes('b'));
    h.expect(0, { seqNumber: s + 1, payload: 'b' });
  });

  it('full-sized segments are never held', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.send(new Uint8Array(1460 * 2 + 10));
    const out = h.recv(0);
    expect(out.map((o) => o.payload.length)).toEqual([1460, 1460]);
  });
});

describe('delayed ACK (RFC 9293 §3.8.6.3)', () => {
  it('quick ACKs at the start of a connection, then delayed ones', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    for (let i = 0; i < 16; i++) {
      h.send({ seqNumber: R + 1 + i, ackNumber: s, windowLen: 65535, payload: 'x' });
      h.expect(undefined, { ackNumber: R + 2 + i });
    }
    h.send({ seqNumber: R + 17, ackNumber: s, windowLen: 65535, payload: 'x' });
    h.expectNothing();
    h.expect(millis(40), { ackNumber: R + 18 });
  });

  it('an ACK rides on outgoing data instead of waiting', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.quickAcks = 0;
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'ping' });
    tcb.send(bytes('pong'));
    h.expect(undefined, { ackNumber: R + 5, payload: 'pong' });
    expect(h.layer.pollAt()).not.toBe(millis(40));
  });
});

describe('out-of-order assembly (RFC 9293 §3.10.7.4)', () => {
  it('parks segments beyond RCV.NXT, sends immediate duplicate ACKs, delivers in order once the gap fills', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    h.send({ seqNumber: R + 4, ackNumber: s, windowLen: 65535, payload: 'def' });
    h.expect(undefined, { ackNumber: R + 1 });
    h.send({ seqNumber: R + 7, ackNumber: s, windowLen: 65535, payload: 'ghi' });
    h.expect(undefined, { ackNumber: R + 1 });
    expect(tcb.recvQueued).toBe(0);
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 65535, payload: 'abc' });
    h.expect(undefined, { ackNumber: R + 10 });
    const buf = new Uint8Array(16);
    expect(new TextDecoder().decode(buf.subarray(0, tcb.recv(buf) as number))).toBe('abcdefghi');
  });

  it('bounds the parked ranges by maxOutOfOrderRanges', () => {
    const h = new Harness({ ...PLAIN, maxOutOfOrderRanges: 2 });
    const tcb = h.established();
    const s = tcb.sndNxt;
    for (const off of [10, 20, 30])
      h.send({ seqNumber: R + 1 + off, ackNumber: s, windowLen: 65535, payload: 'z' });
    expect(h.stats.get('drop.tcp.out-of-order-ranges-full')).toBe(1);
    expect(tcb.assembler.ranges()).toHaveLength(2);
  });

  it('an out-of-order FIN takes effect when the data before it arrives', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    h.send({ control: 'fin', seqNumber: R + 4, ackNumber: s, windowLen: 65535, payload: 'end' });
    expect(tcb.state).toBe('ESTABLISHED');
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 65535, payload: 'the' });
    expect(tcb.state).toBe('CLOSE_WAIT');
    h.recv();
    expect(tcb.rcvNxt).toBe(R + 8);
  });
});
