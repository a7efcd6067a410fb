// SYN cookies (RFC 4987 §3.6): under a SYN flood the listener keeps no state for a SYN. It encodes what it
// must remember in the ISN of its SYN-ACK and recovers it from the ACK that completes the handshake, whose
// acknowledgment number is that ISN + 1.
//
// Layout of the 32-bit cookie, as RFC 4987 §3.6 describes D. J. Bernstein's scheme:
//   bits 31–27  t mod 32, t a counter that advances every 64 seconds
//   bits 26–24  index of the peer's MSS in a small table (3 bits: what the SYN asked for, rounded down)
//   bits 23–0   a keyed hash (SipHash-2-4) of the 4-tuple, the client's ISN, t and the MSS index
// The hash covers the client's ISN, as Linux's cookies do, so the ACK must also carry the right sequence
// number; and the full t, so a cookie 32 slots old does not pass for a fresh one.
//
// Options the SYN carried beyond the MSS (window scale, SACK, timestamps) are not encoded: a connection
// accepted from a cookie runs without them, as Linux does when timestamps are off.

import { writeU16, writeU32 } from '../base/bytes.ts';
import { type Instant, seconds } from '../base/time.ts';
import { siphash24 } from './siphash.ts';

/**
 * MSS values a cookie can carry: common path MSSs (536 the RFC 9293 default, 1220/1280-based tunnels, PPPoE
 * 1452, Ethernet 1460) and a jumbo frame's 8960. At most 8 entries (3 bits), ascending.
 */
export const SYN_COOKIE_MSS_TABLE: readonly number[] = Object.freeze([
  536, 1200, 1300, 1400, 1440, 1452, 1460, 8960,
]);

const SLOT = seconds(64);
// Linux's MAX_SYNCOOKIE_AGE: the ACK must return within the cookie's slot or the two after it.
const MAX_AGE_SLOTS = 2;
const TIME_SHIFT = 27;
const MSS_SHIFT = 24;
const HASH_MASK = 0xffffff;

export class SynCookies {
  private readonly secret: Uint8Array;
  // The hash input: local address, remote address, client ISN, t (4 bytes each), local port, remote port
  // (2 each), MSS index (1).
  private readonly message = new Uint8Array(21);

  constructor(secret: Uint8Array) {
    if (secret.length !== 16) throw new RangeError(`the SYN cookie secret is 16 bytes, not ${secret.length}`);
    this.secret = secret.slice();
  }

  /** The ISN for our SYN-ACK, encoding the time and the peer's MSS (`mss`, from its SYN). */
  encode(
    now: Instant,
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    clientIsn: number,
    mss: number,
  ): number {
    const t = slotOf(now);
    const index = mssIndex(mss);
    const hash = this.hash(localAddr, localPort, remoteAddr, remotePort, clientIsn, t, index);
    return (((t % 32) << TIME_SHIFT) | (index << MSS_SHIFT) | hash) >>> 0;
  }

  /**
   * Validates the cookie returned in a handshake-completing ACK (cookie = SEG.ACK − 1, clientIsn =
   * SEG.SEQ − 1). The MSS to use, or undefined if the cookie is invalid or expired.
   */
  decode(
    now: Instant,
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    clientIsn: number,
    cookie: number,
  ): number | undefined {
    const index = (cookie >>> MSS_SHIFT) & 7;
    const mss = SYN_COOKIE_MSS_TABLE[index];
    if (mss === undefined) return undefined;
    // The cookie names its slot modulo 32; it is valid only if that slot is at most MAX_AGE_SLOTS old. A
    // slot "in the future" shows up as an age near 32 and fails the same test.
    const current = slotOf(now);
    const age = (current - (cookie >>> TIME_SHIFT) + 32) % 32;
    const t = current - age;
    if (age > MAX_AGE_SLOTS || t < 0) return undefined;
    const hash = this.hash(localAddr, localPort, remoteAddr, remotePort, clientIsn, t, index);
    return (cookie & HASH_MASK) === hash ? mss : undefined;
  }

  private hash(
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    clientIsn: number,
    t: number,
    index: number,
  ): number {
    writeU32(this.message, 0, localAddr);
    writeU32(this.message, 4, remoteAddr);
    writeU32(this.message, 8, clientIsn);
    writeU32(this.message, 12, t);
    writeU16(this.message, 16, localPort);
    writeU16(this.message, 18, remotePort);
    this.message[20] = index;
    const [, lo] = siphash24(this.secret, this.message);
    return lo & HASH_MASK;
  }
}

function slotOf(now: Instant): number {
  return Math.floor(now / SLOT);
}

/**
 * The largest table entry not above `mss`. A SYN asking for less than 536 still gets 536, as with Linux:
 * every IPv4 host must accept 576-byte datagrams (RFC 1122 §3.3.3), hence RFC 9293 §3.7.1's default of 536.
 */
function mssIndex(mss: number): number {
  let index = SYN_COOKIE_MSS_TABLE.length - 1;
  while (index > 0 && SYN_COOKIE_MSS_TABLE[index]! > mss) index--;
  return index;
}
