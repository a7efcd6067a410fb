// What ICMP errors mean to sockets, and how often we send our own.
//
// Inbound: Linux's icmp_err_convert table turns a destination-unreachable code into the errno a socket
// sees; RFC 1122 §4.2.3.9 separates hard errors (protocol/port unreachable abort a connection attempt)
// from soft ones. Outbound: RFC 1812 §4.3.2.8 asks routers and hosts to rate-limit the errors they send;
// a token bucket keeps a flood of bad packets from turning the stack into an amplifier.

import type { ErrnoName } from '../base/errno.ts';
import type { Instant } from '../base/time.ts';

export function unreachableErrno(code: number): ErrnoName {
  switch (code) {
    case 0: // net unreachable
    case 6: // destination network unknown
      return 'ENETUNREACH';
    case 2: // protocol unreachable
      return 'ENOPROTOOPT';
    case 3: // port unreachable
      return 'ECONNREFUSED';
    case 4: // fragmentation needed and DF set
      return 'EMSGSIZE';
    case 5: // source route failed
      return 'EOPNOTSUPP';
    default: // host unreachable, host unknown, administratively prohibited, …
      return 'EHOSTUNREACH';
  }
}

/** Token bucket: `perSecond` errors on average, bursts of up to `burst`. */
export class IcmpRateLimiter {
  private tokens: number;
  private last: Instant | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  allow(now: Instant): boolean {
    if (this.last !== undefined) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1_000_000);
    }
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
