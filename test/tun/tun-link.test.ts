// The TUN link against real kernel peers. Each test makes its own network namespace with a TUN in it
// (kernel side 198.18.0.1/24, the test answering as 198.18.0.2) and removes both afterwards. Without root
// or /dev/net/tun the suite skips with one line saying why; CI sets USTACK_REQUIRE_TUN=1 to fail instead.

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execInNamespace, namespaceExists, uniqueNamespaceName } from '../../src/link/netns.ts';
import { openTun, TunError } from '../../src/link/tun.ts';
import { KERNEL_ADDR, Lab, STACK_ADDR, tunUnavailableReason, waitForLine } from './helpers/lab.ts';
import { addr, echoReply, parseUdpPacket, type ReceivedUdp, udpPacket } from './helpers/packets.ts';

const unavailable = tunUnavailableReason();
const required = process.env.USTACK_REQUIRE_TUN === '1';
if (unavailable !== undefined && !required) console.warn(`test/tun skipped: ${unavailable}`);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

if (unavailable !== undefined && required) {
  describe('TUN availability (USTACK_REQUIRE_TUN=1)', () => {
    it('can run the kernel-peer suite here', () => {
      throw new Error(`test/tun cannot run: ${unavailable}`);
    });
  });
}

/** The namespace's UDP counters from /proc/net/snmp (InDatagrams, RcvbufErrors, …). */
function udpSnmp(lab: Lab): Record<string, number> {
  const lines = lab
    .execSync('cat', ['/proc/net/snmp'])
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
}

function deviceExists(netns: string | undefined, name: string): boolean {
  try {
    execFileSync('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', 'dev', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(unavailable !== undefined)('TUN link in a lab namespace', () => {
  const labs: Lab[] = [];

  // These tests look at the raw packets, so without offloads (whose checksums arrive partial); the
  // offloading device has its own suite in offload-link.test.ts.
  async function openLab(options: Parameters<typeof Lab.create>[0] = {}): Promise<Lab> {
    const lab = await Lab.create({ offload: false, ...options });
    labs.push(lab);
    return lab;
  }

  afterEach(async () => {
    for (const lab of labs.splice(0)) await lab.close();
  });

  it('creates the device inside the namespace, with the name pattern and MTU asked for', async () => {
    const lab = await openLab({ name: 'ustack%d', mtu: 1400 });
    const { link, netns } = lab;
    expect(link.name).toMatch(/^ustack\d+$/);
    expect(link.mtu).toBe(1400);
    expect(link.caps).toEqual({
      rxChecksumVerified: false,
      txChecksumOffload: false,
      maxSegment: 1400,
      sendCopies: true,
    });
    const shown = JSON.parse(
      execFileSync('ip', ['-n', netns, '-j', 'link', 'show', 'dev', link.name], {
        encoding: 'utf8',
      }),
    );
    expect(shown[0].mtu).toBe(1400);
    // setns() moved only the opening thread, and back: nothing appeared in the test's own namespace.
    expect(deviceExists(undefined, link.name)).toBe(false);

    await link.close();
    expect(deviceExists(netns, link.name)).toBe(false);
    await link.close();
    link.send(udpPacket(STACK_ADDR, KERNEL_ADDR, 1, 9, new Uint8Array(4)));
    expect(link.counters()['drop.tun.tx-EBADF']).toBe(1);
  });

  it('answers ping by hand: 0% loss', async () => {
    const { link, netns } = await openLab();
    link.onPackets((packets) => {
      for (const packet of packets) {
        const reply = echoReply(packet);
        if (reply) link.send(reply);
      }
      link.flush();
    });
    const output = await execInNamespace(netns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', STACK_ADDR]);
    expect(output).toContain('3 packets transmitted, 3 received, 0% packet loss');
    expect(link.counters()['tun.tx.packets']).toBe(3);
  });

  it('delivers datagrams that queued up during one turn of the event loop as one batch', async () => {
    const lab = await openLab();
    const batches: ReceivedUdp[][] = [];
    lab.link.onPackets((packets) => {
      const datagrams = packets.map(parseUdpPacket).filter((d) => d?.dstPort === 9) as ReceivedUdp[];
      // Packets are views into the addon's slab, valid only during this call: keep copies.
      if (datagrams.length > 0) batches.push(datagrams.map((d) => ({ ...d, payload: d.payload.slice() })));
    });
    // execFileSync blocks the event loop, so all eight wait in the device until the next wake-up.
    lab.execSync('python3', [
      '-c',
      'import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n' +
        `for i in range(8): s.sendto(b"datagram %d" % i, ("${STACK_ADDR}", 9))`,
    ]);
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(8));
    expect(batches).toHaveLength(1);
    const batch = batches[0]!;
    expect(batch.map((d) => decoder.decode(d.payload))).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `datagram ${i}`),
    );
    for (const datagram of batch) {
      expect(datagram.srcAddr).toBe(addr(KERNEL_ADDR));
      expect(datagram.dstAddr).toBe(addr(STACK_ADDR));
    }
    expect(lab.link.counters()['tun.rx.batches']).toBeGreaterThanOrEqual(1);
  });

  it('writes a UDP datagram that a kernel socket in the namespace receives', async () => {
    const lab = await openLab();
    const receiver = lab.python(
      'import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n' +
        `s.bind(("${KERNEL_ADDR}", 5555))\nprint("ready", flush=True)\n` +
        'data, (host, port) = s.recvfrom(2048)\nprint(f"{host}:{port} {data.decode()}", flush=True)',
    );
    await waitForLine(receiver, (line) => line === 'ready');
    const received = waitForLine(receiver, (line) => line.includes('hello'));
    lab.link.send(udpPacket(STACK_ADDR, KERNEL_ADDR, 40000, 5555, encoder.encode('hello kernel')));
    lab.link.flush();
    expect(await received).toBe(`${STACK_ADDR}:40000 hello kernel`);
  });

  it('never loses a packet silently when writing as fast as it can', async () => {
    const lab = await openLab();
    const count = 20_000;
    const port = 5556;
    // The receiver counts datagrams and sequence gaps until the end marker (or 5 s of silence). Its buffer
    // is forced large (SO_RCVBUFFORCE = 33) so the kernel keeps up; any overflow shows as RcvbufErrors.
    const receiver = lab.python(
      'import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n' +
        's.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)\n' +
        `s.bind(("${KERNEL_ADDR}", ${port}))\ns.settimeout(5)\nprint("ready", flush=True)\n` +
        'got = 0\nlast = -1\nreordered = 0\n' +
        'while True:\n' +
        '  try: data = s.recv(2048)\n' +
        '  except socket.timeout: break\n' +
        '  if data == b"end": break\n' +
        '  seq = int.from_bytes(data[:4], "big")\n' +
        '  reordered += seq <= last\n  last = seq\n  got += 1\n' +
        'print(f"got {got} reordered {reordered}", flush=True)',
    );
    await waitForLine(receiver, (line) => line === 'ready');
    const before = udpSnmp(lab);
    const result = waitForLine(receiver, (line) => line.startsWith('got '));
    const payload = new Uint8Array(32);
    for (let seq = 0; seq < count; seq++) {
      payload[0] = seq >>> 24;
      payload[1] = seq >>> 16;
      payload[2] = seq >>> 8;
      payload[3] = seq;
      lab.link.send(udpPacket(STACK_ADDR, KERNEL_ADDR, 40001, port, payload));
    }
    lab.link.send(udpPacket(STACK_ADDR, KERNEL_ADDR, 40001, port, encoder.encode('end')));
    lab.link.flush();
    // Whatever the kernel refused for a moment (EAGAIN) waits in the addon's queue until writable.
    await vi.waitFor(() => expect(lab.link.queueDepth).toBe(0));
    const [, got, reordered] = /^got (\d+) reordered (\d+)$/.exec(await result)!.map(Number);
    const after = udpSnmp(lab);

    const counters = lab.link.counters();
    expect(Object.keys(counters).filter((name) => name.startsWith('drop'))).toEqual([]);
    expect(counters['tun.tx.packets']).toBe(count + 1);
    // Each datagram either reached the socket or was counted by the kernel: none vanished.
    expect(got! + (after.RcvbufErrors! - before.RcvbufErrors!)).toBe(count);
    expect(reordered).toBe(0);
  });

  it('lets the packet handler close the link in the middle of a batch', async () => {
    const lab = await openLab();
    const seen: number[] = [];
    lab.link.onPackets((packets) => {
      seen.push(packets.length);
      void lab.link.close();
    });
    lab.execSync('python3', [
      '-c',
      'import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n' +
        `for i in range(4): s.sendto(b"x", ("${STACK_ADDR}", 9))`,
    ]);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    // Another turn of the event loop: a closed device must not wake the handler again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(1);
    expect(deviceExists(lab.netns, lab.link.name)).toBe(false);
  });

  it('names what went wrong when a device cannot be opened', async () => {
    const missing = uniqueNamespaceName('ustack-tun-missing');
    expect(await namespaceExists(missing)).toBe(false);
    const error = await openTun({ netns: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TunError);
    expect((error as TunError).code).toBe('ENOENT');
    expect((error as TunError).message).toContain(`network namespace '${missing}' does not exist`);

    await expect(openTun({ name: 'a-name-too-long-for-linux' })).rejects.toThrow(RangeError);
    await expect(openTun({ mtu: 20 })).rejects.toThrow(/MTU 20/);
    await expect(openTun({ netns: '../etc' })).rejects.toThrow(RangeError);

    // An unprivileged user (nobody) is refused by the kernel, and the error says it needs root.
    const script =
      "import('./src/link/tun.ts').then((m) => m.openTun()).then(" +
      "() => console.log('opened'), (e) => console.log(e.code + ' ' + e.message))";
    const { stdout } = await promisify(execFile)('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--',
      process.execPath,
      '--import',
      'tsx',
      '-e',
      script,
    ]);
    expect(stdout).toMatch(/^(EACCES|EPERM) cannot open TUN device: .*run as root|needs root/);
  });
});
