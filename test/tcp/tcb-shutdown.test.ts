// shutdown(SHUT_RD): reads end at once; data arriving afterwards is discarded by default, kept and readable
// under the Linux profile's shutRdKeepsData.
import { describe, expect, it } from 'vitest';
import { isErrno } from '../../src/base/errno.ts';
import { Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('shutdown(read)', () => {
  for (const shutRdKeepsData of [false, true]) {
    it(`ACKs later data and ${shutRdKeepsData ? 'still delivers it (Linux)' : 'discards it'}`, () => {
      const h = new Harness({ ...PLAIN, shutRdKeepsData });
      const tcb = h.established();
      expect(tcb.shutdown('read')).toBeUndefined();
      expect(tcb.recv(new Uint8Array(10))).toBe(0);
      h.send({ seqNumber: R + 1, ackNumber: tcb.sndNxt, windowLen: 65535, payload: 'hello' });
      h.expect(undefined, { ackNumber: R + 6 });
      const dst = new Uint8Array(10);
      const n = tcb.recv(dst);
      expect(isErrno(n) ? n.errno : n).toBe(shutRdKeepsData ? 5 : 0);
      expect(tcb.recv(dst)).toBe(0);
    });
  }
});
