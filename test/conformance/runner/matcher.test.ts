import { describe, expect, it } from 'vitest';
import type { TcpPacketEvent } from '../../../src/conformance/packetdrill/ast.ts';
import { parseSingleEvent } from '../../../src/conformance/packetdrill/parser.ts';
import {
  aggregate,
  describeLive,
  type MatchContext,
  matchOutbound,
  TimestampLabels,
} from '../../../src/conformance/packetdrill/runner/matcher.ts';
import { FLAG, type LiveSegment } from '../../../src/conformance/packetdrill/runner/wire.ts';

const ISS = 0xfffffc00; // the stack's ISN: relative numbers must wrap through zero
const REMOTE_ISN = 1_000_000;

function line(text: string): TcpPacketEvent {
  const parsed = parseSingleEvent(text);
  if (!parsed.ok || parsed.value.kind !== 'tcp') throw new Error(`bad test line ${text}`);
  return parsed.value;
}

function live(fields: Partial<LiveSegment>): LiveSegment {
  return {
    at: 0,
    srcAddr: 0,
    dstAddr: 0,
    tos: 0,
    srcPort: 8080,
    dstPort: 48879,
    flags: FLAG.ACK,
    seq: (ISS + 1) >>> 0,
    ack: REMOTE_ISN + 1,
    window: 502,
    urgent: 0,
    options: [],
    optionsMalformed: false,
    payload: new Uint8Array(0),
    ...fields,
  };
}

function context(localIss: number | undefined = ISS): MatchContext {
  return {
    space: { remoteIsn: REMOTE_ISN, localIss },
    labels: new TimestampLabels(),
    tsTickUsecs: undefined,
    toleranceUsecs: 4000,
  };
}

describe('outbound matching', () => {
  it('learns the ISN from the first SYN and compares sequence numbers relative to it', () => {
    const ctx = context(undefined);
    const synAck = live({ flags: FLAG.SYN | FLAG.ACK, seq: ISS, options: [{ kind: 'mss', mss: 1460 }] });
    expect(matchOutbound(line('0 > S. 0:0(0) ack 1 <mss 1460>'), synAck, ctx)).toBeUndefined();
    expect(ctx.space.localIss).toBe(ISS);
    // 1001 bytes past an ISS 1024 below 2^32: the live sequence number wraps, the relative one does not.
    const data = live({ seq: (ISS + 1001) >>> 0, payload: new Uint8Array(1000), flags: FLAG.ACK | FLAG.PSH });
    expect(matchOutbound(line('0 > P. 1001:2001(1000) ack 1'), data, ctx)).toBeUndefined();
    expect(matchOutbound(line('0 > P. 1:1001(1000) ack 1'), data, ctx)).toBe('sequence number differs');
  });

  it('checks every flag, the ack, and the window only when the line gives one', () => {
    const ctx = context();
    expect(matchOutbound(line('0 > . 1:1(0) ack 1'), live({}), ctx)).toBeUndefined();
    expect(matchOutbound(line('0 > P. 1:1(0) ack 1'), live({}), ctx)).toBe('flags differ');
    expect(matchOutbound(line('0 > . 1:1(0) ack 2'), live({}), ctx)).toBe('ack differs');
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 win 502'), live({}), ctx)).toBeUndefined();
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 win 500'), live({}), ctx)).toBe('window differs');
  });

  it('compares options in order and exactly, `<...>` matching any and none meaning none', () => {
    const ctx = context();
    const withTs = live({
      options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', val: 77, ecr: 5 }],
    });
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 <...>'), withTs, ctx)).toBeUndefined();
    expect(matchOutbound(line('0 > . 1:1(0) ack 1'), withTs, ctx)).toBe('options differ');
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 0>'), withTs, ctx)).toBeUndefined();
    const swapped = live({
      options: [{ kind: 'sackOK' }, { kind: 'mss', mss: 1460 }, { kind: 'nop' }, { kind: 'nop' }],
    });
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 <mss 1460,sackOK,nop,nop>'), swapped, ctx)).toBe(
      'options differ',
    );
    const mss = live({ options: [{ kind: 'mss', mss: 1400 }] });
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 <mss 1460>'), mss, ctx)).toBe('MSS option differs');
  });

  it('reads SACK blocks in the peer sequence space', () => {
    const ctx = context();
    const sack = live({
      options: [
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'sack', blocks: [{ left: REMOTE_ISN + 1001, right: REMOTE_ISN + 2001 }] },
      ],
    });
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 <nop,nop,sack 1001:2001>'), sack, ctx)).toBeUndefined();
    expect(matchOutbound(line('0 > . 1:1(0) ack 1 <nop,nop,sack 1001:3001>'), sack, ctx)).toBe(
      'SACK blocks differ',
    );
    expect(describeLive(sack, ctx.space, 8080).options).toEqual([
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'sack', blocks: [{ left: 1001, right: 2001 }] },
    ]);
  });

  it('treats outbound TS vals as labels that inbound ecrs map back to live values', () => {
    const labels = new TimestampLabels();
    expect(labels.record(100, 5_000_000, undefined, 4000)).toBeUndefined();
    expect(labels.record(250, 5_000_180, undefined, 4000)).toBeUndefined();
    expect(labels.live(100)).toBe(5_000_000);
    expect(labels.live(250)).toBe(5_000_180);
    // An unseen label is shifted like the first one.
    expect(labels.live(110)).toBe(5_000_010);
    // With --tcp_ts_tick_usecs=1000 a val must keep pace with the first within the tolerance.
    const ticked = new TimestampLabels();
    expect(ticked.record(0, 9000, 1000, 4000)).toBeUndefined();
    expect(ticked.record(100, 9102, 1000, 4000)).toBeUndefined();
    expect(ticked.record(200, 9210, 1000, 4000)).toBe('TS val 200 is off by 10 ticks');
  });

  it('aggregates TSO pieces: seq from the first, flags from the last', () => {
    const pieces = [0, 1, 2].map((i) =>
      live({
        at: 7,
        seq: (ISS + 1 + i * 1000) >>> 0,
        payload: new Uint8Array(1000),
        flags: i === 2 ? FLAG.ACK | FLAG.PSH : FLAG.ACK,
      }),
    );
    const whole = aggregate(pieces);
    expect(whole.seq).toBe((ISS + 1) >>> 0);
    expect(whole.payload.length).toBe(3000);
    expect(matchOutbound(line('0 > P. 1:3001(3000) ack 1'), whole, context())).toBeUndefined();
  });

  it('describes a live segment as the script would write it', () => {
    const ctx = context();
    const event = describeLive(
      live({ payload: new Uint8Array(10), flags: FLAG.ACK | FLAG.FIN }),
      ctx.space,
      8080,
    );
    expect(event.seq).toBe(1);
    expect(event.length).toBe(10);
    expect(event.ack).toBe(1);
    expect(event.flags.fin && event.flags.ack).toBe(true);
    expect(event.ports).toBeUndefined();
  });
});
