import { describe, expect, it } from 'vitest';
import { formatOutcome } from '../../../src/conformance/packetdrill/runner/report.ts';
import { runScriptSource } from '../../../src/conformance/packetdrill/runner/run.ts';

const PASSIVE_OPEN = `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

function run(source: string, options = {}): string {
  return formatOutcome(runScriptSource(source, 'test.pkt', options));
}

describe('packetdrill interpreter', () => {
  it('passes a passive open with data both ways, whatever the ISNs', () => {
    const script = `${PASSIVE_OPEN}
+0 < P. 1:1001(1000) ack 1 win 257
+0 > . 1:1(0) ack 1001
+0 read(4, ..., 2000) = 1000
+0 write(4, ..., 500) = 500
+0 > P. 1:501(500) ack 1001
`;
    for (const [seed, remoteIsn] of [
      [1, 0],
      [2, 0xfffffe00],
      [3, 0x7fffffff],
    ])
      expect(run(script, { seed, remoteIsn })).toBe('PASS test.pkt');
  });

  it('fails a wrong line with its number, the line and what the stack sent instead', () => {
    const script = `${PASSIVE_OPEN}
+0 < P. 1:1001(1000) ack 1 win 257
+0 > . 1:1(0) ack 1000
`;
    expect(run(script)).toBe(
      'FAIL test.pkt:12: +0 > . 1:1(0) ack 1000 but got 0.1 > . 1:1(0) ack 1001 win 61436 (ack differs)',
    );
  });

  it('fails a missing packet, and an extra one at the next outbound line', () => {
    expect(run(`${PASSIVE_OPEN}\n+0 > . 1:1(0) ack 1\n`)).toBe(
      'FAIL test.pkt:11: +0 > . 1:1(0) ack 1 but got no packet (waited until 2.104)',
    );
    const extra = `${PASSIVE_OPEN}
+0 < P. 1:1001(1000) ack 1 win 257
+.5 write(4, ..., 100) = 100
+0 > P. 1:101(100) ack 1001
`;
    expect(run(extra)).toMatch(
      /^FAIL test.pkt:13: .* but got 0\.1 > \. 1:1\(0\) ack 1001 .*\(flags differ\)$/,
    );
  });

  it('accepts a packet within the tolerance and names the window when it is outside', () => {
    // The delayed ACK leaves 40 ms after the data (Linux TCP_DELACK_MIN, the profile's value).
    const at = (time: string): string => `${PASSIVE_OPEN}
+0 < P. 1:1001(1000) ack 1 win 257
+0 > . 1:1(0) ack 1001
+0 < P. 1001:2001(1000) ack 1 win 257
${time} > . 1:1(0) ack 2001
`;
    expect(run(at('+0'))).toMatch(/^PASS/);
    expect(run(at('+.003'))).toMatch(/^PASS/);
    expect(run(at('+.005'))).toMatch(/^FAIL test.pkt:14: .*\(expected at 0\.105 ±0\.004\)$/);
    expect(run(`--tolerance_usecs=10000\n${at('+.008')}`)).toMatch(/^PASS/);
    expect(run(at('*'))).toMatch(/^PASS/);
    expect(run(at('+0~+.01'))).toMatch(/^PASS/);
  });

  it('resumes a blocking call when the stack can complete it, and checks its end time', () => {
    const script = (end: string): string => `${PASSIVE_OPEN}
+0...${end} read(4, ..., 1000) = 1000
+.2 < P. 1:1001(1000) ack 1 win 257
`;
    expect(run(script('0.2'))).toMatch(/^PASS/);
    expect(run(script('0.1'))).toBe(
      'FAIL test.pkt:11: +0...0.1 read(4, ..., 1000) = 1000 but got read(...) = 1000 at 0.3 (expected at 0.2 ±0.0125)',
    );
    const never = `${PASSIVE_OPEN}\n+0...0.1 read(4, ..., 1000) = 1000\n`;
    expect(run(never)).toMatch(/^FAIL test.pkt:11: .* but got still blocked at 2\.2125/);
  });

  it('checks return values and errnos', () => {
    const script = `${PASSIVE_OPEN}
+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 fcntl(4, F_GETFL) = 0x802
+0 read(4, ..., 1000) = -1 EAGAIN (Resource temporarily unavailable)
+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [21000], 4) = 0
+0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [42000], [4]) = 0
`;
    expect(run(script)).toBe('PASS test.pkt');
    expect(run(script.replace('= -1 EAGAIN', '= -1 EPIPE'))).toBe(
      'FAIL test.pkt:13: +0 read(4, ..., 1000) = -1 EPIPE (Resource temporarily unavailable) but got read(...) = -1 EAGAIN (Resource temporarily unavailable) (errno differs)',
    );
    expect(run(script.replace('[42000]', '[21000]'))).toMatch(
      /FAIL test.pkt:16: .*\(SO_SNDBUF is \[42000\]\)$/,
    );
  });

  it('labels fds by the numbers the script gives them', () => {
    const script = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 7
+0 fcntl(7, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(7, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.05 < S. 0:0(0) ack 1 win 5792 <mss 1460,sackOK,TS val 700 ecr 100,nop,wscale 7>
+0 > . 1:1(0) ack 1 <nop,nop,TS val 150 ecr 700>
+0 close(7) = 0
+0 > F. 1:1(0) ack 1 <...>
`;
    expect(run(script)).toBe('PASS test.pkt');
  });

  it('skips what it cannot run, with the reason', () => {
    expect(run(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ assert tcpi_rtt > 0 }%\n`)).toBe(
      'SKIP test.pkt: python code block',
    );
    expect(run('`tc qdisc add dev tun0 root fq`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n')).toBe(
      'SKIP test.pkt: unsupported command tc qdisc add dev tun0 root fq',
    );
    expect(run('0 epoll_create(1) = 4\n')).toBe('SKIP test.pkt: unsupported system call epoll_create');
    expect(run('--ip_version=ipv6\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n')).toBe(
      'SKIP test.pkt: unsupported --ip_version=ipv6',
    );
  });

  it('applies sysctls from the init command before the stack starts', () => {
    const script = `\`../common/defaults.sh
../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 8>
`;
    expect(run(script)).toBe('PASS test.pkt');
  });

  it('reports a parse error as a failure at its position', () => {
    expect(run('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > Q 0:0(0)\n')).toMatch(
      /^FAIL test.pkt:2: a valid script but got test.pkt:2:\d+: /,
    );
  });
});
