// A range of local ports, and the choice of a free one for a bind to port 0 (no peer known yet, so RFC 6056's
// per-destination algorithms do not apply): a random start, then each port in turn — RFC 6056 §3.3.1,
// Algorithm 1, which tries every port of the range exactly once.

import { nextBelow, type Rng } from './rng.ts';

export interface PortRange {
  min: number;
  max: number;
}

/** A port of `range` that `taken` does not claim, or undefined when every one is taken. */
export function randomFreePort(
  rng: Rng,
  range: PortRange,
  taken: (port: number) => boolean,
): number | undefined {
  const count = range.max - range.min + 1;
  const start = nextBelow(rng, count);
  for (let i = 0; i < count; i++) {
    const port = range.min + ((start + i) % count);
    if (!taken(port)) return port;
  }
  return undefined;
}
