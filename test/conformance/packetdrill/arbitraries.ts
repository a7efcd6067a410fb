// fast-check generators of packetdrill events that packetdrill's grammar can express, for the
// print → parse round trip. Each generated event is on line 1, where a printed event parses.

import fc from 'fast-check';
import type {
  Direction,
  Event,
  EventTime,
  Expression,
  IcmpEchoed,
  IpInfo,
  StructField,
  TcpFlags,
  TcpOption,
} from '../../../src/conformance/packetdrill/ast.ts';

const U16 = 0xffff;
const U32 = 0xffffffff;
const KNOWN_OPTIONS = new Set(['nop', 'eol', 'mss', 'wscale', 'sackOK', 'sack', 'TS']);

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/);
const word = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
const usecs = fc.nat(100_000_000_000);

const pointTime: fc.Arbitrary<EventTime> = fc.oneof(
  usecs.map((u) => ({ kind: 'absolute' as const, usecs: u })),
  usecs.map((u) => ({ kind: 'relative' as const, usecs: u })),
);

const anyTime: fc.Arbitrary<EventTime> = fc.oneof(
  pointTime,
  fc.constant({ kind: 'any' as const }),
  fc.tuple(usecs, fc.nat(10_000_000), fc.boolean()).map(([start, width, relative]) => ({
    kind: relative ? ('relative-range' as const) : ('absolute-range' as const),
    startUsecs: start,
    endUsecs: start + width,
  })),
);

const stringValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

/** Expressions; with `calls` false, no top-level operand is a call (a result's `X (note)` is not a call). */
function expressions(): { inner: fc.Arbitrary<Expression>; result: fc.Arbitrary<Expression> } {
  const { inner } = fc.letrec<{ inner: Expression; operand: Expression; field: StructField }>((tie) => ({
    operand: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(
        fc
          .integer({ min: -(2 ** 31), max: U32 })
          .map((value) => ({ kind: 'int' as const, value, hex: false })),
        fc.nat(U32).map((value) => ({ kind: 'int' as const, value, hex: true })),
      ),
      fc.constant({ kind: 'ellipsis' as const }),
      name.map((n) => ({ kind: 'symbol' as const, name: n })),
      fc.record({ kind: fc.constant('string' as const), value: stringValue, prefix: fc.boolean() }),
      fc.array(tie('inner'), { maxLength: 3 }).map((items) => ({ kind: 'array' as const, items })),
      fc.array(tie('field') as fc.Arbitrary<StructField>, { minLength: 1, maxLength: 3 }).map((fields) => ({
        kind: 'struct' as const,
        fields,
      })),
      fc
        .record({ name, args: fc.array(tie('inner'), { maxLength: 3 }) })
        .map(({ name: n, args }) => ({ kind: 'call' as const, name: n, args })),
    ),
    inner: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('operand'),
      fc
        .array(tie('operand'), { minLength: 2, maxLength: 3 })
        .map((operands) => ({ kind: 'or' as const, operands })),
    ),
    field: fc.oneof(
      tie('inner').map((value) => ({ value })),
      fc.record({ name, value: tie('inner') }),
      fc.record({ name, args: fc.array(tie('inner'), { maxLength: 2 }), value: tie('inner') }),
    ),
  }));
  const notCall = inner.filter(
    (e) => e.kind !== 'call' && (e.kind !== 'or' || e.operands.every((o) => o.kind !== 'call')),
  );
  return { inner, result: notCall };
}

const { inner: expression, result: resultExpression } = expressions();

export const syscallEvent: fc.Arbitrary<Event> = fc
  .record(
    {
      time: pointTime,
      name,
      args: fc.array(expression, { maxLength: 4 }),
      endUsecs: usecs,
      result: resultExpression,
      errno: fc.record({
        name,
        message: fc.array(name, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
      }),
      note: fc.array(name, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
    },
    { requiredKeys: ['time', 'name', 'args', 'result'] },
  )
  .map((fields) => ({ kind: 'syscall' as const, line: 1, ...fields }));

function ipInfo(direction: Direction): fc.Arbitrary<IpInfo> {
  const codepoints: NonNullable<IpInfo['ecn']>[] = ['noecn', 'ect0', 'ect1', 'ce'];
  const ecn = fc.constantFrom(...codepoints, ...(direction === 'outbound' ? (['ect01'] as const) : []));
  const flowLabel = fc.nat(0xfffff);
  const tos = fc.nat(0xff);
  return fc.oneof(
    fc.record({ ecn }),
    fc.record({ ecn, flowLabel }),
    fc.record({ tos }),
    fc.record({ tos, flowLabel }),
    fc.record({ flowLabel }),
    fc.record({ ttl: fc.nat(0xff) }),
  );
}

const ports = fc.record({ src: fc.nat(U16), dst: fc.nat(U16) });

const tcpFlags: fc.Arbitrary<TcpFlags> = fc
  .record({
    syn: fc.boolean(),
    fin: fc.boolean(),
    rst: fc.boolean(),
    psh: fc.boolean(),
    ack: fc.boolean(),
    urg: fc.boolean(),
    ece: fc.boolean(),
    cwr: fc.boolean(),
    ae: fc.boolean(),
    ace: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  })
  .map(({ ace, ...bits }) => {
    // An ACE digit replaces E, W and A; alone (no letter, no ACK) it would read as a number.
    if (ace === undefined || bits.ece || bits.cwr || bits.ae) return bits;
    const letters = bits.syn || bits.fin || bits.rst || bits.psh || bits.urg || bits.ack;
    return letters ? { ...bits, ace } : bits;
  });

const knownOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constantFrom({ kind: 'nop' as const }, { kind: 'eol' as const }, { kind: 'sackOK' as const }),
  fc.nat(U16).map((mss) => ({ kind: 'mss' as const, mss })),
  fc.nat(0xff).map((shift) => ({ kind: 'wscale' as const, shift })),
  fc
    .array(fc.record({ left: fc.nat(U32), right: fc.nat(U32) }), { minLength: 1, maxLength: 3 })
    .map((blocks) => ({ kind: 'sack' as const, blocks })),
  fc.record({ kind: fc.constant('timestamp' as const), val: fc.nat(U32), ecr: fc.nat(U32) }),
);

const OPTION_BYTES = { nop: 1, eol: 1, sackOK: 2, wscale: 3, mss: 4, timestamp: 10 } as const;

function optionBytes(option: TcpOption): number {
  return option.kind === 'sack'
    ? 2 + 8 * option.blocks.length
    : option.kind === 'other'
      ? 0
      : OPTION_BYTES[option.kind];
}

/** Known options padded with nops to a 32-bit boundary, within the 40-byte limit. */
const knownOptions = fc
  .array(knownOption, { minLength: 1, maxLength: 4 })
  .map((options) => {
    const bytes = options.reduce((sum, o) => sum + optionBytes(o), 0);
    return [...options, ...Array.from({ length: (4 - (bytes % 4)) % 4 }, () => ({ kind: 'nop' as const }))];
  })
  .filter((options) => options.reduce((sum, o) => sum + optionBytes(o), 0) <= 40);

const otherOption: fc.Arbitrary<TcpOption> = fc.record({
  kind: fc.constant('other' as const),
  name: name.filter((n) => !KNOWN_OPTIONS.has(n)),
  words: fc.array(word, { maxLength: 3 }),
});

const tcpOptions = (direction: Direction): fc.Arbitrary<readonly TcpOption[] | 'any'> =>
  fc.oneof(
    fc.constant([]),
    knownOptions,
    fc
      .array(fc.oneof(knownOption, otherOption), { minLength: 1, maxLength: 4 })
      .filter((o) => o.some((x) => x.kind === 'other')),
    ...(direction === 'outbound' ? [fc.constant('any' as const)] : []),
  );

const direction = fc.constantFrom<Direction>('inbound', 'outbound');

export const tcpEvent: fc.Arbitrary<Event> = direction.chain((dir) =>
  fc
    .record(
      {
        time: dir === 'outbound' ? anyTime : pointTime,
        ip: ipInfo(dir),
        ports,
        flags: tcpFlags,
        seq: fc.nat(U32),
        length: fc.nat(U16),
        ack: fc.nat(U32),
        window: fc.nat(U16),
        urgent: fc.nat(U16),
        options: tcpOptions(dir),
      },
      {
        requiredKeys: [
          'time',
          'flags',
          'seq',
          'length',
          'options',
          ...(dir === 'inbound' ? (['window'] as const) : []),
        ],
      },
    )
    .filter((p) => p.seq + p.length <= U32)
    .map((fields) => ({ kind: 'tcp' as const, line: 1, direction: dir, ...fields })),
);

export const udpEvent: fc.Arbitrary<Event> = direction.chain((dir) =>
  fc
    .record(
      {
        time: dir === 'outbound' ? anyTime : pointTime,
        ip: ipInfo(dir).filter((ip) => ip.ecn === undefined),
        ports,
        length: fc.nat(U16),
      },
      { requiredKeys: ['time', 'length'] },
    )
    .map((fields) => ({ kind: 'udp' as const, line: 1, direction: dir, ...fields })),
);

const echoed: fc.Arbitrary<IcmpEchoed> = fc.oneof(
  fc
    .record({ protocol: fc.constant('tcp' as const), seq: fc.nat(U32), length: fc.nat(U16) })
    .filter((e) => e.seq + e.length <= U32),
  fc.record({ protocol: fc.constantFrom('udp' as const, 'raw' as const), length: fc.nat(U16) }),
);

export const icmpEvent: fc.Arbitrary<Event> = direction.chain((dir) =>
  fc
    .record(
      {
        time: dir === 'outbound' ? anyTime : pointTime,
        ip: ipInfo(dir),
        type: name,
        code: name.filter((n) => n !== 'mtu' && n !== 'id'),
        mtu: fc.nat(U16),
        id: fc.nat(U16),
        echoed,
      },
      { requiredKeys: ['time', 'type'] },
    )
    .map((fields) => ({ kind: 'icmp' as const, line: 1, direction: dir, ...fields })),
);

export const commandEvent: fc.Arbitrary<Event> = fc
  .record({ time: pointTime, command: fc.string({ maxLength: 40 }).filter((s) => !/[`\\]/.test(s)) })
  .map((fields) => ({ kind: 'command' as const, line: 1, ...fields }));

export const codeEvent: fc.Arbitrary<Event> = fc
  .record({
    time: pointTime,
    code: fc
      .stringMatching(/^[a-z0-9_ =+<>\n\t]{0,30}$/)
      .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''))
      .filter((s) => !s.includes('}%')),
  })
  .map((fields) => ({ kind: 'code' as const, line: 1, ...fields }));
