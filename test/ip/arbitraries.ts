// fast-check generators for the IP wire-layer properties: well-formed option lists and IPv4 Reprs.

import fc from 'fast-check';
import type { Ipv4Repr } from '../../src/ip/ipv4.ts';
import {
  emitIpv4Options,
  type Ipv4Option,
  MAX_IPV4_OPTIONS_LEN,
  type TimestampFlags,
} from '../../src/ip/ipv4-options.ts';

const u32 = fc.nat(0xffffffff);

const routeOption = fc
  .record({
    kind: fc.constantFrom('record-route', 'loose-source-route', 'strict-source-route'),
    addresses: fc.array(u32, { maxLength: 9 }),
    filled: fc.nat(9),
  })
  .map(
    ({ kind, addresses, filled }): Ipv4Option => ({
      kind,
      // Slot boundaries only: 4, 8, …, and 4 + 4n for a full route.
      pointer: 4 + 4 * Math.min(filled, addresses.length),
      addresses,
    }),
  );

const timestampOption = fc
  .record({
    flags: fc.constantFrom<TimestampFlags>(0, 1, 3),
    overflow: fc.nat(15),
    stamps: fc.array(fc.record({ address: u32, timestamp: u32 }), { maxLength: 9 }),
    filled: fc.nat(9),
  })
  .map(({ flags, overflow, stamps, filled }): Ipv4Option => {
    const entries = flags === 0 ? stamps.map(({ timestamp }) => ({ timestamp })) : stamps.slice(0, 4);
    const slot = flags === 0 ? 4 : 8;
    return {
      kind: 'timestamp',
      pointer: 5 + slot * Math.min(filled, entries.length),
      overflow,
      flags,
      entries,
    };
  });

const otherOption = fc.oneof(
  fc.constant<Ipv4Option>({ kind: 'nop' }),
  fc.nat(0xffff).map((value): Ipv4Option => ({ kind: 'router-alert', value })),
  fc
    .record({
      // Types the codec does not decode: security (130), stream ID (136), MTU probe (11), and others.
      type: fc.constantFrom(11, 12, 25, 82, 130, 133, 136, 145, 149, 255),
      data: fc.uint8Array({ maxLength: 8 }),
    })
    .map(({ type, data }): Ipv4Option => ({ kind: 'unknown', type, data })),
);

function encodedLen(list: Ipv4Option[]): number {
  let total = 0;
  for (const option of list) {
    if (option.kind === 'eol' || option.kind === 'nop') total += 1;
    else if (option.kind === 'timestamp') total += 4 + (option.flags === 0 ? 4 : 8) * option.entries.length;
    else if (option.kind === 'router-alert') total += 4;
    else if (option.kind === 'unknown') total += 2 + option.data.length;
    else total += 3 + 4 * option.addresses.length;
  }
  return total;
}

/** Lists that encode to at most 40 octets, with each once-only option at most once, maybe ending in EOL. */
export const optionList: fc.Arbitrary<Ipv4Option[]> = fc
  .record({
    route: fc.option(routeOption, { nil: undefined }),
    timestamp: fc.option(timestampOption, { nil: undefined }),
    others: fc.array(otherOption, { maxLength: 4 }),
    eol: fc.boolean(),
    order: fc.nat(),
  })
  .map(({ route, timestamp, others, eol, order }) => {
    const list = [...others];
    if (route) list.splice(order % (list.length + 1), 0, route);
    if (timestamp) list.splice((order >>> 3) % (list.length + 1), 0, timestamp);
    if (eol) list.push({ kind: 'eol' });
    return list;
  })
  .filter((list) => encodedLen(list) <= MAX_IPV4_OPTIONS_LEN);

function padded(options: Uint8Array): Uint8Array {
  const out = new Uint8Array((options.length + 3) & ~3);
  out.set(options);
  return out;
}

export const ipv4Repr: fc.Arbitrary<Ipv4Repr> = fc
  .record({
    srcAddr: u32,
    dstAddr: u32,
    protocol: fc.nat(255),
    ttl: fc.nat(255),
    tos: fc.nat(255),
    identification: fc.nat(0xffff),
    dontFragment: fc.boolean(),
    moreFragments: fc.boolean(),
    fragmentUnits: fc.nat(0x1fff),
    // Padded as a received header carries them, so that parsing gives back exactly these octets.
    options: fc.oneof(fc.constant<Ipv4Option[]>([]), optionList).map((list) => padded(emitIpv4Options(list))),
    payloadLength: fc.nat(600),
  })
  .map(({ fragmentUnits, ...rest }) => ({ ...rest, fragmentOffset: fragmentUnits * 8 }))
  .filter((repr) => repr.fragmentOffset + repr.payloadLength <= 0xffff);
