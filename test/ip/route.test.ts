import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inPrefix, parseIpv4Address } from '../../src/ip/address.ts';
import { type Route, RouteTable } from '../../src/ip/route.ts';

function ip(text: string): number {
  const addr = parseIpv4Address(text);
  if (addr === undefined) throw new Error(text);
  return addr;
}

/** The lab of ARCHITECTURE.md: a connected /24, a routed /15 behind a gateway, a host route, a default. */
function labTable(): RouteTable {
  const table = new RouteTable();
  table.add({ net: 0, prefixLen: 0, gateway: ip('198.18.0.1'), ifaceIndex: 0, source: ip('198.18.0.2') });
  table.add({ net: ip('198.18.0.0'), prefixLen: 15, gateway: ip('198.18.0.254'), ifaceIndex: 0 });
  table.add({ net: ip('198.18.0.0'), prefixLen: 24, ifaceIndex: 0, source: ip('198.18.0.2') });
  table.add({ net: ip('198.19.7.7'), prefixLen: 32, ifaceIndex: 1 });
  return table;
}

describe('route table', () => {
  it('picks the longest matching prefix', () => {
    const table = labTable();
    expect(table.lookup(ip('198.18.0.77'))).toEqual({
      net: ip('198.18.0.0'),
      prefixLen: 24,
      ifaceIndex: 0,
      source: ip('198.18.0.2'),
    });
    expect(table.lookup(ip('198.18.1.1'))).toMatchObject({ prefixLen: 15, gateway: ip('198.18.0.254') });
    expect(table.lookup(ip('198.19.7.7'))).toMatchObject({ prefixLen: 32, ifaceIndex: 1 });
    expect(table.lookup(ip('198.19.7.8'))).toMatchObject({ prefixLen: 15 });
  });

  it('falls back to the default route, and finds nothing without one', () => {
    const table = labTable();
    expect(table.lookup(ip('203.0.113.5'))).toMatchObject({ prefixLen: 0, gateway: ip('198.18.0.1') });
    expect(table.lookup(0xffffffff)).toMatchObject({ prefixLen: 0 });
    expect(table.remove(0, 0)).toBe(true);
    expect(table.lookup(ip('203.0.113.5'))).toBeUndefined();
    expect(new RouteTable().lookup(ip('198.18.0.1'))).toBeUndefined();
  });

  it('clears host bits on add and on remove', () => {
    const table = new RouteTable();
    table.add({ net: ip('198.18.0.2'), prefixLen: 24, ifaceIndex: 3 });
    expect(table.list()).toEqual([{ net: ip('198.18.0.0'), prefixLen: 24, ifaceIndex: 3 }]);
    expect(table.lookup(ip('198.18.0.200'))?.ifaceIndex).toBe(3);
    expect(table.remove(ip('198.18.0.99'), 24)).toBe(true);
    expect(table.list()).toEqual([]);
  });

  it('replaces a route to the same prefix and keeps routes of other lengths', () => {
    const table = labTable();
    table.add({ net: ip('198.18.0.0'), prefixLen: 24, ifaceIndex: 9 });
    expect(table.lookup(ip('198.18.0.5'))?.ifaceIndex).toBe(9);
    expect(table.list()).toHaveLength(4);
  });

  it('removes exactly one route and reports whether there was one', () => {
    const table = labTable();
    expect(table.remove(ip('198.18.0.0'), 23)).toBe(false);
    expect(table.remove(ip('10.0.0.0'), 24)).toBe(false);
    expect(table.remove(ip('198.18.0.0'), 24)).toBe(true);
    expect(table.remove(ip('198.18.0.0'), 24)).toBe(false);
    expect(table.lookup(ip('198.18.0.77'))).toMatchObject({ prefixLen: 15 });
    expect(table.remove(ip('198.18.0.0'), 33)).toBe(false);
  });

  it('lists routes longest prefix first, then by network', () => {
    const table = labTable();
    table.add({ net: ip('198.18.5.0'), prefixLen: 24, ifaceIndex: 2 });
    expect(table.list().map((r) => [r.net, r.prefixLen])).toEqual([
      [ip('198.19.7.7'), 32],
      [ip('198.18.0.0'), 24],
      [ip('198.18.5.0'), 24],
      [ip('198.18.0.0'), 15],
      [0, 0],
    ]);
  });

  it('keeps its own copy of each route', () => {
    const route: Route = { net: ip('198.18.0.0'), prefixLen: 24, ifaceIndex: 1 };
    const table = new RouteTable();
    table.add(route);
    route.ifaceIndex = 7;
    expect(table.lookup(ip('198.18.0.1'))?.ifaceIndex).toBe(1);
  });

  it('refuses a prefix length outside 0..32', () => {
    const table = new RouteTable();
    for (const prefixLen of [-1, 33, 1.5, Number.NaN]) {
      expect(() => table.add({ net: 0, prefixLen, ifaceIndex: 0 })).toThrow(RangeError);
    }
    expect(table.list()).toEqual([]);
  });

  it('agrees with a linear scan for the longest prefix on random tables', () => {
    const route = fc.record({
      net: fc.nat(0xffffffff),
      prefixLen: fc.integer({ min: 0, max: 32 }),
      ifaceIndex: fc.nat(3),
    });
    fc.assert(
      fc.property(
        fc.array(route, { maxLength: 40 }),
        fc.array(fc.nat(0xffffffff), { maxLength: 30 }),
        (routes, dsts) => {
          const table = new RouteTable();
          for (const r of routes) table.add(r);
          const installed = table.list();
          // Aim some lookups inside installed prefixes, not only at random addresses.
          const targets = [...dsts, ...installed.map((r) => (r.net | ((dsts[0] ?? 0) % 7)) >>> 0)];
          for (const dst of targets) {
            let best: Route | undefined;
            for (const r of installed) {
              if (inPrefix(dst, r.net, r.prefixLen) && (!best || r.prefixLen > best.prefixLen)) best = r;
            }
            expect(table.lookup(dst)).toEqual(best);
          }
        },
      ),
    );
  });
});
