// The memory a ustack process holds once collecting frees nothing more: the V8 heap in use plus external
// memory (the ArrayBuffers of every connection's byte rings). Needs node --expose-gc. One gc() is not
// enough: the ArrayBuffers it finds dead are freed by V8's sweeper after it returns, so right after a run
// of bulk transfers one collection still reports tens of MB that the next one gives back.

/** The global gc() that --expose-gc installs, or undefined without the flag. */
export const exposedGc = (globalThis as { gc?: () => void }).gc;

/** Heap in use plus external bytes after full collections, repeated until they free under 1% more. */
export async function collectedHeapBytes(gc: () => void): Promise<number> {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { heapUsed, external } = process.memoryUsage();
    const bytes = heapUsed + external;
    if (bytes >= previous * 0.99) return Math.min(bytes, previous);
    previous = bytes;
  }
  return previous;
}
