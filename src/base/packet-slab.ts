// Outgoing packets are carved from large slabs instead of allocated one by one: allocating a 1500-byte
// buffer costs 140–420 ns here, a subarray of a slab a fraction of that. A slab is dropped (and collected)
// once every packet carved from it has been released by the links that took ownership.

const DEFAULT_SLAB_BYTES = 1 << 20;

export class PacketSlab {
  private slab: Uint8Array;
  private used = 0;
  private lastStart = 0;

  constructor(private readonly slabBytes = DEFAULT_SLAB_BYTES) {
    this.slab = new Uint8Array(slabBytes);
  }

  /** Starts handing out the current slab from its beginning again: every packet from it is done with. */
  reset(): void {
    this.used = 0;
  }

  /** A region of `length` bytes not handed out since the last reset (not zeroed after one), 8-byte aligned. */
  allocate(length: number): Uint8Array {
    if (length > this.slabBytes) return new Uint8Array(length);
    if (this.used + length > this.slabBytes) {
      this.slab = new Uint8Array(this.slabBytes);
      this.used = 0;
    }
    this.lastStart = this.used;
    const packet = this.slab.subarray(this.used, this.used + length);
    this.used = (this.used + length + 7) & ~7;
    return packet;
  }

  /**
   * Takes back `packet` if it is the region handed out last, once its link has copied it: the next packet
   * reuses the space. Without this, one poll sending more than a slab (a window of 64 KB TSO segments)
   * allocated a fresh zeroed megabyte each time.
   */
  release(packet: Uint8Array): void {
    if (packet.buffer === this.slab.buffer && packet.byteOffset === this.lastStart)
      this.used = this.lastStart;
  }
}
