import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../src/conformance/packetdrill/ast.ts';
import { parseSingleEvent } from '../../../src/conformance/packetdrill/parser.ts';
import {
  printEvent,
  printExpression,
  printIpInfo,
  printSeconds,
  printTcpFlags,
  printTcpOptions,
  printTime,
} from '../../../src/conformance/packetdrill/print.ts';
import { codeEvent, commandEvent, icmpEvent, syscallEvent, tcpEvent, udpEvent } from './arbitraries.ts';

function roundTrip(event: Event): void {
  const text = printEvent(event);
  const parsed = parseSingleEvent(text);
  if (!parsed.ok) throw new Error(`${text}\n${parsed.error.message} at column ${parsed.error.column}`);
  expect(parsed.value).toEqual(event);
}

describe('packetdrill printer', () => {
  it('prints the notation the scripts use', () => {
    const event = parseSingleEvent('+.1 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>');
    expect(event.ok && printEvent(event.value)).toBe(
      '+0.1 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>',
    );
    const call = parseSingleEvent(
      '+0...0.020 poll([{fd=4,\n events=POLLOUT,\n revents=POLLOUT}], 1, 1000) = 1',
    );
    expect(call.ok && printEvent(call.value)).toBe(
      '+0...0.02 poll([{fd=4, events=POLLOUT, revents=POLLOUT}], 1, 1000) = 1',
    );
    const error = parseSingleEvent('+0 write(4, ..., 1000) = -1 EPIPE (Broken pipe)');
    expect(error.ok && printEvent(error.value)).toBe('+0 write(4, ..., 1000) = -1 EPIPE (Broken pipe)');
    const window = parseSingleEvent('+.1~+.105 > [ect0] P.5 3001:4001(1000) ack 1 <...>');
    expect(window.ok && printEvent(window.value)).toBe(
      '+0.1~+0.105 > [ect0] P.5 3001:4001(1000) ack 1 <...>',
    );
  });

  it('prints times as trimmed decimal seconds', () => {
    expect(printSeconds(0)).toBe('0');
    expect(printSeconds(100_000)).toBe('0.1');
    expect(printSeconds(1_500_000)).toBe('1.5');
    expect(printSeconds(1)).toBe('0.000001');
    expect(printSeconds(3_000_000)).toBe('3');
  });

  it('prints times, IP annotations and option lists on their own', () => {
    expect(printTime({ kind: 'relative-range', startUsecs: 0, endUsecs: 40_000 })).toBe('+0~+0.04');
    expect(printTime({ kind: 'absolute-range', startUsecs: 100_000, endUsecs: 200_000 })).toBe('0.1~0.2');
    expect(printTime({ kind: 'any' })).toBe('*');
    expect(printIpInfo({ ecn: 'ect0', flowLabel: 0x12 })).toBe('[ect0, flowlabel 0x12]');
    expect(printIpInfo({ tos: 4 })).toBe('[tos 0x4]');
    expect(
      printTcpOptions([
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'timestamp', val: 1, ecr: 2 },
        {
          kind: 'sack',
          blocks: [
            { left: 1, right: 2 },
            { left: 5, right: 9 },
          ],
        },
        { kind: 'other', name: 'FO', words: ['abcd'] },
      ]),
    ).toBe('<nop,nop,TS val 1 ecr 2,sack 1:2 5:9,FO abcd>');
  });

  it('prints flags letters first, then the ACK dot, then the ACE digit', () => {
    const none = {
      syn: false,
      fin: false,
      rst: false,
      psh: false,
      ack: false,
      urg: false,
      ece: false,
      cwr: false,
      ae: false,
    };
    expect(printTcpFlags(none)).toBe('-');
    expect(printTcpFlags({ ...none, fin: true, psh: true, ack: true })).toBe('FP.');
    expect(printTcpFlags({ ...none, psh: true, ack: true, ace: 5 })).toBe('P.5');
    expect(printTcpFlags({ ...none, syn: true, ece: true, cwr: true, ae: true })).toBe('SEWA');
  });

  it('escapes strings so that they read back', () => {
    expect(printExpression({ kind: 'string', value: 'a"b\\c\n\x01', prefix: true })).toBe(
      '"a\\"b\\\\c\\n\\x01"...',
    );
  });

  it('round-trips generated TCP packet events: parse(print(e)) equals e', () => {
    fc.assert(fc.property(tcpEvent, roundTrip), { numRuns: 500 });
  });

  it('round-trips generated system call events', () => {
    fc.assert(fc.property(syscallEvent, roundTrip), { numRuns: 500 });
  });

  it('round-trips generated UDP, ICMP, command and code events', () => {
    fc.assert(fc.property(fc.oneof(udpEvent, icmpEvent, commandEvent, codeEvent), roundTrip), {
      numRuns: 300,
    });
  });
});
