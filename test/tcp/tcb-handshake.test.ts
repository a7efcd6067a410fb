// RFC 9293 §3.5 scenarios: the connection figures (normal open and close, simultaneous open and close,
// half-open detection, old duplicate SYN), resets in each state, TIME_WAIT, and the retransmission timer.
import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { millis, seconds } from '../../src/base/time.ts';
import { seqAdd } from '../../src/tcp/seq.ts';
import { bytes, Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('opening (RFC 9293 §3.5, Figure 6)', () => {
  it('active open: SYN with MSS from the route, SYN-ACK, ACK; ESTABLISHED', () => {
    const h = new Harness();
    const tcb = h.connect();
    expect(tcb.state).toBe('SYN_SENT');
    const [syn] = h.expect(0, { control: 'syn', ackNumber: undefined, maxSegSize: 1460, windowLen: 65535 });
    const iss = syn!.seqNumber;
    expect(tcb.writable).toBe(false);
    h.send(
      { control: 'syn', seqNumber: R, ackNumber: iss + 1, windowLen: 1000, maxSegSize: 1200 },
      millis(10),
    );
    h.expect(undefined, { control: 'none', seqNumber: iss + 1, ackNumber: R + 1 });
    expect(tcb.state).toBe('ESTABLISHED');
    expect(tcb.writable).toBe(true);
    // The SYN's RTT was sampled (Karn: it was sent once) and the peer's MSS limits ours.
    expect(tcb.info(h.clock.now())).toMatchObject({ srtt: millis(10), mss: 1200, sndWnd: 1000 });
    expect(h.stats.get('tcp.active-opens')).toBe(1);
  });

  it('passive open: SYN-ACK echoes the peer ISN, the ACK completes it, accept() returns it', () => {
    const h = new Harness();
    const listener = h.listen();
    expect(isErrno(listener.accept()) && listener.accept()).toEqual({ errno: 'EAGAIN' });
    h.send({ control: 'syn', seqNumber: R, windowLen: 4096, maxSegSize: 536 });
    const [synAck] = h.expect(0, { control: 'syn', ackNumber: R + 1, maxSegSize: 1460 });
    expect(listener.readable).toBe(false);
    h.send({ seqNumber: R + 1, ackNumber: synAck!.seqNumber + 1, windowLen: 4096 });
    expect(listener.readable).toBe(true);
    const tcb = listener.accept();
    expect(isErrno(tcb)).toBe(false);
    if (isErrno(tcb)) return;
    expect(tcb.state).toBe('ESTABLISHED');
    expect(tcb.info(0).mss).toBe(536);
    expect(h.stats.get('tcp.passive-opens')).toBe(1);
  });

  it('a retransmitted SYN draws the SYN-ACK again and restarts its retransmission timer', () => {
    const h = new Harness();
    h.listen();
    h.send({ control: 'syn', seqNumber: R, windowLen: 4096 });
    h.expect(0, { control: 'syn', ackNumber: R + 1 });
    h.send({ control: 'syn', seqNumber: R, windowLen: 4096 }, millis(500));
    h.expect(undefined, { control: 'syn', ackNumber: R + 1 });
    // The next SYN-ACK is one RTO after the resent one, not after the first.
    expect(h.runUntil(millis(1499))).toHaveLength(0);
    expect(h.runUntil(millis(1500)).map((s) => s.control)).toEqual(['syn']);
  });

  it('simultaneous open (Figure 7): SYN crosses SYN, both send SYN-ACK, both ESTABLISHED', () => {
    const h = new Harness();
    const tcb = h.connect();
    const [syn] = h.expect(0, { control: 'syn' });
    const iss = syn!.seqNumber;
    h.send({ control: 'syn', seqNumber: R, windowLen: 8192 });
    expect(tcb.state).toBe('SYN_RECEIVED');
    h.expect(undefined, { control: 'syn', seqNumber: iss, ackNumber: R + 1 });
    h.send({ control: 'syn', seqNumber: R, ackNumber: iss + 1, windowLen: 8192 });
    // Their SYN-ACK repeats the SYN we already have: outside the window, so we answer with our SYN-ACK's ACK.
    h.send({ seqNumber: R + 1, ackNumber: iss + 1, windowLen: 8192 });
    expect(tcb.state).toBe('ESTABLISHED');
    expect(h.stateChanges()).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
  });

  it('old duplicate SYN (Figure 8): a SYN-ACK for an old ISN is answered with RST <SEQ=SEG.ACK>', () => {
    const h = new Harness();
    const tcb = h.connect();
    const [syn] = h.expect(0, { control: 'syn' });
    h.send({ control: 'syn', seqNumber: 90_000, ackNumber: syn!.seqNumber - 5000 });
    h.expect(undefined, { control: 'rst', seqNumber: syn!.seqNumber - 5000, ackNumber: undefined });
    expect(tcb.state).toBe('SYN_SENT');
    h.send({ control: 'syn', seqNumber: R, ackNumber: syn!.seqNumber + 1 });
    expect(tcb.state).toBe('ESTABLISHED');
  });

  it('RST to a SYN on a closed port → ECONNREFUSED', () => {
    const h = new Harness();
    const tcb = h.connect();
    const [syn] = h.expect(0, { control: 'syn' });
    h.send({ control: 'rst', seqNumber: 0, ackNumber: syn!.seqNumber + 1 });
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBe('ECONNREFUSED');
    expect(tcb.takeError()).toBeUndefined();
    expect(tcb.recv(new Uint8Array(10))).toEqual({ errno: 'ECONNREFUSED' });
    expect(h.layer.pollAt()).toBeUndefined();
  });

  it('a RST without ACK in SYN_SENT is ignored (RFC 5961 §3.2 / RFC 9293 §3.10.7.3)', () => {
    const h = new Harness();
    const tcb = h.connect();
    h.expect(0, { control: 'syn' });
    h.send({ control: 'rst', seqNumber: 0 });
    expect(tcb.state).toBe('SYN_SENT');
  });

  it('a closed port answers a SYN with RST+ACK and an ACK with RST <SEQ=SEG.ACK>', () => {
    const h = new Harness();
    h.send({ control: 'syn', seqNumber: 77, payload: 'abc' });
    h.expect(0, { control: 'rst', seqNumber: 0, ackNumber: 77 + 4 });
    h.send({ seqNumber: 5, ackNumber: 1234 });
    h.expect(0, { control: 'rst', seqNumber: 1234, ackNumber: undefined });
    h.send({ control: 'rst', seqNumber: 5, ackNumber: 1234 });
    h.expectNothing();
    expect(h.stats.get('tcp.resets-sent')).toBe(2);
  });
});

describe('data transfer', () => {
  it('sends queued data with PSH, ACKed data leaves the buffer', () => {
    const h = new Harness();
    const tcb = h.established();
    const iss1 = tcb.sndNxt;
    expect(tcb.send(bytes('hello'))).toBe(5);
    expect(tcb.sendQueued).toBe(5);
    h.expect(0, { seqNumber: iss1, ackNumber: R + 1, push: true, payload: 'hello' });
    h.send({ seqNumber: R + 1, ackNumber: iss1 + 5, windowLen: 65535 }, millis(20));
    expect(tcb.sendQueued).toBe(0);
    h.expectNothing();
  });

  it('receives in-order data, delays the ACK 40 ms, reads it back', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.quickAcks = 0;
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'abc' });
    expect(tcb.readable).toBe(true);
    h.expectNothing();
    expect(h.layer.pollAt()).toBe(millis(40));
    h.expect(millis(40), { ackNumber: R + 4 });
    const buf = new Uint8Array(10);
    expect(tcb.recv(buf)).toBe(3);
    expect(buf.subarray(0, 3)).toEqual(bytes('abc'));
    expect(tcb.recv(buf)).toEqual({ errno: 'EAGAIN' });
  });

  it('ACKs every second full-sized segment at once (RFC 5681 §4.2)', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.quickAcks = 0;
    const full = new Uint8Array(1460).fill(1);
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: full });
    h.expectNothing();
    h.send({ seqNumber: R + 1461, ackNumber: tcb.sndNxt, windowLen: 65535, payload: full });
    h.expect(undefined, { ackNumber: R + 1 + 2920 });
  });

  it('trims duplicate data and answers it with an ACK', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'abcdef' });
    h.recv();
    h.send({ seqNumber: R + 4, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'defghi' });
    h.recv();
    const buf = new Uint8Array(20);
    expect(new TextDecoder().decode(buf.subarray(0, tcb.recv(buf) as number))).toBe('abcdefghi');
  });

  it('works across sequence-number wrap-around (ISNs near 2^32)', () => {
    const h = new Harness();
    const isn = 0xffff_fffa;
    const tcb = h.established({}, { seqNumber: isn });
    h.send({ seqNumber: seqAdd(isn, 1), ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'wrapping!' });
    h.expect(undefined, { ackNumber: seqAdd(isn, 10) });
    expect(tcb.rcvNxt).toBe(4);
    const buf = new Uint8Array(20);
    expect(tcb.recv(buf)).toBe(9);
    // Our side across the wrap too: force SND.NXT near 2^32 by a fresh connection with a chosen ISS.
    const h2 = new Harness();
    const c = h2.connect();
    c.iss = 0xffff_fffe;
    c.sndUna = c.iss;
    c.sndNxt = c.iss;
    c.sndMax = c.iss;
    c.sendBase = seqAdd(c.iss, 1);
    h2.expect(0, { control: 'syn', seqNumber: 0xffff_fffe });
    h2.send({ control: 'syn', seqNumber: R, ackNumber: 0xffff_ffff, windowLen: 65535 });
    h2.recv();
    c.send(bytes('0123456789'));
    h2.expect(undefined, { seqNumber: 0xffff_ffff, payload: '0123456789' });
    h2.send({ seqNumber: R + 1, ackNumber: 9, windowLen: 65535 });
    expect(c.sendQueued).toBe(0);
  });
});

describe('closing', () => {
  it('active close (Figure 12): FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT → CLOSED after 2·MSL', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    tcb.close();
    expect(tcb.state).toBe('FIN_WAIT_1');
    h.expect(0, { control: 'fin', seqNumber: s, ackNumber: R + 1 });
    h.send({ seqNumber: R + 1, ackNumber: s + 1, windowLen: 65535 });
    expect(tcb.state).toBe('FIN_WAIT_2');
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: s + 1, windowLen: 65535 }, millis(5));
    expect(tcb.state).toBe('TIME_WAIT');
    h.expect(undefined, { control: 'none', ackNumber: R + 2 });
    // A retransmitted FIN is acknowledged again and restarts the 2·MSL timer.
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: s + 1, windowLen: 65535 }, seconds(30));
    h.expect(undefined, { ackNumber: R + 2 });
    expect(h.layer.pollAt()).toBe(seconds(90));
    // RFC 1337: a RST in TIME_WAIT is ignored.
    h.send({ control: 'rst', seqNumber: R + 2 }, seconds(31));
    expect(tcb.state).toBe('TIME_WAIT');
    h.expectNothing(seconds(90));
    expect(tcb.state).toBe('CLOSED');
    expect(h.layer.pollAt()).toBeUndefined();
  });

  it('passive close: CLOSE_WAIT, EOF to the reader, close → LAST_ACK → CLOSED', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: s, windowLen: 65535 });
    expect(tcb.state).toBe('CLOSE_WAIT');
    expect(tcb.peerClosed).toBe(true);
    h.expect(undefined, { ackNumber: R + 2 });
    expect(tcb.recv(new Uint8Array(4))).toBe(0);
    // Half-close: we may still send.
    expect(tcb.send(bytes('late'))).toBe(4);
    tcb.close();
    expect(tcb.state).toBe('LAST_ACK');
    h.expect(undefined, { control: 'fin', seqNumber: s, payload: 'late' });
    h.send({ seqNumber: R + 2, ackNumber: s + 5, windowLen: 65535 });
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBeUndefined();
  });

  it('simultaneous close (Figure 13): FIN crosses FIN → CLOSING → TIME_WAIT', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    tcb.close();
    h.expect(0, { control: 'fin', seqNumber: s });
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: s, windowLen: 65535 });
    expect(tcb.state).toBe('CLOSING');
    h.expect(undefined, { ackNumber: R + 2 });
    h.send({ seqNumber: R + 2, ackNumber: s + 1, windowLen: 65535 });
    expect(tcb.state).toBe('TIME_WAIT');
  });

  it('half-close: shutdown(write) sends FIN, data still flows in, then EPIPE on send', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    expect(tcb.shutdown('write')).toBeUndefined();
    h.expect(0, { control: 'fin', seqNumber: s });
    expect(tcb.send(bytes('x'))).toEqual({ errno: 'EPIPE' });
    h.send({ seqNumber: R + 1, ackNumber: s + 1, windowLen: 65535, payload: 'still' });
    expect(tcb.state).toBe('FIN_WAIT_2');
    const buf = new Uint8Array(8);
    expect(tcb.recv(buf)).toBe(5);
  });

  it('close with unread data sends RST instead of FIN (RFC 2525 §2.17)', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'unread' });
    h.recv();
    tcb.close();
    expect(tcb.state).toBe('CLOSED');
    h.expect(undefined, { control: 'rst', seqNumber: tcb.sndNxt, ackNumber: R + 7 });
  });

  it('abort() and SO_LINGER 0 reset the connection', () => {
    const h = new Harness();
    const tcb = h.established({ lingerZero: true });
    tcb.close();
    h.expect(0, { control: 'rst' });
    expect(h.layer.pollAt()).toBeUndefined();
  });

  it('an orphaned FIN_WAIT_2 is dropped after finWait2Timeout', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.close();
    h.recv(0);
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535 });
    expect(tcb.state).toBe('FIN_WAIT_2');
    expect(h.layer.pollAt()).toBe(seconds(60));
    h.expectNothing(seconds(60));
    expect(tcb.state).toBe('CLOSED');
  });

  it('data after close() is answered with a RST', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.close();
    h.recv(0);
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'more' });
    expect(tcb.state).toBe('CLOSED');
    h.expect(undefined, { control: 'rst' });
  });
});

describe('resets (RFC 9293 §3.10.7.4 second, RFC 5961 §3.2)', () => {
  for (const state of ['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT'] as const) {
    it(`an exact RST in ${state} → CLOSED with ECONNRESET`, () => {
      const h = new Harness();
      const tcb = h.established();
      let rcv = R + 1;
      if (state !== 'ESTABLISHED' && state !== 'CLOSE_WAIT') {
        tcb.close();
        h.recv();
      }
      if (state === 'FIN_WAIT_2') h.send({ seqNumber: rcv, ackNumber: tcb.sndNxt, windowLen: 65535 });
      if (state === 'CLOSE_WAIT') {
        h.send({ control: 'fin', seqNumber: rcv, ackNumber: tcb.sndNxt, windowLen: 65535 });
        rcv++;
      }
      h.recv();
      expect(tcb.state).toBe(state);
      h.send({ control: 'rst', seqNumber: rcv });
      expect(tcb.state).toBe('CLOSED');
      expect(tcb.takeError()).toBe('ECONNRESET');
      expect(h.stats.get('tcp.resets-received')).toBe(1);
    });
  }

  it('an in-window RST not at RCV.NXT draws a challenge ACK; out of window it is dropped', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ control: 'rst', seqNumber: R + 100 });
    expect(tcb.state).toBe('ESTABLISHED');
    h.expect(undefined, { control: 'none', ackNumber: R + 1 });
    h.send({ control: 'rst', seqNumber: R + 1_000_000 });
    h.expectNothing();
    expect(h.stats.get('drop.tcp.rst-out-of-window')).toBe(1);
  });

  it('RST in SYN_RECEIVED of a passive open forgets the embryo (back to LISTEN)', () => {
    const h = new Harness();
    const listener = h.listen();
    h.send({ control: 'syn', seqNumber: R });
    h.recv();
    h.send({ control: 'rst', seqNumber: R + 1 });
    expect(listener.halfOpenCount).toBe(0);
    expect([...h.layer.connections()]).toHaveLength(0);
  });

  it('RST in LAST_ACK and CLOSING closes without an error', () => {
    const h = new Harness();
    const tcb = h.established();
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535 });
    tcb.close();
    h.recv();
    expect(tcb.state).toBe('LAST_ACK');
    h.send({ control: 'rst', seqNumber: R + 2 });
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBeUndefined();
  });

  it('half-open detection (Figure 10): our segment after the peer crashed draws a RST that resets us', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.send(bytes('anyone?'));
    const [data] = h.expect(0, { payload: 'anyone?' });
    // The crashed peer has no connection: it answers with <SEQ=SEG.ACK><CTL=RST>.
    h.send({ control: 'rst', seqNumber: data!.ackNumber! });
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBe('ECONNRESET');
  });
});

describe('retransmission timer (RFC 6298)', () => {
  it('retransmits the SYN with exponential backoff and fails with ETIMEDOUT after synRetries', () => {
    const h = new Harness({ ...PLAIN, synRetries: 3 });
    const tcb = h.connect();
    h.expect(0, { control: 'syn' });
    h.expect(seconds(1), { control: 'syn' });
    h.expect(seconds(3), { control: 'syn' });
    h.expect(seconds(7), { control: 'syn' });
    expect(h.layer.pollAt()).toBe(seconds(15));
    h.expectNothing(seconds(15));
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBe('ETIMEDOUT');
  });

  it('retransmits unacknowledged data after the RTO, backs off, and gives up after maxRetransmits', () => {
    const h = new Harness({ ...PLAIN, maxRetransmits: 2 });
    const tcb = h.established();
    tcb.send(bytes('data'));
    const s = tcb.sndNxt;
    h.expect(0, { seqNumber: s, payload: 'data' });
    // Initial RTO 1 s (the SYN's sample was 0 → RTO clamps to minRto 200 ms).
    const rto = tcb.rtt.rto;
    h.expectNothing(rto - 1);
    h.expect(rto, { seqNumber: s, payload: 'data' });
    expect(h.events.some((e) => e.kind === 'retransmit' && e.reason === 'rto')).toBe(true);
    h.expect(rto + 2 * rto, { seqNumber: s, payload: 'data' });
    h.expectNothing(rto + 2 * rto + 4 * rto);
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBe('ETIMEDOUT');
    expect(h.stats.get('tcp.retransmits')).toBe(2);
  });

  it('an ACK of new data restarts the timer and clears the backoff', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.send(bytes('ab'));
    const s = tcb.sndNxt;
    h.recv(0);
    const rto = tcb.rtt.rto;
    h.recv(rto);
    expect(tcb.rtt.backoffCount).toBe(1);
    h.send({ seqNumber: R + 1, ackNumber: s + 2, windowLen: 65535 }, rto + millis(1));
    expect(tcb.rtt.backoffCount).toBe(0);
    expect(h.layer.pollAt()).toBeUndefined();
  });
});
