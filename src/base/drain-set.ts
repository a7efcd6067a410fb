// Moving a set's members into an array and emptying the set, as the layers do once per step with the
// endpoints whose readiness changed.

/**
 * Appends every member of `set` to `into` in insertion order, leaves `set` empty, and returns `into`.
 * Members are deleted one by one: Set.prototype.clear() allocates a new table each time, garbage made on
 * every step of a busy stack.
 */
export function drainSet<T, U>(set: Set<T>, into: Array<T | U>): Array<T | U> {
  if (set.size === 0) return into;
  for (const member of set) {
    set.delete(member);
    into.push(member);
  }
  return into;
}
