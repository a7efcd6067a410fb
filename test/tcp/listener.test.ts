// The listener's bounded backlog (half-open queue + accept queue) and SYN cookies (RFC 4987 §3.6).
import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { seconds } from '../../src/base/time.ts';
import { seqAdd } from '../../src/tcp/seq.ts';
import { Harness, PLAIN, REMOTE_ISN, REMOTE_PORT } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('listener', () => {
  it('answers SYNs with cookies once the half-open queue is full, and a returning ACK completes one', () => {
    const h = new Harness({ ...PLAIN, timestamps: true, sack: true, windowScaling: true });
    const listener = h.listen(2);
    for (let i = 0; i < 2; i++)
      h.send({ control: 'syn', srcPort: REMOTE_PORT + i, seqNumber: R, maxSegSize: 1460 });
    expect(listener.halfOpenCount).toBe(2);
    h.recv();
    h.send({
      control: 'syn',
      srcPort: REMOTE_PORT + 9,
      seqNumber: R,
      maxSegSize: 1460,
      sackPermitted: true,
      windowScale: 7,
      timestamp: { tsVal: 1 },
    });
    // The cookie SYN-ACK offers nothing it could not remember: only the MSS.
    const [cookie] = h.expect(undefined, {
      control: 'syn',
      dstPort: REMOTE_PORT + 9,
      ackNumber: R + 1,
      maxSegSize: 1460,
      windowScale: undefined,
      sackPermitted: false,
      timestamp: undefined,
    });
    expect(listener.halfOpenCount).toBe(2);
    expect(h.stats.get('tcp.syn-cookies-sent')).toBe(1);
    h.send({
      srcPort: REMOTE_PORT + 9,
      seqNumber: R + 1,
      ackNumber: seqAdd(cookie!.seqNumber, 1),
      windowLen: 1000,
      payload: 'hi',
    });
    const tcb = listener.accept();
    expect(isErrno(tcb)).toBe(false);
    if (isErrno(tcb)) return;
    expect(tcb).toMatchObject({
      state: 'ESTABLISHED',
      remotePort: REMOTE_PORT + 9,
      recvQueued: 2,
      sndWnd: 1000,
    });
    expect(tcb.info(0)).toMatchObject({ mss: 1460, sack: false, timestamps: false });
  });

  it('a forged ACK with a bad cookie gets a RST', () => {
    const h = new Harness();
    h.listen();
    h.send({ seqNumber: 5, ackNumber: 12345 });
    h.expect(0, { control: 'rst', seqNumber: 12345 });
  });

  it('drops SYNs while the accept queue is full, and the completing ACK of an embryo too', () => {
    const h = new Harness({ ...PLAIN, synCookies: false });
    const listener = h.listen(1);
    h.send({ control: 'syn', seqNumber: R });
    const [sa] = h.expect(0, { control: 'syn' });
    h.send({ seqNumber: R + 1, ackNumber: seqAdd(sa!.seqNumber, 1), windowLen: 100 });
    expect(listener.acceptQueueLength).toBe(1);
    h.send({ control: 'syn', srcPort: REMOTE_PORT + 1, seqNumber: R });
    h.expectNothing();
    expect(h.stats.get('drop.tcp.listen-overflow')).toBe(1);
    expect(listener.accept()).not.toHaveProperty('errno');
    expect(listener.accept()).toEqual({ errno: 'EAGAIN' });
  });

  it('close() resets queued, never-accepted connections and half-open ones', () => {
    const h = new Harness();
    const listener = h.listen();
    h.send({ control: 'syn', seqNumber: R });
    const [sa] = h.expect(0, { control: 'syn' });
    h.send({ seqNumber: R + 1, ackNumber: seqAdd(sa!.seqNumber, 1), windowLen: 100 });
    h.send({ control: 'syn', srcPort: REMOTE_PORT + 1, seqNumber: R });
    h.recv();
    listener.close();
    const out = h.recv();
    expect(out.map((s) => s.control)).toEqual(['rst', 'rst']);
    expect([...h.layer.connections()]).toHaveLength(0);
    expect([...h.layer.listeners()]).toHaveLength(0);
  });

  it('an unanswered SYN-ACK is retransmitted, then the embryo is forgotten without an error', () => {
    const h = new Harness({ ...PLAIN, synRetries: 2 });
    const listener = h.listen();
    h.send({ control: 'syn', seqNumber: R });
    h.expect(0, { control: 'syn' });
    h.expect(seconds(1), { control: 'syn' });
    h.expect(seconds(3), { control: 'syn' });
    h.expectNothing(seconds(7));
    expect(listener.halfOpenCount).toBe(0);
    expect(h.layer.pollAt()).toBeUndefined();
  });

  it('a retransmitted SYN gets the SYN-ACK again', () => {
    const h = new Harness();
    h.listen();
    h.send({ control: 'syn', seqNumber: R });
    const [first] = h.expect(0, { control: 'syn' });
    h.send({ control: 'syn', seqNumber: R });
    h.expect(undefined, { control: 'syn', seqNumber: first!.seqNumber, ackNumber: R + 1 });
  });
});
