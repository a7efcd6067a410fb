// The namespace fixture of the kernel-peer suite. Each test gets its own network namespace
// ('ustack-kp-<pid>-<n>'); ustack commands create their TUN device inside it (--netns), kernel programs
// run in it through `ip netns exec`, and close() kills every process started here by its PID and deletes
// every namespace made here, whatever happened in the test. Addresses: 198.18.0.0/15 only.

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  addAddress,
  createNamespace,
  deleteNamespace,
  namespaceExists,
  runCommand,
  setUp,
  uniqueNamespaceName,
} from '../../../src/link/netns.ts';
import { LabProcess } from './process.ts';

export const KERNEL_ADDR = '198.18.0.1';
export const STACK_ADDR = '198.18.0.2';
/** The routed peer's side of the veth pair, and the router's side (the TUN namespace). */
export const PEER_ADDR = '198.18.1.1';
export const ROUTER_ADDR = '198.18.1.2';
export const TUN_DEVICE = 'kp0';
export const PEER_DEVICE = 'kpv0';
export const ROUTER_DEVICE = 'kpv1';

const USTACK_BIN = fileURLToPath(new URL('../../../bin/ustack.js', import.meta.url));
const SCRIPTS_DIR = fileURLToPath(new URL('../scripts/', import.meta.url));

export interface SpawnOptions {
  /** 'ignore' (the default), 'pipe', or a file whose contents become stdin. */
  stdin?: 'ignore' | 'pipe' | { file: string };
  /** Digest stdout (SHA-256) instead of keeping it as text: for bulk data. */
  digestStdout?: boolean;
}

export class KernelPeerLab {
  private readonly processes: LabProcess[] = [];
  private readonly namespaces: string[];
  /** A second namespace routed through this one (see addRoutedPeer), for kernel programs behind a hop. */
  peerNetns: string | undefined;

  private constructor(readonly netns: string) {
    this.namespaces = [netns];
  }

  static async create(): Promise<KernelPeerLab> {
    const netns = uniqueNamespaceName('ustack-kp');
    await createNamespace(netns);
    return new KernelPeerLab(netns);
  }

  /** A ustack command on a TUN device in this namespace: `ustack COMMAND --netns NS --tun kp0 ARGS…`. */
  ustack(command: string, args: readonly string[], options: SpawnOptions = {}): LabProcess {
    return this.start(
      process.execPath,
      [USTACK_BIN, command, '--netns', this.netns, '--tun', TUN_DEVICE, ...args],
      `ustack ${command}`,
      options,
    );
  }

  /** A kernel program inside the namespace (`ip netns exec` execs it, so the PID is the program's). */
  exec(command: string, args: readonly string[], options: SpawnOptions = {}, netns = this.netns): LabProcess {
    return this.start('ip', ['netns', 'exec', netns, command, ...args], command, options);
  }

  /** One of test/tun/scripts/*.py, run by python3 inside the namespace (or the routed peer's). */
  python(
    script: string,
    args: readonly string[],
    options: SpawnOptions = {},
    netns = this.netns,
  ): LabProcess {
    return this.exec('python3', [`${SCRIPTS_DIR}${script}`, ...args], options, netns);
  }

  /** Runs a kernel program to completion and returns its stdout; a failure quotes its stderr. */
  run(command: string, args: readonly string[], netns = this.netns): Promise<string> {
    return runCommand('ip', ['netns', 'exec', netns, command, ...args], 30_000);
  }

  /**
   * A peer namespace one hop away: veth kpv0 (198.18.1.1/24) ↔ kpv1 (198.18.1.2/24) in this namespace,
   * which forwards between the veth and the TUN (ustack routes everything through 198.18.0.1). Filtering
   * in this namespace's forward hook then behaves like a lossy network: a drop there happens after the
   * sender's transmit succeeded, so the sender's TCP has to detect and repair it. (A drop in the output
   * or egress hook of the sending host is reported back to its TCP as a local transmit error instead.)
   * gso_max_segs 1 makes the kernel send one MSS per packet, so one drop is one segment.
   */
  async addRoutedPeer(): Promise<string> {
    const peer = uniqueNamespaceName('ustack-kp');
    await createNamespace(peer);
    this.namespaces.push(peer);
    this.peerNetns = peer;
    await runCommand('ip', [
      ...['-n', this.netns, 'link', 'add', ROUTER_DEVICE, 'type', 'veth'],
      ...['peer', 'name', PEER_DEVICE, 'netns', peer],
    ]);
    for (const [netns, dev] of [
      [this.netns, ROUTER_DEVICE],
      [peer, PEER_DEVICE],
    ] as const) {
      await runCommand('ip', ['-n', netns, 'link', 'set', dev, 'gso_max_segs', '1']);
    }
    await addAddress(this.netns, ROUTER_DEVICE, `${ROUTER_ADDR}/24`);
    await addAddress(peer, PEER_DEVICE, `${PEER_ADDR}/24`);
    await setUp(this.netns, ROUTER_DEVICE);
    await setUp(peer, PEER_DEVICE);
    await runCommand('ip', ['-n', peer, 'route', 'add', '198.18.0.0/24', 'via', ROUTER_ADDR]);
    await this.run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    return peer;
  }

  /** Kills (by PID) whatever is still running, waits for it, then deletes every namespace made here. */
  async close(): Promise<void> {
    for (const p of this.processes) p.kill('SIGKILL');
    await Promise.all(this.processes.map((p) => p.exited));
    for (const netns of this.namespaces) {
      if (await namespaceExists(netns)) await deleteNamespace(netns);
    }
  }

  private start(command: string, args: readonly string[], label: string, options: SpawnOptions): LabProcess {
    const stdin = options.stdin ?? 'ignore';
    const stdinFd = typeof stdin === 'object' ? openSync(stdin.file, 'r') : undefined;
    const child = spawn(command, args, { stdio: [stdinFd ?? (stdin as 'ignore' | 'pipe'), 'pipe', 'pipe'] });
    // The child holds its own copy of the descriptor now.
    if (stdinFd !== undefined) closeSync(stdinFd);
    const started = new LabProcess(child, label, options.digestStdout);
    this.processes.push(started);
    return started;
  }
}
