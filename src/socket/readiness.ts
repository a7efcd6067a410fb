// Blocking on top of a non-blocking core (gVisor's gonet pattern): an operation tries the endpoint, and if
// it would block, waits until the driver reports a readiness change for that endpoint, then retries.
// Python's three modes decide what "would block" means: wait forever, fail at once, or wait until a deadline.

import type { Endpoint } from '../stack.ts';
import { BlockingIOError, TimeoutError } from './errors.ts';

const YIELD_EVERY_MS = 2;

export class ReadinessHub {
  /**
   * Each endpoint's waiters. The lists stay for the endpoint's lifetime (a WeakMap lets them go with it):
   * a list made per wait and dropped per wake-up was garbage made on every blocking call. Arrays, not
   * Sets: a Set reallocates its table each time it empties.
   */
  private readonly waiters = new WeakMap<Endpoint, Array<() => void>>();
  /** When the event loop last ran for us: a yield, or a readiness change reported from a macrotask. */
  private lastTurn = performance.now();

  /**
   * Calls that complete at once resolve through microtasks only, so a program looping on them (send after
   * send into a large buffer) would starve timers and packet reads. When the event loop has not run for a
   * couple of milliseconds, such a call waits one turn, as a call that went through the kernel would: the
   * promise to await, or undefined when no turn is due (most calls: no promise is made for them). A program
   * that waits anyway (request/response) never pays for a turn: each wake-up from the event loop counts.
   */
  yieldIfBusy(): Promise<void> | undefined {
    if (performance.now() - this.lastTurn < YIELD_EVERY_MS) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.lastTurn = performance.now();
        resolve();
      }),
    );
  }

  /** Called by the host after each step with the endpoints whose readiness changed. */
  notify(endpoints: readonly Endpoint[], fromEventLoop = false): void {
    if (fromEventLoop) this.lastTurn = performance.now();
    for (const endpoint of endpoints) {
      const list = this.waiters.get(endpoint);
      if (list === undefined) continue;
      // Each wake-up removes itself from the list (and from its other endpoints' lists): walking from the
      // end, the one being called is always the last.
      for (let i = list.length - 1; i >= 0; i--) list[i]!();
    }
  }

  /** Resolves on the next change of any of the endpoints, or after `deadlineMs` (performance.now() time). */
  next(endpoints: readonly Endpoint[], deadlineMs: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        this.removeWaiter(endpoints, wake);
        resolve(true);
      };
      for (const endpoint of endpoints) {
        let list = this.waiters.get(endpoint);
        if (!list) {
          list = [];
          this.waiters.set(endpoint, list);
        }
        list.push(wake);
      }
      if (deadlineMs !== undefined) {
        timer = setTimeout(
          () => {
            this.removeWaiter(endpoints, wake);
            resolve(false);
          },
          Math.max(0, deadlineMs - performance.now()),
        );
      }
    });
  }

  /** Takes `wake` out of each endpoint's list: the last waiter moves into its place (order does not matter). */
  private removeWaiter(endpoints: readonly Endpoint[], wake: () => void): void {
    for (const endpoint of endpoints) {
      const list = this.waiters.get(endpoint);
      const at = list === undefined ? -1 : list.indexOf(wake);
      if (at < 0) continue;
      const last = list!.pop()!;
      if (at < list!.length) list![at] = last;
    }
  }
}

/**
 * Retries `attempt` until it returns something other than `undefined` (which means "would block"),
 * honouring the socket's timeout mode: null waits forever, 0 throws BlockingIOError at once, t > 0 throws
 * TimeoutError after t seconds.
 */
export async function untilReady<T>(
  hub: ReadinessHub,
  endpoints: () => readonly Endpoint[],
  timeoutSeconds: number | null,
  syscall: string,
  attempt: () => T | undefined,
  wouldBlockCode: 'EAGAIN' | 'EINPROGRESS' = 'EAGAIN',
): Promise<T> {
  const deadline = timeoutSeconds === null ? undefined : performance.now() + timeoutSeconds * 1000;
  for (;;) {
    const result = attempt();
    if (result !== undefined) {
      const turn = hub.yieldIfBusy();
      if (turn) await turn;
      return result;
    }
    if (timeoutSeconds === 0) throw new BlockingIOError(wouldBlockCode, syscall);
    if (deadline !== undefined && performance.now() >= deadline) throw new TimeoutError(syscall);
    const woke = await hub.next(endpoints(), deadline);
    if (!woke) {
      const last = attempt();
      if (last !== undefined) return last;
      throw new TimeoutError(syscall);
    }
  }
}
