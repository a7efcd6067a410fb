// The receiver's D-SACK (RFC 2883): duplicate data is reported once, in the first SACK block of the next ACK.
import { describe, expect, it } from 'vitest';
import { Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;
const SACK = { ...PLAIN, sack: true };

function setup(config = SACK) {
  const h = new Harness(config);
  const tcb = h.established({}, { sackPermitted: true });
  expect(tcb.sackEnabled).toBe(true);
  const data = (from: number, to: number, control: 'none' | 'fin' = 'none') =>
    h.send({
      control,
      seqNumber: R + from,
      ackNumber: tcb.sndNxt,
      windowLen: 65535,
      payload: new Uint8Array(to - from),
    });
  return { h, tcb, data };
}

describe('D-SACK (RFC 2883)', () => {
  it('a wholly old segment is reported as a D-SACK block below the cumulative ACK (§4.1.1)', () => {
    const { h, data } = setup();
    data(1, 1001);
    h.recv();
    data(1, 1001);
    h.expect(undefined, { ackNumber: R + 1001, sackRanges: [[R + 1, R + 1001]] });
    // Reported once: the next ACK carries no D-SACK.
    data(1001, 1101);
    h.expect(undefined, { ackNumber: R + 1101, sackRanges: [] });
  });

  it('the first duplicate run of a segment that repeats parked data goes first, then the SACK blocks', () => {
    const { h, data } = setup();
    data(1001, 3001);
    data(4001, 5001);
    data(7001, 8001);
    h.recv();
    data(1, 6001);
    h.expect(undefined, {
      ackNumber: R + 6001,
      sackRanges: [
        [R + 1001, R + 3001],
        [R + 7001, R + 8001],
      ],
    });
  });

  it('a segment overlapping RCV.NXT reports only its old part (§4.1.2)', () => {
    const { h, data } = setup();
    data(1, 1001);
    h.recv();
    data(501, 1501);
    h.expect(undefined, { ackNumber: R + 1501, sackRanges: [[R + 501, R + 1001]] });
  });

  it('the ACK of a duplicate data + FIN carries the D-SACK, unless dsackWithFin is off (Linux)', () => {
    for (const dsackWithFin of [true, false]) {
      const { h, data } = setup({ ...SACK, dsackWithFin });
      data(1, 1001);
      h.recv();
      data(1, 1001, 'fin');
      h.expect(undefined, { ackNumber: R + 1002, sackRanges: dsackWithFin ? [[R + 1, R + 1001]] : [] });
    }
  });

  it('without SACK agreed nothing is reported', () => {
    const h = new Harness(PLAIN);
    const tcb = h.established();
    const seg = { seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: new Uint8Array(100) };
    h.send(seg);
    h.recv();
    h.send(seg);
    h.expect(undefined, { ackNumber: R + 101, sackRanges: [] });
    expect(tcb.dsack).toBeUndefined();
  });
});
