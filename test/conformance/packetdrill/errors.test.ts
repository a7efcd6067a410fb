import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScriptError } from '../../../src/conformance/packetdrill/ast.ts';
import { parseScript, parseSingleEvent } from '../../../src/conformance/packetdrill/parser.ts';

function scriptError(source: string): string {
  const result = parseScript(source, { file: 'broken.pkt' });
  if (result.ok) throw new Error('expected a parse error');
  return formatScriptError(result.error);
}

/** The message and column of the error in a one-line event. */
function eventError(source: string): string {
  const result = parseSingleEvent(source);
  if (result.ok) throw new Error(`expected a parse error for ${source}`);
  return `${result.error.column}: ${result.error.message}`;
}

describe('packetdrill parse errors', () => {
  it('reports a broken script with file, line and column', () => {
    const broken = [
      '// A script with one mistake: a missing parenthesis.',
      '--tolerance_usecs=10000',
      '`../common/defaults.sh`',
      '    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '   +0 bind(3, ..., ... = 0',
      '   +0 listen(3, 1) = 0',
    ].join('\n');
    expect(scriptError(broken)).toBe("broken.pkt:5:24: expected ')' after arguments");
    expect(parseScript(broken, { file: 'broken.pkt' })).toEqual({
      ok: false,
      error: { file: 'broken.pkt', line: 5, column: 24, message: "expected ')' after arguments" },
    });
  });

  it('rejects what packetdrill rejects about the script layout', () => {
    expect(scriptError('`init`\n')).toBe(
      'broken.pkt:2:1: expected an event: a time (0, +.1, *, 0.1~0.2) then a packet, system call or command',
    );
    expect(scriptError('`init`\n--mss=1\n0 close(3) = 0')).toBe(
      'broken.pkt:2:1: options must come before the init command',
    );
    expect(scriptError('0 close(3) = 0\n`cleanup`\n+0 close(4) = 0')).toBe(
      'broken.pkt:3:1: expected the end of the script after the cleanup command',
    );
    expect(scriptError('--define=X\n0 close(3) = 0')).toBe('broken.pkt:1:1: --define needs NAME=VALUE');
    expect(scriptError('--mss = 1000\n0 close(3) = 0')).toBe(
      'broken.pkt:1:7: write options as --mss=value, without blanks',
    );
    expect(scriptError('0 close(3) = 0\n+0 > S 0:0(0) win 1 bogus')).toBe(
      'broken.pkt:2:21: expected an event time (0, +.1, *, 0.1~0.2)',
    );
  });

  it('checks times the way parser.y does', () => {
    expect(eventError('-1 close(3) = 0')).toBe('1: negative time');
    expect(eventError('+.2~+.1 > S 0:0(0)')).toBe('1: time range is backwards');
    expect(eventError('+.1~.2 > S 0:0(0)')).toBe("5: a relative time range needs '+' on both ends (+.1~+.2)");
    expect(eventError('* < S 0:0(0) win 1')).toBe("1: '*' time can only be used with outbound packets");
    expect(eventError('+0~+1 close(3) = 0')).toBe('1: time ranges can only be used with outbound packets');
    expect(eventError('close(3) = 0')).toBe('1: expected an event time (0, +.1, *, 0.1~0.2)');
  });

  it('checks TCP packet fields the way tcp_packet.c does', () => {
    expect(eventError('+0 < S 0:0(0) <mss 1000>')).toBe(
      '15: window must be specified for inbound packets (win N)',
    );
    expect(eventError('+0 < S 0:0(0) win 1 <...>')).toBe(
      '22: <...> for TCP options can only be used with outbound packets',
    );
    expect(eventError('+0 > S 0:10(5)')).toBe('8: sequence range 0:10 does not match payload length 5');
    expect(eventError('+0 < . 1:1(0) win 65536')).toBe('19: window out of range (0..65535)');
    expect(eventError('+0 < . 1:1(0) ack 4294967296 win 1')).toBe(
      '19: ack number out of range (0..4294967295)',
    );
    expect(eventError('+0 > X 1:1(0)')).toBe("6: invalid TCP flag 'X'");
    expect(eventError('+0 > E.5 1:1(0)')).toBe("6: conflicting TCP flag '5'");
    expect(eventError('+0 > P.55 1:1(0)')).toBe("6: conflicting TCP flag '5'");
    expect(eventError('+0 > S 0:0(0) <mss 1000,nop>')).toBe(
      '15: TCP options take 5 bytes, not a multiple of 4 (pad with nop)',
    );
    expect(eventError('+0 > S 0:0(0) <sack 1:2 3:4 5:6 7:8 9:10,nop,nop>')).toBe(
      '15: TCP options take 44 bytes, more than the 40 a header can hold',
    );
    expect(eventError('+0 > S 0:0(0) <mss 1000')).toBe("24: expected ',' or '>' after a TCP option");
    expect(eventError('+0 > S 0:0(0) <>')).toBe(
      '16: expected a TCP option (mss, wscale, sackOK, sack, TS, nop, eol...)',
    );
  });

  it('checks IP annotations and names the unsupported packet forms', () => {
    expect(eventError('+0 < [ect01] S 0:0(0) win 1')).toBe(
      '7: [ect01] can only be used with outbound packets',
    );
    expect(eventError('+0 < [ect0] udp (10)')).toBe('13: ECN can only be used with TCP packets');
    expect(eventError('+0 > (tos 4) S 0:0(0)')).toBe('11: expected a hex tos value such as 0x4');
    expect(eventError('+0 > [ttl 300] S 0:0(0)')).toBe('11: ttl out of range (0..255)');
    expect(eventError('+0 > [ect0 S 0:0(0)')).toBe("12: expected ']' after IP header fields");
    expect(eventError('+0 > ipv4 1.2.3.4 > 5.6.7.8: S 0:0(0)')).toBe(
      '6: encapsulation prefixes (ipv4, ipv6, gre, mpls) are not supported',
    );
    expect(eventError('+0 > S 0:0(0) {mut tcp mss}')).toBe(
      '15: packet fuzzing ({ mut ... }) is not supported',
    );
  });

  it('names the broken part of a system call', () => {
    expect(eventError('+0 connect(3, ..., ...) = -1 EINPROGRESS')).toBe(
      "41: expected '(' and the message after EINPROGRESS",
    );
    expect(eventError('+0 close(3)')).toBe("12: expected '=' and the expected result after the system call");
    expect(eventError('+0 close 3')).toBe("10: expected '(' after close");
    expect(eventError('+0 write(4, ..., 99999999999999999999) = 1')).toBe(
      '18: integer 99999999999999999999 is too large',
    );
    expect(eventError('+0 f({a=1, 2=3}) = 0')).toBe("12: a field name before '=' must be a word");
    expect(eventError('+0 f({}) = 0')).toBe('7: expected a struct field');
    expect(eventError('+0 f([1, 2) = 0')).toBe("11: expected ']' after array items");
    expect(eventError('+0 f({a=1) = 0')).toBe("10: expected '}' after struct fields");
    expect(eventError('+0 f(:) = 0')).toBe('6: expected an expression');
    expect(eventError('+0 close(3) = 0 (')).toBe('18: expected words in the note');
  });

  it('never throws: any text is a script or a positioned error', () => {
    const sample = [
      '--mss=1000',
      '`defaults.sh`',
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '+0...0.1 poll([{fd=3, events=POLLIN}], 1, 0) = 1',
      '+.1~+.2 > [ect0] P.5 1:1001(1000) ack 1 <nop,nop,TS val 1 ecr 2,nop,nop,sack 1:2>',
      '+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]',
      '+0 write(4, "a\\x41"..., 1) = -1 EPIPE (Broken pipe)',
      '+0 %{ assert x }%',
    ].join('\n');
    expect(parseScript(sample).ok).toBe(true);
    const alphabet = fc.constantFrom(...'0123456789.+-*~<>[](){},:=|"`%/\\ \nSPFR.abxTS_'.split(''));
    const mutated = fc
      .tuple(fc.nat(sample.length), fc.nat(8), fc.string({ unit: alphabet, maxLength: 6 }))
      .map(([at, cut, insert]) => sample.slice(0, at) + insert + sample.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ unit: alphabet, maxLength: 60 })), (text) => {
        const result = parseScript(text, { file: 'fuzz.pkt' });
        if (!result.ok) {
          expect(result.error.line).toBeGreaterThanOrEqual(1);
          expect(result.error.column).toBeGreaterThanOrEqual(1);
          expect(result.error.message).not.toBe('');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
