// Keep-alive (RFC 1122 §4.2.3.6) and the TCP_INFO snapshot.
import { describe, expect, it } from 'vitest';
import { millis, seconds } from '../../src/base/time.ts';
import { bytes, Harness, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('keepalive', () => {
  const opts = { keepAlive: true, keepIdle: seconds(10), keepIntvl: seconds(1), keepCnt: 3 };

  it('probes after keepIdle with SND.UNA − 1; an answer resets the count', () => {
    const h = new Harness();
    const tcb = h.established(opts);
    h.recv();
    expect(h.layer.pollAt()).toBe(seconds(10));
    h.expect(seconds(10), { seqNumber: tcb.sndUna - 1, ackNumber: R + 1, payload: new Uint8Array(0) });
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndUna, windowLen: 65535 }, seconds(10) + millis(20));
    expect(tcb.probesOut).toBe(0);
    expect(h.layer.pollAt()).toBe(seconds(20) + millis(20));
  });

  it('gives up with ETIMEDOUT after keepCnt unanswered probes', () => {
    const h = new Harness();
    const tcb = h.established(opts);
    h.recv();
    const probes = h.runUntil(seconds(20));
    expect(probes).toHaveLength(3);
    expect(tcb.state).toBe('CLOSED');
    expect(tcb.takeError()).toBe('ETIMEDOUT');
  });
});

describe('tcp-info', () => {
  it('reports the connection as Linux TCP_INFO would', () => {
    const h = new Harness();
    const tcb = h.established();
    tcb.send(bytes('0123456789'));
    h.recv(millis(1));
    h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt - 4, windowLen: 30000, payload: 'abc' }, millis(11));
    expect(tcb.info(millis(11))).toMatchObject({
      state: 'ESTABLISHED',
      bytesAcked: 6,
      bytesReceived: 3,
      bytesInFlight: 4,
      sndWnd: 30000,
      mss: 1460,
      segsIn: 2,
      retransmits: 0,
      sack: false,
      timestamps: false,
      sinceLastReceive: 0,
    });
    // The handshake's sample was 0 µs: RTO sits at the 200 ms floor.
    expect(tcb.info(0)).toMatchObject({ srtt: 0, rto: millis(200) });
  });
});
