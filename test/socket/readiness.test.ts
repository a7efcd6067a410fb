// When a call that completed at once gives the event loop a turn (readiness.ts): often enough that a
// program looping on such calls cannot starve timers, never when the event loop has just run anyway.
import { afterEach, describe, expect, it } from 'vitest';
import { SO_SNDBUF, SOL_SOCKET, Stack } from '../../src/index.ts';
import { ReadinessHub } from '../../src/socket/readiness.ts';

function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('ReadinessHub.yieldIfBusy', () => {
  it('asks for no turn while the event loop ran recently', () => {
    const hub = new ReadinessHub();
    expect(hub.yieldIfBusy()).toBeUndefined();
  });

  it('asks for one turn once the event loop has not run for a couple of milliseconds', async () => {
    const hub = new ReadinessHub();
    busyFor(3);
    const turn = hub.yieldIfBusy();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(hub.yieldIfBusy()).toBeUndefined();
  });

  it('counts a readiness change reported from the event loop as a turn, one from a user call not', () => {
    const hub = new ReadinessHub();
    busyFor(3);
    hub.notify([], false);
    expect(hub.yieldIfBusy()).toBeInstanceOf(Promise);
    busyFor(3);
    hub.notify([], true);
    expect(hub.yieldIfBusy()).toBeUndefined();
  });
});

describe('a loop of sends that never block', () => {
  let stacks: Stack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.map((s) => s.close()));
    stacks = [];
  });

  it('still lets a timer run while it fills a large send buffer', async () => {
    stacks = await Stack.memoryPair({ seed: 5 });
    const [a, b] = stacks as [Stack, Stack];
    const listener = b.socket();
    listener.bind(['', 9000]);
    listener.listen();
    const client = a.socket();
    client.setsockopt(SOL_SOCKET, SO_SNDBUF, 64 << 20);
    await client.connect(['198.18.0.2', 9000]);
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const chunk = new Uint8Array(1024);
    const end = performance.now() + 50;
    let sendsBeforeTimer = 0;
    while (performance.now() < end) {
      await client.send(chunk);
      if (!timerRan) sendsBeforeTimer++;
    }
    expect(timerRan).toBe(true);
    expect(sendsBeforeTimer).toBeGreaterThan(0);
  });
});
