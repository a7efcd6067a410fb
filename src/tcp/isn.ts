// Initial sequence numbers, RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// with M a timer ticking every 4 microseconds and F a keyed pseudorandom function (SipHash-2-4 here).
//
// Why both parts: F makes the ISN unguessable by an off-path attacker who does not know the secret
// (blind spoofing and injection, RFC 6528 §1), and M makes successive incarnations of the same 4-tuple
// start at increasing sequence numbers, so that old duplicates from an earlier incarnation are unlikely to
// fall into the new connection's window (RFC 9293 §3.4.1).

import { writeU16, writeU32 } from '../base/bytes.ts';
import type { Instant } from '../base/time.ts';
import { siphash24 } from './siphash.ts';

// RFC 6528 §3: "M is the 4 microsecond timer".
const MICROS_PER_TICK = 4;
const TICKS_MODULUS = 2 ** 32;

export class IsnGenerator {
  private readonly secret: Uint8Array;
  // The 4-tuple as F's input: local address, remote address, local port, remote port (12 bytes).
  private readonly message = new Uint8Array(12);

  /** `secret`: 16 random bytes chosen at stack start (RFC 6528 §3 recommends rekeying at least on boot). */
  constructor(secret: Uint8Array) {
    if (secret.length !== 16) throw new RangeError(`the ISN secret is 16 bytes, not ${secret.length}`);
    this.secret = secret.slice();
  }

  /** The ISN for a connection from localAddr:localPort to remoteAddr:remotePort (host-order uint32 addresses). */
  isn(now: Instant, localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number {
    writeU32(this.message, 0, localAddr);
    writeU32(this.message, 4, remoteAddr);
    writeU16(this.message, 8, localPort);
    writeU16(this.message, 10, remotePort);
    const [, f] = siphash24(this.secret, this.message);
    const m = Math.floor(now / MICROS_PER_TICK) % TICKS_MODULUS;
    return (m + f) >>> 0;
  }
}
