// TcpLayer: demux by 4-tuple, then exact listener, then wildcard listener; port allocation; ICMP errors;
// readiness reporting; TIME_WAIT reuse by a new SYN.
import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { seconds } from '../../src/base/time.ts';
import { seqAdd } from '../../src/tcp/seq.ts';
import { Harness, LOCAL_ADDR, LOCAL_PORT, REMOTE_ADDR, REMOTE_ISN, REMOTE_PORT } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('TcpLayer', () => {
  it('prefers the listener on the exact address over the wildcard one, and refuses duplicates', () => {
    const h = new Harness();
    const wildcard = h.layer.listen(0, 8080, 4);
    expect(isErrno(wildcard)).toBe(false);
    expect(h.layer.listen(0, 8080, 4)).toEqual({ errno: 'EADDRINUSE' });
    expect(h.layer.listen(LOCAL_ADDR, 8080, 4)).toEqual({ errno: 'EADDRINUSE' });
    const exact = h.layer.listen(LOCAL_ADDR, 9090, 4);
    if (isErrno(exact) || isErrno(wildcard)) return;
    h.send({ control: 'syn', dstPort: 8080, seqNumber: R });
    expect(wildcard.halfOpenCount).toBe(1);
    h.send({ control: 'syn', dstPort: 9090, seqNumber: R });
    expect(exact.halfOpenCount).toBe(1);
    expect(h.layer.portInUse(LOCAL_ADDR, 8080)).toBe(true);
    expect(h.layer.portInUse(LOCAL_ADDR, 7070)).toBe(false);
  });

  it('connect with port 0 picks distinct ephemeral ports in the Linux range', () => {
    const h = new Harness();
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const tcb = h.layer.connect(0, LOCAL_ADDR, 0, REMOTE_ADDR, 443);
      if (isErrno(tcb)) throw new Error(tcb.errno);
      ports.add(tcb.localPort);
    }
    expect(ports.size).toBe(20);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(32768);
    expect(h.layer.connect(0, LOCAL_ADDR, [...ports][0]!, REMOTE_ADDR, 443)).toEqual({ errno: 'EADDRINUSE' });
  });

  it('ICMP port unreachable fails a connect; on an established connection it is a soft error', () => {
    const h = new Harness();
    const tcb = h.connect();
    h.recv();
    h.layer.icmpError(0, [LOCAL_ADDR, LOCAL_PORT], [REMOTE_ADDR, REMOTE_PORT], 'ECONNREFUSED');
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBe('ECONNREFUSED');
    const h2 = new Harness({ timestamps: false, sack: false, windowScaling: false, maxRetransmits: 1 });
    const est = h2.established();
    h2.layer.icmpError(0, [LOCAL_ADDR, LOCAL_PORT], [REMOTE_ADDR, REMOTE_PORT], 'EHOSTUNREACH');
    expect(est.state).toBe('ESTABLISHED');
    est.send(new Uint8Array(10));
    h2.runUntil(seconds(10));
    expect(est.takeError()).toBe('EHOSTUNREACH');
  });

  it('reports readiness changes once per step through takeChanged()', () => {
    const h = new Harness();
    const listener = h.listen();
    h.send({ control: 'syn', seqNumber: R });
    const [sa] = h.expect(0, { control: 'syn' });
    h.layer.takeChanged();
    h.send({ seqNumber: R + 1, ackNumber: seqAdd(sa!.seqNumber, 1), windowLen: 100 });
    expect(h.layer.takeChanged()).toContain(listener);
    expect(h.layer.takeChanged()).toEqual([]);
  });

  it('a new SYN above RCV.NXT takes over a 4-tuple in TIME_WAIT', () => {
    const h = new Harness();
    const listener = h.listen();
    h.send({ control: 'syn', seqNumber: R });
    const [sa] = h.expect(0, { control: 'syn' });
    const s = seqAdd(sa!.seqNumber, 1);
    h.send({ seqNumber: R + 1, ackNumber: s, windowLen: 100 });
    const tcb = listener.accept();
    if (isErrno(tcb)) throw new Error(tcb.errno);
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: s, windowLen: 100 });
    tcb.close();
    h.recv();
    h.send({ seqNumber: R + 2, ackNumber: s + 1, windowLen: 100 });
    expect(tcb.state).toBe('CLOSED');
    // Server side closed second, so it is in CLOSED; make the client side the one in TIME_WAIT instead.
    const c = h.established();
    c.close();
    h.recv();
    h.send({ seqNumber: R + 1, ackNumber: c.sndNxt, windowLen: 100 });
    h.send({ control: 'fin', seqNumber: R + 1, ackNumber: c.sndNxt, windowLen: 100 });
    expect(c.state).toBe('TIME_WAIT');
    h.recv();
    h.send({ control: 'syn', seqNumber: R + 100_000 });
    expect(c.state).toBe('CLOSED');
    h.expect(undefined, { control: 'syn', ackNumber: R + 100_001 });
  });
});
