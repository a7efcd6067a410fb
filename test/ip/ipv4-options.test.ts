import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import { Ipv4View } from '../../src/ip/ipv4.ts';
import {
  checkIpv4Options,
  emitIpv4Options,
  type Ipv4Option,
  parseIpv4Options,
} from '../../src/ip/ipv4-options.ts';
import { optionList } from './arbitraries.ts';
import {
  KERNEL_RECORD_ROUTE_REPLY,
  KERNEL_RECORD_ROUTE_REQUEST,
  SCAPY_LOOSE_SOURCE_ROUTE,
  SCAPY_ROUTER_ALERT,
  TIMESTAMP_AND_ADDRESS_REPLY,
  TIMESTAMP_ONLY_REPLY,
  TIMESTAMP_PRESPECIFIED_REQUEST,
} from './ip-fixtures.ts';

const H1 = 0xc6120001; // 198.18.0.1
const H2 = 0xc6120002; // 198.18.0.2

function optionsOf(packet: Uint8Array): Uint8Array {
  return new Ipv4View().wrap(packet).options;
}

function decoded(options: Uint8Array): Ipv4Option[] {
  const list = parseIpv4Options(options);
  if (list === 'ipv4.bad-options') throw new Error(`bad options ${toHex(options)}`);
  return list;
}

describe('IPv4 options: real packets', () => {
  it('decodes record route as ping -R sends it and as the kernel answers it', () => {
    expect(decoded(optionsOf(KERNEL_RECORD_ROUTE_REQUEST))).toEqual([
      { kind: 'nop' },
      { kind: 'record-route', pointer: 8, addresses: [H1, 0, 0, 0, 0, 0, 0, 0, 0] },
    ]);
    expect(decoded(optionsOf(KERNEL_RECORD_ROUTE_REPLY))).toEqual([
      { kind: 'record-route', pointer: 16, addresses: [H1, H2, H2, 0, 0, 0, 0, 0, 0] },
      { kind: 'eol' },
    ]);
  });

  it('decodes the three timestamp forms', () => {
    const tsonly = decoded(optionsOf(TIMESTAMP_ONLY_REPLY));
    expect(tsonly).toHaveLength(1);
    expect(tsonly[0]).toMatchObject({ kind: 'timestamp', pointer: 17, overflow: 0, flags: 0 });
    const stamps = (tsonly[0] as { entries: { timestamp: number }[] }).entries;
    expect(stamps).toHaveLength(9);
    expect(stamps.slice(0, 3).map((e) => e.timestamp)).toEqual([0x0520ff2c, 0x0520ff2c, 0x0520ff2c]);
    expect(stamps.slice(3).every((e) => e.timestamp === 0 && !('address' in e))).toBe(true);

    expect(decoded(optionsOf(TIMESTAMP_AND_ADDRESS_REPLY))).toEqual([
      {
        kind: 'timestamp',
        pointer: 29,
        overflow: 0,
        flags: 1,
        entries: [
          { address: H1, timestamp: 0x0520ff2f },
          { address: H1, timestamp: 0x0520ff2f },
          { address: H1, timestamp: 0x0520ff2f },
          { address: 0, timestamp: 0 },
        ],
      },
    ]);
    expect(decoded(optionsOf(TIMESTAMP_PRESPECIFIED_REQUEST))).toEqual([
      {
        kind: 'timestamp',
        pointer: 13,
        overflow: 0,
        flags: 3,
        entries: [{ address: H1, timestamp: 0x0520ff32 }],
      },
    ]);
  });

  it('decodes router alert and loose source route', () => {
    expect(decoded(optionsOf(SCAPY_ROUTER_ALERT))).toEqual([{ kind: 'router-alert', value: 0 }]);
    expect(decoded(optionsOf(SCAPY_LOOSE_SOURCE_ROUTE))).toEqual([
      { kind: 'loose-source-route', pointer: 4, addresses: [0xc6120101, 0xc6130001] },
      { kind: 'eol' },
    ]);
  });

  it('re-encodes every real option list to the same octets', () => {
    for (const packet of [
      KERNEL_RECORD_ROUTE_REQUEST,
      KERNEL_RECORD_ROUTE_REPLY,
      TIMESTAMP_ONLY_REPLY,
      TIMESTAMP_AND_ADDRESS_REPLY,
      TIMESTAMP_PRESPECIFIED_REQUEST,
      SCAPY_ROUTER_ALERT,
      SCAPY_LOOSE_SOURCE_ROUTE,
    ]) {
      const options = optionsOf(packet);
      expect(toHex(emitIpv4Options(decoded(options)))).toBe(toHex(options));
    }
  });
});

describe('IPv4 options: codec', () => {
  it('encodes each kind (unknown options kept raw)', () => {
    const bytes = emitIpv4Options([
      { kind: 'nop' },
      { kind: 'strict-source-route', pointer: 4, addresses: [H2] },
      { kind: 'unknown', type: 130, data: Uint8Array.from([1, 2, 3]) },
      { kind: 'timestamp', pointer: 5, overflow: 15, flags: 0, entries: [{ timestamp: 0x01020304 }] },
      { kind: 'router-alert', value: 0xabcd },
      { kind: 'eol' },
    ]);
    expect(toHex(bytes)).toBe(
      '01' + '890704c6120002' + '8205010203' + '440805f001020304' + '9404abcd' + '00',
    );
  });

  it('round-trips any well-formed list: list → octets → the same list → the same octets', () => {
    fc.assert(
      fc.property(optionList, (list) => {
        const bytes = emitIpv4Options(list);
        expect(checkIpv4Options(bytes, 0, bytes.length)).toBe(true);
        const back = decoded(bytes);
        expect(back).toEqual(list);
        expect(emitIpv4Options(back)).toEqual(bytes);
      }),
    );
  });

  it('checks options in place at an offset, reading nothing outside the range', () => {
    const bytes = emitIpv4Options([{ kind: 'router-alert', value: 1 }]);
    const outer = new Uint8Array(20).fill(0x07);
    outer.set(bytes, 9);
    expect(checkIpv4Options(outer, 9, 4)).toBe(true);
    expect(checkIpv4Options(outer, 9, 3)).toBe(false);
    expect(checkIpv4Options(outer, 9, 0)).toBe(true);
  });

  it('refuses to encode more than 40 octets', () => {
    const long: Ipv4Option = { kind: 'record-route', pointer: 4, addresses: new Array(10).fill(0) };
    expect(() => emitIpv4Options([long])).toThrow(RangeError);
    expect(() => emitIpv4Options(new Array(41).fill({ kind: 'nop' }))).toThrow(RangeError);
    expect(emitIpv4Options(new Array(40).fill({ kind: 'nop' }))).toHaveLength(40);
  });
});

describe('IPv4 options: malformed input', () => {
  const bad = (hex: string) => parseIpv4Options(fromHex(hex));

  it('refuses lengths that are < 2, missing, or run past the header', () => {
    expect(bad('83')).toBe('ipv4.bad-options');
    expect(bad('01 01 82')).toBe('ipv4.bad-options');
    expect(bad('82 00 00 00')).toBe('ipv4.bad-options');
    expect(bad('82 01 00 00')).toBe('ipv4.bad-options');
    expect(bad('82 05 00 00')).toBe('ipv4.bad-options');
    expect(bad('82 04 00 00')).toEqual([{ kind: 'unknown', type: 0x82, data: Uint8Array.from([0, 0]) }]);
  });

  it('refuses route options with a bad length or pointer', () => {
    expect(bad('07 03 04')).toEqual([{ kind: 'record-route', pointer: 4, addresses: [] }]);
    expect(bad('07 02 04')).toBe('ipv4.bad-options'); // shorter than type + length + pointer
    expect(bad('07 08 04 00 00 00 00 00')).toBe('ipv4.bad-options'); // not 3 + 4n
    expect(bad('07 07 03 00 00 00 00')).toBe('ipv4.bad-options'); // pointer < 4 (RFC 791)
    expect(bad('83 07 05 00 00 00 00')).toBe('ipv4.bad-options'); // pointer leaves no room for an address
    expect(bad('89 07 08 00 00 00 00')).toEqual([
      { kind: 'strict-source-route', pointer: 8, addresses: [0] },
    ]);
  });

  it('refuses timestamp options with a bad length, pointer or flag', () => {
    expect(bad('44 04 05 00')).toEqual([
      { kind: 'timestamp', pointer: 5, overflow: 0, flags: 0, entries: [] },
    ]);
    expect(bad('44 03 05')).toBe('ipv4.bad-options'); // no flags octet
    expect(bad('44 08 04 00 00 00 00 00')).toBe('ipv4.bad-options'); // pointer < 5 (RFC 791)
    expect(bad('44 08 05 02 00 00 00 00')).toBe('ipv4.bad-options'); // flag 2 is undefined
    expect(bad('44 08 05 01 00 00 00 00')).toBe('ipv4.bad-options'); // address + timestamp needs 8-octet slots
    expect(bad('44 0c 09 01 00 00 00 00 00 00 00 00')).toBe('ipv4.bad-options'); // pointer mid-slot
    expect(bad('44 06 05 00 00 00')).toBe('ipv4.bad-options'); // not 4 + 4n
  });

  it('refuses a router alert whose length is not 4 (RFC 2113)', () => {
    expect(bad('94 06 00 00 00 00')).toBe('ipv4.bad-options');
    expect(bad('94 02')).toBe('ipv4.bad-options');
  });

  it('refuses a second record route, source route or timestamp', () => {
    expect(bad('07 03 04 07 03 04')).toBe('ipv4.bad-options');
    expect(bad('83 03 04 89 03 04')).toBe('ipv4.bad-options');
    expect(bad('44 04 05 00 44 04 05 00')).toBe('ipv4.bad-options');
    expect(bad('94 04 00 00 94 04 00 00')).toHaveLength(2);
    expect(bad('07 03 04 83 03 04 44 04 05 00')).toHaveLength(3);
  });

  it('stops at EOL and ignores whatever follows it (header padding)', () => {
    expect(bad('01 00 ff ff')).toEqual([{ kind: 'nop' }, { kind: 'eol' }]);
    expect(bad('00 83 01')).toEqual([{ kind: 'eol' }]);
  });

  it('never throws on random octets, and the in-place check agrees with the parser', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (junk) => {
        const result = parseIpv4Options(junk);
        expect(result === 'ipv4.bad-options' || Array.isArray(result)).toBe(true);
        expect(checkIpv4Options(junk, 0, junk.length)).toBe(result !== 'ipv4.bad-options');
      }),
    );
  });
});
