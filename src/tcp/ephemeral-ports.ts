// Ephemeral port selection, RFC 6056 §3.3.4 Algorithm 4, "double-hash port selection".
//
// Why this algorithm: connections to the same destination (address, port) take successive ports starting
// from a secret per-destination offset, so the ports of one destination's connections do not collide with
// each other for a long time (TIME_WAIT reuse stays rare), while an off-path attacker cannot predict the
// port of a connection to a destination it has not observed (RFC 6056 §1, blind attacks need the port).
//
//   offset = F(local address, remote address, remote port, secret)       (a secret per-destination start)
//   index  = G(local address, remote address, remote port, secret)       (which table slot it advances)
//   port   = min + (offset + table[index]) mod (max − min + 1);  table[index]++ after every try

import { writeU16, writeU32 } from '../base/bytes.ts';
import type { PortRange } from '../base/port-range.ts';
import type { Rng } from '../base/rng.ts';
import { siphash24 } from './siphash.ts';

export type { PortRange };

/** Linux's default net.ipv4.ip_local_port_range. */
export const DEFAULT_EPHEMERAL_RANGE: PortRange = Object.freeze({ min: 32768, max: 60999 });

// RFC 6056 suggests 10 slots; Linux uses 2^16 since Klein & Pinkas ("Device Tracking via Linux's New TCP
// Source Port Selection Algorithm", 2022) showed that a small table lets a server that sees several of a
// host's ports link them across destinations. 128 KiB per stack.
const TABLE_LENGTH = 1 << 16;

export class EphemeralPorts {
  private readonly secret: Uint8Array;
  private readonly min: number;
  private readonly count: number;
  // Kept modulo `count` rather than 65536 as in the RFC: the same ports, but an increment never wraps to a
  // discontinuity, so one pick() tries every port exactly once.
  private readonly table = new Uint16Array(TABLE_LENGTH);
  // F's and G's input: local address, remote address, remote port (10 bytes).
  private readonly message = new Uint8Array(10);

  constructor(secret: Uint8Array, rng: Rng, range: PortRange = DEFAULT_EPHEMERAL_RANGE) {
    if (secret.length !== 16) throw new RangeError(`the port secret is 16 bytes, not ${secret.length}`);
    const { min, max } = range;
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && min <= max && max <= 0xffff)) {
      throw new RangeError(`bad ephemeral port range ${min}–${max}`);
    }
    this.secret = secret.slice();
    this.min = min;
    this.count = max - min + 1;
    // RFC 6056 §3.3.4: "table[i] = random() % 65536" at system boot.
    for (let i = 0; i < TABLE_LENGTH; i++) this.table[i] = rng.nextU32() % this.count;
  }

  /** A free port for this 3-tuple, or undefined when every port is taken (the caller returns EADDRNOTAVAIL). */
  pick(
    localAddr: number,
    remoteAddr: number,
    remotePort: number,
    inUse: (port: number) => boolean,
  ): number | undefined {
    writeU32(this.message, 0, localAddr);
    writeU32(this.message, 4, remoteAddr);
    writeU16(this.message, 8, remotePort);
    // RFC 6056 wants F and G keyed with different secrets so that index says nothing about offset; the two
    // halves of one SipHash output are independent outputs of the PRF, which gives the same.
    const [g, offset] = siphash24(this.secret, this.message);
    const index = g % TABLE_LENGTH;
    const start = offset % this.count;
    for (let tries = 0; tries < this.count; tries++) {
      const step = this.table[index]!;
      this.table[index] = step + 1 === this.count ? 0 : step + 1;
      const port = this.min + ((start + step) % this.count);
      if (!inUse(port)) return port;
    }
    return undefined;
  }
}
