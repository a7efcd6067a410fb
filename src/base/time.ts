// Time for the sans-IO core: an Instant is a number of microseconds since an arbitrary epoch. The core
// never reads a clock; the driver passes `now` in (smoltcp's Instant, gVisor's injected Clock).

export type Instant = number;
export type Duration = number;

export const MICROS_PER_MS = 1000;
export const MICROS_PER_SECOND = 1_000_000;

export function millis(ms: number): Duration {
  return ms * MICROS_PER_MS;
}

export function seconds(s: number): Duration {
  return s * MICROS_PER_SECOND;
}

export interface Clock {
  now(): Instant;
}

/** A clock that moves only when told: every protocol test runs on one. */
export class ManualClock implements Clock {
  constructor(private current: Instant = 0) {}

  now(): Instant {
    return this.current;
  }

  advance(by: Duration): Instant {
    if (by < 0) throw new RangeError(`a clock cannot go back (advance by ${by})`);
    this.current += by;
    return this.current;
  }

  set(to: Instant): void {
    if (to < this.current) throw new RangeError(`a clock cannot go back (from ${this.current} to ${to})`);
    this.current = to;
  }
}
