// The driver runs a StackCore on real links and a clock: the only code that owns the event loop.
//
// Inbound batches are ingested and followed by one step; user operations request a step (coalesced into
// one microtask); a single timer is armed at the core's next deadline and moved only when that deadline
// moves earlier (gVisor's trick: a timer that fires early just re-checks). Readiness changes are handed to
// listeners after the step has returned, so no user code ever runs inside the core (ARCHITECTURE rule 4).

import type { Clock, Instant } from './base/time.ts';
import type { Link } from './link/link.ts';
import type { Endpoint, StackCore } from './stack.ts';

/** The process clock in microseconds (monotonic, arbitrary epoch). */
export const realClock: Clock = { now: () => Math.round(performance.now() * 1000) };

const SETTLED = Promise.resolve();

/** `fromEventLoop`: the step runs in a macrotask (packets, a timer), not in a microtask after a user call. */
export type ReadinessListener = (endpoints: readonly Endpoint[], fromEventLoop: boolean) => void;

export class Driver {
  private timer: NodeJS.Timeout | undefined;
  private armedAt: Instant | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stepQueued = false;
  private closed = false;
  private reportedInternalError = false;
  private readonly listeners = new Set<ReadinessListener>();
  private readonly emit = (ifaceIndex: number, packet: Uint8Array): void => {
    this.links[ifaceIndex]?.send(packet);
  };

  constructor(
    readonly core: StackCore,
    readonly links: readonly Link[],
    readonly clock: Clock = realClock,
  ) {
    links.forEach((link, ifaceIndex) => {
      link.onPackets((packets) => {
        if (this.closed) return;
        const now = this.clock.now();
        for (const packet of packets) this.ingressGuarded(now, ifaceIndex, packet);
        this.step(true);
      });
    });
  }

  /**
   * Malformed input is a counted drop, never a crash: the core should never throw on a packet, and if a
   * bug makes it, the packet is counted under 'internal-error' and reported once instead of ending the process.
   */
  private ingressGuarded(now: Instant, ifaceIndex: number, packet: Uint8Array): void {
    try {
      this.core.ingress(now, ifaceIndex, packet);
    } catch (error) {
      this.core.stats.drop('internal-error');
      if (!this.reportedInternalError) {
        this.reportedInternalError = true;
        process.emitWarning(
          `ustack: a packet raised ${(error as Error).stack ?? error}; dropped and counted`,
        );
      }
    }
  }

  onReadiness(listener: ReadinessListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks for a step soon (after a user operation changed what the core wants to send). */
  requestStep(): void {
    if (this.stepQueued || this.closed) return;
    this.stepQueued = true;
    // A reaction on a settled promise, not queueMicrotask: Node wraps each queueMicrotask callback in an
    // AsyncResource and a bound function, garbage that a request/response loop made twice per round trip.
    void SETTLED.then(this.runQueuedStep);
  }

  private readonly runQueuedStep = (): void => {
    this.stepQueued = false;
    this.step();
  };

  /** Runs the core once: poll, flush the links, re-arm the timer, then tell listeners what changed. */
  step(fromEventLoop = false): void {
    if (this.closed) return;
    const now = this.clock.now();
    this.core.poll(now, this.emit);
    for (const link of this.links) link.flush();
    const changed = this.core.takeChanged();
    this.arm(now);
    if (changed.length > 0) for (const listener of this.listeners) listener(changed, fromEventLoop);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    await Promise.all(this.links.map((link) => link.close()));
  }

  private arm(now: Instant): void {
    const at = this.core.pollAt();
    if (at === undefined) return;
    if (at <= now) {
      // More work is due already (e.g. output the core held back this step): yield to I/O first.
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.step(true);
      });
      return;
    }
    if (this.timer && this.armedAt !== undefined && this.armedAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.armedAt = undefined;
        this.step(true);
      },
      Math.max(0, Math.ceil((at - now) / 1000)),
    );
  }
}
