import { describe, expect, it } from 'vitest';
import { PacketSlab } from '../../src/base/packet-slab.ts';

describe('PacketSlab', () => {
  it('hands out disjoint, aligned regions and starts a new slab when full', () => {
    const slab = new PacketSlab(64);
    const a = slab.allocate(10);
    const b = slab.allocate(20);
    expect(a.length).toBe(10);
    expect(b.byteOffset).toBe(16);
    expect(b.buffer).toBe(a.buffer);
    a.fill(1);
    expect(b.every((x) => x === 0)).toBe(true);
    const c = slab.allocate(40);
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.byteOffset).toBe(0);
  });

  it('allocates oversized packets on their own', () => {
    const slab = new PacketSlab(64);
    expect(slab.allocate(100).length).toBe(100);
  });

  it('hands out the same memory again after a reset', () => {
    const slab = new PacketSlab(64);
    const a = slab.allocate(10);
    slab.reset();
    const b = slab.allocate(10);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset);
  });

  it('takes back only the region handed out last', () => {
    const slab = new PacketSlab(64);
    const a = slab.allocate(10);
    const b = slab.allocate(10);
    slab.release(a);
    expect(slab.allocate(10).byteOffset).toBe(32);
    const c = slab.allocate(10);
    slab.release(c);
    expect(slab.allocate(10).byteOffset).toBe(c.byteOffset);
    expect(b.byteOffset).toBe(16);
  });
});
