// The raw-socket link: its inbound filter and nftables script on real packet bytes (no root needed), then
// ustack on a veth interface against a kernel client, each test in two namespaces of its own (see
// raw/lab.ts; 198.18.2.0/24 only). Without root or a built raw-socket the lab suite skips with one line
// saying why; CI sets USTACK_REQUIRE_TUN=1 to fail instead.

import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { guardScript, parseGuardCounts } from '../../src/link/nft-guard.ts';
import { inboundDropReason, RAW_LINK_MARK, type RawSocketOptions } from '../../src/link/raw-socket.ts';
import { KERNEL_ECHO_REPLY, KERNEL_ECHO_REQUEST, KERNEL_PORT_UNREACHABLE } from '../ip/ip-fixtures.ts';
import { waitForLine } from './helpers/lab.ts';
import { addr, udpPacket } from './helpers/packets.ts';
import {
  CLIENT_ADDR,
  exited,
  OTHER_ADDR,
  RawLab,
  rawLabUnavailableReason,
  STACK_ADDR,
  STACK_IF,
} from './raw/lab.ts';

const unavailable = rawLabUnavailableReason();
const required = process.env.USTACK_REQUIRE_TUN === '1';
if (unavailable !== undefined && !required) console.warn(`test/tun raw-socket link skipped: ${unavailable}`);

if (unavailable !== undefined && required) {
  describe('raw-socket lab availability (USTACK_REQUIRE_TUN=1)', () => {
    it('can run the raw-socket link suite here', () => {
      throw new Error(`the raw-socket link suite cannot run: ${unavailable}`);
    });
  });
}

const PORTS = { min: 61000, max: 61999 };
const TCP_PORT = 61000;
const UDP_PORT = 61001;
const ONE_MIB = 1 << 20;

describe('inboundDropReason', () => {
  const payload = new Uint8Array(4);

  it('keeps UDP to the stack address on a port in range, and leaves other ports to the kernel', () => {
    const ours = udpPacket(CLIENT_ADDR, STACK_ADDR, 5000, 61500, payload);
    expect(inboundDropReason(ours, addr(STACK_ADDR), PORTS)).toBeUndefined();
    const kernels = udpPacket(CLIENT_ADDR, STACK_ADDR, 5000, 60999, payload);
    expect(inboundDropReason(kernels, addr(STACK_ADDR), PORTS)).toBe('rx-kernel-port');
    expect(inboundDropReason(ours, addr(OTHER_ADDR), PORTS)).toBe('rx-other-destination');
  });

  it('reads the TCP destination port where UDP has it (bytes 2–3 of both headers)', () => {
    const segment = udpPacket(CLIENT_ADDR, STACK_ADDR, 5000, 61999, payload);
    segment[9] = 6;
    expect(inboundDropReason(segment, addr(STACK_ADDR), PORTS)).toBeUndefined();
    segment[9] = 47;
    expect(inboundDropReason(segment, addr(STACK_ADDR), PORTS)).toBe('rx-other-protocol');
  });

  it('leaves echo requests to the kernel and passes echo replies on', () => {
    expect(inboundDropReason(KERNEL_ECHO_REQUEST, addr('198.18.0.2'), PORTS)).toBe('rx-kernel-icmp-request');
    expect(inboundDropReason(KERNEL_ECHO_REPLY, addr('198.18.0.1'), PORTS)).toBeUndefined();
  });

  it('passes on an ICMP error only when the datagram it quotes came from a port in range', () => {
    // The fixture quotes UDP 198.18.0.1:40003 → 198.18.0.2:9.
    const kernel = addr('198.18.0.1');
    expect(inboundDropReason(KERNEL_PORT_UNREACHABLE, kernel, { min: 40000, max: 40003 })).toBeUndefined();
    expect(inboundDropReason(KERNEL_PORT_UNREACHABLE, kernel, PORTS)).toBe('rx-kernel-port');
  });

  it('counts what is not an IPv4 header as malformed, and lets a short transport header through', () => {
    const datagram = udpPacket(CLIENT_ADDR, STACK_ADDR, 5000, 61500, payload);
    expect(inboundDropReason(datagram.subarray(0, 19), addr(STACK_ADDR), PORTS)).toBe('rx-malformed');
    const v6 = datagram.slice();
    v6[0] = 0x60;
    expect(inboundDropReason(v6, addr(STACK_ADDR), PORTS)).toBe('rx-malformed');
    // The stack's own parser counts the truncated UDP header; the kernel cannot be its owner.
    expect(inboundDropReason(datagram.subarray(0, 21), addr(STACK_ADDR), PORTS)).toBeUndefined();
  });
});

describe('nftables guard script', () => {
  it('drops unmarked RSTs and quoted-UDP port unreachables from the address and port range', () => {
    const script = guardScript('t', { addr: STACK_ADDR, ports: PORTS, mark: RAW_LINK_MARK });
    expect(script).toContain('add chain ip t output { type filter hook output priority 0; policy accept; }');
    expect(script).toContain(
      'ip saddr 198.18.2.2 meta mark != 0x7573 tcp sport 61000-61999 tcp flags & rst == rst counter drop',
    );
    expect(script).toContain(
      'icmp type destination-unreachable icmp code port-unreachable @th,64,8 0x45 @th,136,8 17 ' +
        '@th,240,16 61000-61999 counter drop',
    );
    const single = guardScript('t', { addr: STACK_ADDR, ports: { min: 7, max: 7 }, mark: 1 });
    expect(single).toContain('tcp sport 7 tcp flags');
  });

  it('reads the two drop counters from `nft -j list table`', () => {
    const rule = (comment: string, packets: number) => ({
      rule: { comment, expr: [{ match: {} }, { counter: { packets, bytes: packets * 40 } }, { drop: null }] },
    });
    const json = JSON.stringify({
      nftables: [{ table: {} }, rule('kernel-tcp-rst', 999), rule('kernel-udp-port-unreachable', 3)],
    });
    expect(parseGuardCounts(json)).toEqual({ tcpResets: 999, portUnreachables: 3 });
  });
});

describe.skipIf(unavailable !== undefined)('raw-socket link between two lab namespaces', () => {
  const labs: RawLab[] = [];

  async function openLab(): Promise<RawLab> {
    const lab = await RawLab.create();
    labs.push(lab);
    return lab;
  }

  afterEach(async () => {
    for (const lab of labs.splice(0)) await lab.close();
  });

  function linkOptions(lab: RawLab, overrides: Partial<RawSocketOptions> = {}): RawSocketOptions {
    return { ifname: STACK_IF, addr: STACK_ADDR, ports: PORTS, netns: lab.stackNs, ...overrides };
  }

  async function startEchoStack(lab: RawLab) {
    const child = lab.stackProgram('echo-stack.ts', [
      JSON.stringify(linkOptions(lab)),
      String(TCP_PORT),
      String(UDP_PORT),
    ]);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ready = await waitForLine(child, (line) => line.startsWith('ready '));
    const { table } = JSON.parse(ready.slice('ready '.length)) as { table: string };
    return { child, table, stderr: () => stderr };
  }

  async function tables(lab: RawLab): Promise<string> {
    return (await lab.nft(['list', 'tables'])).trim();
  }

  it('echoes 1 MiB byte-exact to a kernel client; the guard drops the kernel answers, not ustack refusals', async () => {
    const lab = await openLab();
    const stack = await startEchoStack(lab);
    expect(await tables(lab)).toBe(`table ip ${stack.table}`);
    expect(stack.stderr()).toMatch(
      new RegExp(
        `^ustack: nftables table 'ip ${stack.table}' drops .* 198\\.18\\.2\\.2 ports 61000-61999 .*\\n$`,
      ),
    );

    const client = lab.clientPython('echo-client.py', [
      STACK_ADDR,
      String(TCP_PORT),
      String(UDP_PORT),
      OTHER_ADDR,
      String(ONE_MIB),
    ]);
    const result = JSON.parse(await waitForLine(client, () => true));
    expect(result).toEqual({
      tcpBytes: ONE_MIB,
      tcpExact: true,
      udpEchoes: 3,
      tcpRefused: true,
      udpRefused: true,
    });

    // The kernel answered the connection's segments and the datagrams too; none of it got out.
    const counts = parseGuardCounts(await lab.nft(['-j', 'list', 'table', 'ip', stack.table]));
    expect(counts.tcpResets).toBeGreaterThan(0);
    expect(counts.portUnreachables).toBeGreaterThan(0);

    stack.child.stdin!.write('close\n');
    const closed = await waitForLine(stack.child, (line) => line.startsWith('closed '));
    const counters = JSON.parse(closed.slice('closed '.length)) as Record<string, number>;
    expect(counters['raw.rx.packets']).toBeGreaterThan(ONE_MIB / 1500);
    expect(counters['raw.tx.packets']).toBeGreaterThan(ONE_MIB / 1500);
    expect(counters['drop.raw.rx-other-destination']).toBe(1);
    expect(Object.keys(counters).filter((key) => key.startsWith('drop.raw.tx'))).toEqual([]);
    expect(await exited(stack.child)).toEqual({ code: 0, signal: null });
    expect(await tables(lab)).toBe('');
  });

  it('removes the table on SIGTERM, then dies of the signal as it would have', async () => {
    const lab = await openLab();
    const stack = await startEchoStack(lab);
    expect(await tables(lab)).toBe(`table ip ${stack.table}`);
    stack.child.kill('SIGTERM');
    expect(await exited(stack.child)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await tables(lab)).toBe('');
  });

  it('removes the table when the process exits without closing the link', async () => {
    const lab = await openLab();
    const stack = await startEchoStack(lab);
    stack.child.stdin!.write('exit\n');
    expect(await exited(stack.child)).toEqual({ code: 0, signal: null });
    expect(await tables(lab)).toBe('');
  });

  it('refuses a missing interface or address, kernel ports, and another namespace, naming the errno', async () => {
    const lab = await openLab();
    // A table left by a SIGKILLed ustack, whose PID is gone: the next successful open prunes it.
    const dead = spawn('true');
    await exited(dead);
    await lab.nft(['add', 'table', 'ip', `ustack_raw_${dead.pid}_7`]);
    const attempts: RawSocketOptions[] = [
      linkOptions(lab, { ifname: 'nosuch0' }),
      linkOptions(lab, { addr: '198.18.2.9' }),
      linkOptions(lab, { ports: { min: 40000, max: 40100 } }),
      linkOptions(lab, { netns: lab.clientNs }),
      linkOptions(lab),
    ];
    const child = lab.stackProgram('open-link.ts', [JSON.stringify(attempts)]);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'error ENODEV',
      'error EADDRNOTAVAIL',
      'error EADDRINUSE',
      'error EINVAL',
      expect.stringMatching(/^opened ustack_raw_\d+_1$/),
    ]);
    expect(lines[2]).toContain('net.ipv4.ip_local_reserved_ports=40000-40100');
    expect(await tables(lab)).toBe('');
  });
});
