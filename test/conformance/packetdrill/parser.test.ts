import { describe, expect, it } from 'vitest';
import { type Event, formatScriptError, type Script } from '../../../src/conformance/packetdrill/ast.ts';
import {
  type ParseOptions,
  parseScript,
  parseSingleEvent,
  splitCommandLines,
} from '../../../src/conformance/packetdrill/parser.ts';

function event(source: string, options?: ParseOptions): Event {
  const result = parseSingleEvent(source, options);
  if (!result.ok) throw new Error(formatScriptError(result.error));
  return result.value;
}

function script(source: string, options?: ParseOptions): Script {
  const result = parseScript(source, options);
  if (!result.ok) throw new Error(formatScriptError(result.error));
  return result.value;
}

const NO_FLAGS = {
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
const sym = (name: string) => ({ kind: 'symbol', name });
const int = (value: number) => ({ kind: 'int', value, hex: false });
const ELLIPSIS = { kind: 'ellipsis' };

describe('packetdrill script structure', () => {
  it('reads options, the init command, events and the cleanup command', () => {
    const parsed = script(
      [
        '// a comment',
        '--tolerance_usecs=10000',
        '--mss=1000 --strict_segments',
        '`../common/defaults.sh',
        ' ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0`',
        '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
        '+0 `echo hi`',
        `\`/tmp/sysctl_restore_\${PPID}.sh\``,
      ].join('\n'),
      { file: 'x.pkt' },
    );
    expect(parsed.file).toBe('x.pkt');
    expect(parsed.options).toEqual([
      { name: 'tolerance_usecs', value: '10000', line: 2 },
      { name: 'mss', value: '1000', line: 3 },
      { name: 'strict_segments', line: 3 },
    ]);
    expect(parsed.initCommand).toEqual({
      command: '../common/defaults.sh\n ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0',
      line: 4,
    });
    expect(parsed.events.map((e) => [e.kind, e.line])).toEqual([
      ['syscall', 6],
      ['command', 7],
    ]);
    expect(parsed.events[1]).toMatchObject({ kind: 'command', command: 'echo hi' });
    expect(parsed.cleanupCommand).toEqual({ command: `/tmp/sysctl_restore_\${PPID}.sh`, line: 8 });
  });

  it('splits a command into shell lines, joining backslash continuations', () => {
    const command =
      '../common/defaults.sh\n../common/set_sysctls.py a="1 2" \\\n    b=3\n\n  ethtool -K tun0 tso off  \n';
    expect(splitCommandLines(command)).toEqual([
      '../common/defaults.sh',
      '../common/set_sysctls.py a="1 2"     b=3',
      'ethtool -K tun0 tso off',
    ]);
  });

  it('substitutes --define and -D values for words', () => {
    const parsed = script('--define=FD=3\n--define=LEVEL=SOL_TCP\n0 setsockopt(FD, LEVEL, OPT, [1], 4) = 0', {
      defines: { OPT: 'TCP_NODELAY' },
    });
    expect(parsed.options[0]).toEqual({ name: 'define', value: 'FD=3', line: 1 });
    expect(parsed.events[0]).toMatchObject({
      args: [int(3), sym('SOL_TCP'), sym('TCP_NODELAY'), expect.anything(), int(4)],
    });
    expect(event('0 write(4, MSG, 1) = 1', { defines: { MSG: '"hi"' } })).toMatchObject({
      args: [int(4), { kind: 'string', value: 'hi', prefix: false }, int(1)],
    });
  });

  it('keeps %{ }% code blocks as opaque events', () => {
    const parsed = script(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+.1 %{\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n}%',
    );
    expect(parsed.events[1]).toEqual({
      kind: 'code',
      line: 2,
      time: { kind: 'relative', usecs: 100_000 },
      code: '\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n',
    });
  });
});

describe('packetdrill times', () => {
  it('converts seconds to exact microseconds', () => {
    expect(event('0 close(3) = 0').time).toEqual({ kind: 'absolute', usecs: 0 });
    expect(event('0.100 close(3) = 0').time).toEqual({ kind: 'absolute', usecs: 100_000 });
    expect(event('2 close(3) = 0').time).toEqual({ kind: 'absolute', usecs: 2_000_000 });
    expect(event('+.1 close(3) = 0').time).toEqual({ kind: 'relative', usecs: 100_000 });
    expect(event('+0.29 close(3) = 0').time).toEqual({ kind: 'relative', usecs: 290_000 });
    expect(event('+.0000019 close(3) = 0').time).toEqual({ kind: 'relative', usecs: 1 });
  });

  it('reads windows and "any time" on outbound packets', () => {
    expect(event('+0~+.04 > . 1:1(0) ack 1002').time).toEqual({
      kind: 'relative-range',
      startUsecs: 0,
      endUsecs: 40_000,
    });
    expect(event('+.02 ~ +1.1 > . 1:1(0) ack 1').time).toEqual({
      kind: 'relative-range',
      startUsecs: 20_000,
      endUsecs: 1_100_000,
    });
    expect(event('0.1~0.2 > . 1:1(0) ack 1').time).toEqual({
      kind: 'absolute-range',
      startUsecs: 100_000,
      endUsecs: 200_000,
    });
    expect(event('* > F. 1:1(0) ack 1').time).toEqual({ kind: 'any' });
  });

  it('reads the end time of a blocking call', () => {
    expect(event('+0...0.200 accept(3, ..., ...) = 4')).toMatchObject({
      time: { kind: 'relative', usecs: 0 },
      endUsecs: 200_000,
      name: 'accept',
    });
    expect(event('+.1...0 connect(4, ..., ...) = 0')).toMatchObject({
      time: { kind: 'relative', usecs: 100_000 },
      endUsecs: 0,
    });
  });
});

describe('packetdrill system calls', () => {
  it('reads numbers, ellipses, symbols, bit-ors and int pointers', () => {
    expect(event('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3')).toEqual({
      kind: 'syscall',
      line: 1,
      time: { kind: 'absolute', usecs: 0 },
      name: 'socket',
      args: [ELLIPSIS, sym('SOCK_STREAM'), sym('IPPROTO_TCP')],
      result: int(3),
    });
    expect(event('+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK|0x800) = 0')).toMatchObject({
      args: [
        int(3),
        sym('F_SETFL'),
        {
          kind: 'or',
          operands: [sym('O_RDWR'), sym('O_NONBLOCK'), { kind: 'int', value: 0x800, hex: true }],
        },
      ],
    });
    expect(event('+0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [42000], [4]) = 0')).toMatchObject({
      args: [
        int(4),
        sym('SOL_SOCKET'),
        sym('SO_SNDBUF'),
        { kind: 'array', items: [int(42000)] },
        { kind: 'array', items: [int(4)] },
      ],
    });
    expect(event('+0 setsockopt(3, SOL_IP, IP_MTU_DISCOVER, [IP_PMTUDISC_DONT], 1) = 0')).toMatchObject({
      args: [
        int(3),
        sym('SOL_IP'),
        sym('IP_MTU_DISCOVER'),
        { kind: 'array', items: [sym('IP_PMTUDISC_DONT')] },
        int(1),
      ],
    });
    expect(event('+0 foo() = []')).toMatchObject({ args: [], result: { kind: 'array', items: [] } });
  });

  it('reads errno names with their message, and notes', () => {
    expect(event('+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)')).toMatchObject({
      result: int(-1),
      errno: { name: 'EINPROGRESS', message: 'Operation now in progress' },
    });
    const getfl = event('+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)');
    expect(getfl).toMatchObject({ result: { kind: 'int', value: 2, hex: true }, note: 'flags O_RDWR' });
    expect(getfl).not.toHaveProperty('errno');
    expect(event('+0 read(4, NULL, 1000) = -1 EFAULT (Bad address)')).toMatchObject({
      args: [int(4), sym('NULL'), int(1000)],
      errno: { name: 'EFAULT', message: 'Bad address' },
    });
    expect(event('+0 foo(1) = X (note 2)')).toMatchObject({ result: sym('X'), note: 'note 2' });
  });

  it('reads poll, linger, sockaddr and msghdr structs as named fields', () => {
    const poll = event('+0...0.020 poll([{fd=4,\n  events=POLLOUT,\n  revents=POLLOUT}], 1, 1000) = 1');
    expect(poll).toMatchObject({
      line: 1,
      args: [
        {
          kind: 'array',
          items: [
            {
              kind: 'struct',
              fields: [
                { name: 'fd', value: int(4) },
                { name: 'events', value: sym('POLLOUT') },
                { name: 'revents', value: sym('POLLOUT') },
              ],
            },
          ],
        },
        int(1),
        int(1000),
      ],
    });
    for (const linger of ['{onoff=1, linger=0}', '{l_onoff=1, l_linger=0}']) {
      expect(event(`+0 setsockopt(3, SOL_SOCKET, SO_LINGER, ${linger}, 8) = 0`)).toMatchObject({
        args: [
          int(3),
          sym('SOL_SOCKET'),
          sym('SO_LINGER'),
          { kind: 'struct', fields: [{ value: int(1) }, { value: int(0) }] },
          int(8),
        ],
      });
    }
    const connect = event(
      '+0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0',
    );
    expect(connect).toMatchObject({
      args: [
        int(3),
        {
          kind: 'struct',
          fields: [
            { name: 'sa_family', value: sym('AF_INET') },
            { name: 'sin_port', value: { kind: 'call', name: 'htons', args: [int(8080)] } },
            {
              name: 'sin_addr',
              value: {
                kind: 'call',
                name: 'inet_addr',
                args: [{ kind: 'string', value: '192.0.2.1', prefix: false }],
              },
            },
          ],
        },
        int(16),
      ],
    });
    const sendmsg = event(
      '+0 sendmsg(4, {msg_name(...)=..., msg_iov(3)=[{..., 100}, {..., 200}, {iov_base=..., iov_len=195}], msg_flags=0}, MSG_MORE) = 495',
    );
    expect(sendmsg).toMatchObject({
      args: [
        int(4),
        {
          kind: 'struct',
          fields: [
            { name: 'msg_name', args: [ELLIPSIS], value: ELLIPSIS },
            {
              name: 'msg_iov',
              args: [int(3)],
              value: {
                kind: 'array',
                items: [
                  { kind: 'struct', fields: [{ value: ELLIPSIS }, { value: int(100) }] },
                  { kind: 'struct', fields: [{ value: ELLIPSIS }, { value: int(200) }] },
                  {
                    kind: 'struct',
                    fields: [
                      { name: 'iov_base', value: ELLIPSIS },
                      { name: 'iov_len', value: int(195) },
                    ],
                  },
                ],
              },
            },
            { name: 'msg_flags', value: int(0) },
          ],
        },
        sym('MSG_MORE'),
      ],
      result: int(495),
    });
  });

  it('joins adjacent strings and marks "prefix"... strings', () => {
    expect(event('+0 write(4, "ab" "c\\n", 4) = 4')).toMatchObject({
      args: [int(4), { kind: 'string', value: 'abc\n', prefix: false }, int(4)],
    });
    expect(event('+0 read(4, "HTTP/1.1"..., 100) = 100')).toMatchObject({
      args: [int(4), { kind: 'string', value: 'HTTP/1.1', prefix: true }, int(100)],
    });
  });
});

describe('packetdrill TCP packets', () => {
  it('reads every field of an inbound segment', () => {
    expect(
      event('+.1 < [ect0] 1234>8080 S 0:0(0) ack 5 win 32792 urg 3 <mss 1000,sackOK,nop,nop,nop,wscale 7>'),
    ).toEqual({
      kind: 'tcp',
      line: 1,
      time: { kind: 'relative', usecs: 100_000 },
      direction: 'inbound',
      ip: { ecn: 'ect0' },
      ports: { src: 1234, dst: 8080 },
      flags: { ...NO_FLAGS, syn: true },
      seq: 0,
      length: 0,
      ack: 5,
      window: 32792,
      urgent: 3,
      options: [
        { kind: 'mss', mss: 1000 },
        { kind: 'sackOK' },
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'wscale', shift: 7 },
      ],
    });
  });

  it('leaves the window unchecked and options as the script says on outbound segments', () => {
    const synAck = event('+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>');
    expect(synAck).toMatchObject({
      direction: 'outbound',
      flags: { ...NO_FLAGS, syn: true, ack: true },
      ack: 1,
    });
    expect(synAck).not.toHaveProperty('window');
    expect(event('+0 > P. 1:1001(1000) ack 1')).toMatchObject({ seq: 1, length: 1000, options: [] });
    expect(event('+0 > S 0:0(0) <...>')).toMatchObject({ options: 'any' });
  });

  it('reads flag combinations, "-" for none and AccECN ACE digits', () => {
    const flags = (text: string) => (event(`+0 > ${text} 1:1(0)`) as { flags: unknown }).flags;
    expect(flags('-')).toEqual(NO_FLAGS);
    expect(flags('.')).toEqual({ ...NO_FLAGS, ack: true });
    expect(flags('FP.')).toEqual({ ...NO_FLAGS, fin: true, psh: true, ack: true });
    expect(flags('R.')).toEqual({ ...NO_FLAGS, rst: true, ack: true });
    expect(flags('SEW')).toEqual({ ...NO_FLAGS, syn: true, ece: true, cwr: true });
    expect(flags('EAP.')).toEqual({ ...NO_FLAGS, ece: true, ae: true, psh: true, ack: true });
    expect(flags('U.')).toEqual({ ...NO_FLAGS, urg: true, ack: true });
    expect(flags('P.5')).toEqual({ ...NO_FLAGS, psh: true, ack: true, ace: 5 });
    expect(flags('F5.')).toEqual({ ...NO_FLAGS, fin: true, ack: true, ace: 5 });
    expect(flags('.3')).toEqual({ ...NO_FLAGS, ack: true, ace: 3 });
  });

  it('reads timestamps, SACK blocks, eol and keeps unknown options', () => {
    expect(event('+0 > . 1:1(0) ack 1001 <nop,nop,TS val 200 ecr 201>')).toMatchObject({
      options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', val: 200, ecr: 201 }],
    });
    expect(event('+0 > . 1:1(0) ack 1 <nop, nop, sack 7001:8001 4001:5001 1001:3001>')).toMatchObject({
      options: [
        { kind: 'nop' },
        { kind: 'nop' },
        {
          kind: 'sack',
          blocks: [
            { left: 7001, right: 8001 },
            { left: 4001, right: 5001 },
            { left: 1001, right: 3001 },
          ],
        },
      ],
    });
    expect(event('+0 < S 0:0(0) win 1 <mss 1000,eol,eol,eol,eol>')).toMatchObject({
      options: [
        { kind: 'mss', mss: 1000 },
        { kind: 'eol' },
        { kind: 'eol' },
        { kind: 'eol' },
        { kind: 'eol' },
      ],
    });
    expect(event('+0 < [ce] EAP. 1001:2001(1000) ack 1 win 264 <ECN e0b 1 ceb 0 e1b 1,nop>')).toMatchObject({
      ip: { ecn: 'ce' },
      options: [{ kind: 'other', name: 'ECN', words: ['e0b', '1', 'ceb', '0', 'e1b', '1'] }, { kind: 'nop' }],
    });
    expect(event('+0 < S 0:0(0) win 1 <FO 3021b9d889017eeb,nop,nop,md5 000102>')).toMatchObject({
      options: [
        { kind: 'other', name: 'FO', words: ['3021b9d889017eeb'] },
        { kind: 'nop' },
        { kind: 'nop' },
        { kind: 'other', name: 'md5', words: ['000102'] },
      ],
    });
  });

  it('reads IP annotations in brackets or parentheses', () => {
    const ip = (text: string) => (event(`+0 > ${text} . 1:1(0)`) as { ip?: unknown }).ip;
    expect(ip('[noecn]')).toEqual({ ecn: 'noecn' });
    expect(ip('[ect01]')).toEqual({ ecn: 'ect01' });
    expect(ip('(tos 0x04)')).toEqual({ tos: 4 });
    expect(ip('[ect1, flowlabel 0x12]')).toEqual({ ecn: 'ect1', flowLabel: 0x12 });
    expect(ip('[flowlabel 0xfffff]')).toEqual({ flowLabel: 0xfffff });
    expect(ip('[ttl 64]')).toEqual({ ttl: 64 });
  });
});

describe('packetdrill UDP and ICMP packets', () => {
  it('reads udp lines', () => {
    expect(event('+0 < udp (100)')).toEqual({
      kind: 'udp',
      line: 1,
      time: { kind: 'relative', usecs: 0 },
      direction: 'inbound',
      length: 100,
    });
    expect(event('+0 > [tos 0x4] udp 1234>53 (12)')).toMatchObject({
      ip: { tos: 4 },
      ports: { src: 1234, dst: 53 },
      length: 12,
    });
  });

  it('reads icmp lines with code, mtu, id and the echoed packet', () => {
    expect(event('+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]')).toEqual({
      kind: 'icmp',
      line: 1,
      time: { kind: 'relative', usecs: 0 },
      direction: 'inbound',
      type: 'unreachable',
      code: 'frag_needed',
      mtu: 1200,
      echoed: { protocol: 'tcp', seq: 1, length: 1460 },
    });
    expect(event('+0 > icmp echo_reply id 7')).toMatchObject({ type: 'echo_reply', id: 7 });
    expect(event('+0 < icmp unreachable port_unreachable [udp(8)]')).toMatchObject({
      echoed: { protocol: 'udp', length: 8 },
    });
    expect(event('+0 < icmp time_exceeded [raw(20)]')).toMatchObject({
      echoed: { protocol: 'raw', length: 20 },
    });
  });
});
