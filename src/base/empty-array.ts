// Emptying an array that is refilled on every step (a poll's visit list, a read batch).

/**
 * Empties `array` while keeping its backing store. `array.length = 0` makes V8 drop the store, so the
 * next push allocates a new one: about 50 bytes of garbage per step of a request/response loop. Popping
 * one by one keeps it.
 */
export function emptyArray(array: unknown[]): void {
  while (array.length > 0) array.pop();
}
