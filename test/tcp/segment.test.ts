import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import { checksum, sum16 } from '../../src/base/checksum.ts';
import {
  blankTcpRepr,
  emitTcp,
  flagsString,
  parseTcp,
  segmentLength,
  TCP_HEADER_LEN,
  TCP_MAX_HEADER_LEN,
  type TcpError,
  type TcpRepr,
  tcpBufferLen,
  tcpFlags,
  tcpHeaderLen,
} from '../../src/tcp/segment.ts';

// 198.18.0.1 → 198.18.0.2; the expected bytes below were computed independently with Python's struct.
const SRC = 0xc6120001;
const DST = 0xc6120002;

function repr(fields: Partial<TcpRepr>): TcpRepr {
  return { ...blankTcpRepr(), srcPort: 1000, dstPort: 2000, ...fields };
}

function emitted(r: TcpRepr, mode: 'full' | 'partial' = 'full'): Uint8Array {
  const bytes = new Uint8Array(tcpBufferLen(r)).fill(0xa5);
  emitTcp(r, bytes, 0, SRC, DST, mode);
  return bytes;
}

function parse(bytes: Uint8Array, out = blankTcpRepr(), verified = false): TcpError | undefined {
  return parseTcp(bytes, 0, bytes.length, SRC, DST, out, verified);
}

/** Options bytes of an emitted header, hex. */
function optionsHex(r: TcpRepr): string {
  return toHex(emitted(r).subarray(TCP_HEADER_LEN, tcpHeaderLen(r)));
}

/** A header with the given option bytes (padded with EOL) and flags, its checksum made right. */
function withOptions(options: number[], flags = 0x10): Uint8Array {
  const headerLength = TCP_HEADER_LEN + ((options.length + 3) & ~3);
  const bytes = new Uint8Array(headerLength);
  bytes.set([0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 1, 0, 0, 0, 2, (headerLength / 4) << 4, flags, 0xff, 0xff]);
  bytes.set(options, TCP_HEADER_LEN);
  return fixChecksum(bytes);
}

function fixChecksum(bytes: Uint8Array): Uint8Array {
  bytes[16] = 0;
  bytes[17] = 0;
  const sum = checksum(bytes, 0, bytes.length, sum16(fromHex('c6120001 c6120002 0006'), 0, 10, bytes.length));
  bytes[16] = sum >>> 8;
  bytes[17] = sum & 0xff;
  return bytes;
}

const u32 = fc.nat(0xffff_ffff);
const u16 = fc.nat(0xffff);
const port = fc.integer({ min: 1, max: 0xffff });
const sackRange = fc.tuple(u32, u32);
const unknownOption = fc
  .tuple(fc.integer({ min: 9, max: 255 }), fc.uint8Array({ maxLength: 6 }))
  .map(([kind, data]) => Uint8Array.of(kind, data.length + 2, ...data));

/** Any Repr; its options may not all fit in 40 bytes. */
const anyRepr = fc.record({
  srcPort: port,
  dstPort: port,
  control: fc.constantFrom('none', 'syn', 'fin', 'rst') as fc.Arbitrary<TcpRepr['control']>,
  push: fc.boolean(),
  seqNumber: u32,
  ackNumber: fc.option(u32, { nil: undefined }),
  windowLen: u16,
  urgentPointer: fc.option(u16, { nil: undefined }),
  ece: fc.boolean(),
  cwr: fc.boolean(),
  maxSegSize: fc.option(u16, { nil: undefined }),
  windowScale: fc.option(fc.nat(14), { nil: undefined }),
  sackPermitted: fc.boolean(),
  sackRanges: fc.array(sackRange, { maxLength: 5 }),
  timestamp: fc.option(fc.record({ tsVal: u32, tsEcr: u32 }), { nil: undefined }),
  unknownOptions: fc.array(unknownOption, { maxLength: 3 }),
  payload: fc.uint8Array({ maxLength: 64 }),
});

/** What survives emit → parse: the options that fit, as emit chooses them. */
function afterEmit(r: TcpRepr): TcpRepr {
  const back = blankTcpRepr();
  expect(parse(emitted(r), back)).toBeUndefined();
  return back;
}

describe('TCP segment', () => {
  it('emits every field (0xa5 pre-fill shows any byte left unwritten)', () => {
    const bytes = emitted({
      ...blankTcpRepr(),
      srcPort: 0x1234,
      dstPort: 0x5678,
      control: 'fin',
      push: true,
      seqNumber: 0x89abcdef,
      ackNumber: 0x01234567,
      windowLen: 0xfedc,
      urgentPointer: 0x0102,
      ece: true,
      cwr: true,
      timestamp: { tsVal: 1, tsEcr: 2 },
      sackRanges: [[0x10, 0x20]],
      payload: new TextEncoder().encode('abc'),
    });
    expect(toHex(bytes)).toBe(
      toHex(
        fromHex(
          '12345678 89abcdef 01234567 b0f9fedc e84b0102 0101080a 00000001 00000002 0101050a 00000010 00000020 616263',
        ),
      ),
    );
  });

  it('writes zero for an absent ACK number and urgent pointer, and no option bytes without options', () => {
    const bytes = emitted(repr({ seqNumber: 5, windowLen: 100 }));
    expect(bytes.length).toBe(TCP_HEADER_LEN);
    expect(toHex(bytes.subarray(8, 16))).toBe('0000000050000064');
    expect(toHex(bytes.subarray(18, 20))).toBe('0000');
  });

  it('lays out options as Linux does for every combination', () => {
    const ts = { tsVal: 0x11111111, tsEcr: 0x22222222 };
    const tsHex = '080a1111111122222222';
    const cases: Array<[Partial<TcpRepr>, string]> = [
      [
        { maxSegSize: 1460, sackPermitted: true, timestamp: ts, windowScale: 7 },
        `020405b4 0402${tsHex} 01030307`,
      ],
      [{ maxSegSize: 1460, sackPermitted: true, windowScale: 7 }, '020405b4 01010402 01030307'],
      [{ maxSegSize: 1460, windowScale: 7 }, '020405b4 01030307'],
      [{ maxSegSize: 1460, sackPermitted: true }, '020405b4 01010402'],
      [{ maxSegSize: 1460, timestamp: ts, windowScale: 7 }, `020405b4 0101${tsHex} 01030307`],
      [{ timestamp: ts }, `0101${tsHex}`],
      [{ sackRanges: [[1, 2]] }, '0101050a 00000001 00000002'],
      [{ timestamp: ts, sackRanges: [[1, 2]] }, `0101${tsHex} 0101050a 00000001 00000002`],
      [{ unknownOptions: [Uint8Array.of(0x22, 2)] }, '22020000'],
      [{ maxSegSize: 536, unknownOptions: [Uint8Array.of(0xfd, 4, 0xab, 0xcd)] }, '02040218 fd04abcd'],
      [
        { timestamp: ts, unknownOptions: [Uint8Array.of(0x1e, 3, 0x99), Uint8Array.of(0x22, 2)] },
        `0101${tsHex} 1e039922 02000000`,
      ],
    ];
    for (const [fields, hex] of cases) expect(optionsHex(repr(fields)), hex).toBe(toHex(fromHex(hex)));
  });

  it('emits as many SACK blocks as fit: four alone, three beside timestamps, fewer beside unknown options', () => {
    const ranges: Array<[number, number]> = [1, 2, 3, 4, 5].map((n) => [n * 100, n * 100 + 50]);
    const ts = { tsVal: 1, tsEcr: 2 };
    expect(afterEmit(repr({ sackRanges: ranges })).sackRanges).toEqual(ranges.slice(0, 4));
    expect(afterEmit(repr({ sackRanges: ranges, timestamp: ts })).sackRanges).toEqual(ranges.slice(0, 3));
    const md5Sized = new Uint8Array(18).fill(0xee);
    md5Sized[0] = 19;
    md5Sized[1] = 18;
    const withUnknown = afterEmit(repr({ sackRanges: ranges, timestamp: ts, unknownOptions: [md5Sized] }));
    expect(withUnknown.sackRanges).toEqual([]);
    expect(withUnknown.unknownOptions.map(toHex)).toEqual([toHex(md5Sized)]);
    expect(tcpHeaderLen(repr({ sackRanges: ranges, timestamp: ts }))).toBe(TCP_MAX_HEADER_LEN);
  });

  it('round-trips any Repr: emit → parse gives it back, and emit again gives the same bytes at an offset', () => {
    fc.assert(
      fc.property(anyRepr, fc.nat(13), (r, at) => {
        const bytes = emitted(r);
        expect(bytes.length).toBe(tcpBufferLen(r));
        expect(tcpHeaderLen(r)).toBeLessThanOrEqual(TCP_MAX_HEADER_LEN);
        expect(tcpHeaderLen(r) % 4).toBe(0);
        const outer = new Uint8Array(bytes.length + 32).fill(0xa5);
        outer.set(bytes, at);
        const back = blankTcpRepr();
        expect(parseTcp(outer, at, bytes.length, SRC, DST, back)).toBeUndefined();
        // Every field but the options that did not fit comes back as it went in.
        const { sackRanges, unknownOptions, payload, ...rest } = back;
        const { sackRanges: sentRanges, unknownOptions: sentUnknown, payload: sentPayload, ...sentRest } = r;
        expect(rest).toEqual(sentRest);
        expect(toHex(payload)).toBe(toHex(sentPayload));
        expect(sackRanges).toEqual(sentRanges.slice(0, sackRanges.length));
        expect(unknownOptions.map(toHex)).toEqual(sentUnknown.slice(0, unknownOptions.length).map(toHex));
        const again = new Uint8Array(bytes.length + 32).fill(0xa5);
        emitTcp(back, again, at, SRC, DST);
        expect(toHex(again.subarray(at, at + bytes.length))).toBe(toHex(bytes));
        expect(again.subarray(0, at).every((b) => b === 0xa5)).toBe(true);
        expect(again.subarray(at + bytes.length).every((b) => b === 0xa5)).toBe(true);
      }),
    );
  });

  it('keeps every SACK block and unknown option when they fit', () => {
    fc.assert(
      fc.property(
        fc.array(sackRange, { maxLength: 3 }),
        fc.option(unknownOption, { nil: undefined }),
        (ranges, unknown) => {
          const r = repr({ sackRanges: ranges, unknownOptions: unknown ? [unknown] : [] });
          const back = afterEmit(r);
          expect(back.sackRanges).toEqual(ranges);
          expect(back.unknownOptions.map(toHex)).toEqual(r.unknownOptions.map(toHex));
        },
      ),
    );
  });

  it("'partial' stores the pseudo-header sum, so summing the bytes alone gives the full checksum", () => {
    fc.assert(
      fc.property(anyRepr, (r) => {
        const full = emitted(r, 'full');
        const partial = emitted(r, 'partial');
        expect(toHex(partial.subarray(0, 16))).toBe(toHex(full.subarray(0, 16)));
        expect(toHex(partial.subarray(18))).toBe(toHex(full.subarray(18)));
        // What a NIC or the kernel does with CHECKSUM_PARTIAL: complement the sum from the transport header on.
        expect(checksum(partial, 0, partial.length)).toBe((full[16]! << 8) | full[17]!);
      }),
    );
  });

  it('names each malformation of the fixed header', () => {
    const good = emitted(repr({ ackNumber: 1, payload: Uint8Array.of(1, 2, 3) }));
    expect(parse(good)).toBeUndefined();
    expect(parseTcp(good, 0, 19, SRC, DST, blankTcpRepr())).toBe('tcp.truncated');
    expect(parseTcp(good, 4, good.length, SRC, DST, blankTcpRepr())).toBe('tcp.truncated');
    const cases: Array<[(b: Uint8Array) => void, TcpError | undefined]> = [
      [(b) => (b[12] = 0x40), 'tcp.bad-data-offset'],
      [(b) => (b[12] = 0x00), 'tcp.bad-data-offset'],
      [(b) => (b[12] = 0x60), 'tcp.bad-data-offset'],
      [(b) => (b[0] = b[1] = 0), 'tcp.zero-port'],
      [(b) => (b[2] = b[3] = 0), 'tcp.zero-port'],
      [(b) => (b[13] = 0x03), 'tcp.bad-flags'],
      [(b) => (b[13] = 0x06), 'tcp.bad-flags'],
      [(b) => (b[13] = 0x05), 'tcp.bad-flags'],
      [(b) => (b[13] = 0x17), 'tcp.bad-flags'],
      [(b) => (b[13] = 0x12), undefined],
    ];
    for (const [mangle, reason] of cases) {
      const bytes = good.slice();
      mangle(bytes);
      expect(parse(fixChecksum(bytes)), `${toHex(bytes)}`).toBe(reason);
    }
    const corrupt = good.slice();
    corrupt[21] ^= 0x40;
    expect(parse(corrupt)).toBe('tcp.bad-checksum');
    expect(parse(corrupt, blankTcpRepr(), true)).toBeUndefined();
  });

  it('names each malformed option', () => {
    const bad: number[][] = [
      [1, 1, 1, 0x22], // a kind with no room for its length
      [0x22, 0], // length 0
      [0x22, 1], // length 1 cannot cover kind and length
      [0x22, 6, 0, 0], // runs past the header
      [2, 3, 5], // MSS must be 4
      [2, 5, 5, 0xb4, 0],
      [3, 4, 7, 0], // window scale must be 3
      [4, 3, 0], // SACK-permitted must be 2
      [8, 8, 0, 0, 0, 0, 0, 0], // timestamps must be 10
      [5, 2], // SACK needs a block
      [5, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0], // 2 + 8n
      [5, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0],
    ];
    for (const options of bad)
      expect(parse(withOptions(options)), toHex(Uint8Array.from(options))).toBe('tcp.bad-options');
  });

  it('stops at End of Option List and ignores what follows it', () => {
    const r = blankTcpRepr();
    expect(parse(withOptions([2, 4, 5, 0xb4, 0, 0xff, 0xff, 0xff]), r)).toBeUndefined();
    expect(r.maxSegSize).toBe(1460);
    expect(r.unknownOptions).toEqual([]);
  });

  it('clamps a window scale above 14 to 14 (RFC 7323 §2.3)', () => {
    for (const shift of [14, 15, 255]) {
      const r = blankTcpRepr();
      expect(parse(withOptions([1, 3, 3, shift], 0x02), r)).toBeUndefined();
      expect(r.windowScale).toBe(14);
    }
  });

  it('keeps unknown options raw, lets a later copy of an option win, and emits the unknown ones back', () => {
    const r = blankTcpRepr();
    const options = [0x22, 4, 0xab, 0xcd, 2, 4, 1, 0, 2, 4, 2, 0, 0xfe, 2];
    expect(parse(withOptions(options, 0x02), r)).toBeUndefined();
    expect(r.maxSegSize).toBe(512);
    expect(r.unknownOptions.map(toHex)).toEqual(['2204abcd', 'fe02']);
    expect(optionsHex(r)).toBe('02040200 2204abcd fe020000'.replaceAll(' ', ''));
  });

  it('reuses the Repr it parses into: SACK tuples and the timestamp object survive, stale values do not', () => {
    const r = blankTcpRepr();
    const first = emitted(
      repr({
        timestamp: { tsVal: 5, tsEcr: 6 },
        sackRanges: [
          [1, 2],
          [3, 4],
        ],
      }),
    );
    expect(parse(first, r)).toBeUndefined();
    const tuple = r.sackRanges[0];
    const timestamp = r.timestamp;
    const sackArray = r.sackRanges;
    const unknownArray = r.unknownOptions;
    const second = emitted(
      repr({ timestamp: { tsVal: 7, tsEcr: 8 }, sackRanges: [[9, 10]], maxSegSize: 99 }),
    );
    expect(parse(second, r)).toBeUndefined();
    expect(r.sackRanges).toBe(sackArray);
    expect(r.sackRanges[0]).toBe(tuple);
    expect(r.sackRanges).toEqual([[9, 10]]);
    expect(r.timestamp).toBe(timestamp);
    expect(r.timestamp).toEqual({ tsVal: 7, tsEcr: 8 });
    expect(r.unknownOptions).toBe(unknownArray);
    expect(parse(emitted(repr({ ackNumber: 3 })), r)).toBeUndefined();
    expect(r.sackRanges).toEqual([]);
    expect(r.timestamp).toBeUndefined();
    expect(r.maxSegSize).toBeUndefined();
  });

  it('never throws on random bytes, and names whatever it rejects', () => {
    const reasons = [
      undefined,
      'tcp.truncated',
      'tcp.bad-data-offset',
      'tcp.bad-checksum',
      'tcp.bad-flags',
      'tcp.bad-options',
      'tcp.zero-port',
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (junk, verified) => {
        expect(reasons).toContain(parse(junk, blankTcpRepr(), verified));
      }),
    );
    // Valid fixed headers with random option bytes, to reach the option parser past the checksum.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (options) => {
        const r = blankTcpRepr();
        const result = parse(withOptions(Array.from(options)), r);
        expect([undefined, 'tcp.bad-options']).toContain(result);
        if (result === undefined) expect(tcpHeaderLen(r)).toBeLessThanOrEqual(TCP_MAX_HEADER_LEN);
      }),
    );
  });

  it('counts SEG.LEN: payload plus one for SYN and one for FIN', () => {
    const payload = new Uint8Array(10);
    expect(segmentLength(repr({ payload }))).toBe(10);
    expect(segmentLength(repr({ control: 'syn' }))).toBe(1);
    expect(segmentLength(repr({ control: 'fin', payload }))).toBe(11);
    expect(segmentLength(repr({ control: 'rst', payload }))).toBe(10);
  });

  it("writes flags as tcpdump prints them (checked against tcpdump's own output)", () => {
    const cases: Array<[number, string]> = [
      [0x00, 'none'],
      [0x02, 'S'],
      [0x12, 'S.'],
      [0x18, 'P.'],
      [0x11, 'F.'],
      [0x04, 'R'],
      [0x14, 'R.'],
      [0x10, '.'],
      [0x19, 'FP.'],
      [0x20, 'U'],
      [0x42, 'SE'],
      [0xc2, 'SEW'],
      [0x52, 'S.E'],
      [0xff, 'FSRP.UEW'],
    ];
    for (const [flags, text] of cases) expect(flagsString(flags)).toBe(text);
    expect(tcpFlags(repr({ control: 'rst', ackNumber: 0 }))).toBe(0x14);
    expect(tcpFlags(repr({ control: 'syn', ece: true, cwr: true }))).toBe(0xc2);
    expect(tcpFlags(repr({ push: true, urgentPointer: 0, ackNumber: 1 }))).toBe(0x38);
  });
});
