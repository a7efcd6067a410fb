// A fixed-capacity byte ring: the TCP send buffer (bytes from SND.UNA on) and receive buffer (bytes from the
// application's read point up to RCV.NXT, then out-of-order data parked beyond RCV.NXT).
//
// Data is copied once in (write/writeUnallocated) and once out (read/peek). Every copy is at most two
// Uint8Array.set calls, one per side of the wrap point. The backing store grows on demand, doubling up to the
// capacity, so an idle connection with a 4 MiB window costs a few KiB, not 8 MiB (a SYN flood or 10,000
// idle connections would otherwise exhaust memory); releaseSpare() gives it back when no more data comes.
//
// Layout: `head` is the index of the first readable byte, `length` bytes follow it (wrapping). The rest of
// the store is "unallocated": the receiver parks out-of-order segments there, at their offset beyond
// RCV.NXT, and commits them once the gap before them fills (RFC 9293 §3.10.7.4).

const INITIAL_STORE = 4096;

export class ByteRing {
  private store: Uint8Array;
  private limit: number;
  private head = 0;
  private held = 0;

  constructor(capacity: number) {
    checkSize('capacity', capacity);
    this.limit = capacity;
    this.store = new Uint8Array(Math.min(capacity, INITIAL_STORE));
  }

  get capacity(): number {
    return this.limit;
  }

  /** Bytes of backing store allocated now (at most the capacity). */
  get allocated(): number {
    return this.store.length;
  }

  /** Bytes held (readable). */
  get length(): number {
    return this.held;
  }

  /** Bytes that can still be written: capacity − length. */
  get free(): number {
    return this.limit - this.held;
  }

  /** Appends up to `free` bytes from src; returns how many were taken. */
  write(src: Uint8Array): number {
    const n = this.copyIn(0, src);
    this.held += n;
    return n;
  }

  /**
   * Writes into the unallocated space `offset` bytes past the end of the data, without making it readable
   * (out-of-order data is parked here). Returns bytes written (clipped to the free space).
   */
  writeUnallocated(offset: number, src: Uint8Array): number {
    checkSize('offset', offset);
    return this.copyIn(offset, src);
  }

  /** Makes n bytes of previously written unallocated space readable. */
  commitUnallocated(n: number): void {
    checkSize('n', n);
    if (n > this.free) throw new RangeError(`cannot commit ${n} bytes, only ${this.free} free`);
    this.ensureStore(this.held + n);
    this.held += n;
  }

  /** Copies up to dst.length bytes from the front into dst and removes them; returns the count. */
  read(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.held);
    this.copyOut(0, n, dst, 0);
    this.discard(n);
    return n;
  }

  /**
   * Copies len bytes starting `offset` bytes from the front into dst at dstOffset, without removing them
   * (the sender builds segments and retransmissions from SND.UNA this way).
   */
  peek(offset: number, len: number, dst: Uint8Array, dstOffset: number): void {
    checkSize('offset', offset);
    checkSize('len', len);
    if (offset + len > this.held) {
      throw new RangeError(`peek of [${offset}, ${offset + len}) beyond the ${this.held} bytes held`);
    }
    this.copyOut(offset, len, dst, dstOffset);
  }

  /**
   * The `len` bytes starting `offset` bytes from the front as one view into the store, when they do not
   * cross the wrap point (else undefined: peek them). The view is valid until the ring is next changed; the
   * sender emits a segment straight from it, saving a copy of every payload byte.
   */
  view(offset: number, len: number): Uint8Array | undefined {
    if (offset + len > this.held) {
      throw new RangeError(`view of [${offset}, ${offset + len}) beyond the ${this.held} bytes held`);
    }
    const start = this.wrap(this.head + offset);
    if (start + len > this.store.length) return undefined;
    return this.store.subarray(start, start + len);
  }

  /** Removes n bytes from the front (acknowledged data). */
  discard(n: number): void {
    checkSize('n', n);
    if (n > this.held) throw new RangeError(`cannot discard ${n} bytes, only ${this.held} held`);
    this.held -= n;
    // head never rewinds to 0 when the ring empties: parked out-of-order data keeps its place after it.
    this.head = this.wrap(this.head + n);
  }

  /**
   * Changes capacity keeping the data (SO_RCVBUF/SO_SNDBUF); rejected (returns false) if smaller than
   * length. Parked out-of-order bytes survive as far as they fit in the new unallocated space.
   */
  resize(capacity: number): boolean {
    checkSize('capacity', capacity);
    if (capacity < this.held) return false;
    this.limit = capacity;
    if (this.store.length > capacity) this.reallocate(capacity);
    return true;
  }

  /** Frees the store beyond the bytes held, parked data included: for a connection that receives no more. */
  releaseSpare(): void {
    this.reallocate(this.held);
  }

  /** Grows the store (doubling, up to the capacity) so that `needed` bytes from head fit. */
  private ensureStore(needed: number): void {
    if (needed > this.store.length)
      this.reallocate(Math.min(this.limit, Math.max(needed, this.store.length * 2)));
  }

  /** Moves everything the store holds from head on, parked data too, into a store of `size` bytes. */
  private reallocate(size: number): void {
    const next = new Uint8Array(size);
    this.copyOut(0, Math.min(size, this.store.length), next, 0);
    this.store = next;
    this.head = 0;
  }

  /** Copies src to `offset` bytes past the end of the data, clipped to the free space; returns the count. */
  private copyIn(offset: number, src: Uint8Array): number {
    const room = this.free - offset;
    if (room <= 0) return 0;
    const n = Math.min(src.length, room);
    this.ensureStore(this.held + offset + n);
    const start = this.wrap(this.head + this.held + offset);
    const first = Math.min(n, this.store.length - start);
    this.store.set(first === src.length ? src : src.subarray(0, first), start);
    if (n > first) this.store.set(src.subarray(first, n), 0);
    return n;
  }

  /** Copies len bytes from `offset` past head (no bounds check against `held`) to dst at dstOffset. */
  private copyOut(offset: number, len: number, dst: Uint8Array, dstOffset: number): void {
    if (len === 0) return;
    const start = this.wrap(this.head + offset);
    const first = Math.min(len, this.store.length - start);
    dst.set(this.store.subarray(start, start + first), dstOffset);
    if (len > first) dst.set(this.store.subarray(0, len - first), dstOffset + first);
  }

  private wrap(index: number): number {
    const size = this.store.length;
    return index >= size ? index - size : index;
  }
}

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}
