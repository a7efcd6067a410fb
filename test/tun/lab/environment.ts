// Whether the kernel-peer suites can run here, and the describe() that skips with one line saying why or,
// under USTACK_REQUIRE_TUN=1 (CI), fails instead: a CI machine without TUN must not pass by skipping.

import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { tunUnavailableReason } from '../helpers/lab.ts';

/** Kernel programs the suites drive inside their namespaces, besides ip, ping and python3. */
const PEER_PROGRAMS = ['curl', 'nft', 'tcpdump', 'tshark'];

function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the kernel-peer suites cannot run here, or undefined when they can. */
export function kernelPeerUnavailableReason(): string | undefined {
  const tun = tunUnavailableReason();
  if (tun !== undefined) return tun;
  const missing = PEER_PROGRAMS.find((name) => !hasProgram(name));
  return missing === undefined ? undefined : `${missing} is not installed`;
}

/** describe() for a kernel-peer suite: runs it, skips it with a reason, or fails when TUN is required. */
export function describeKernelPeer(title: string, body: () => void): void {
  const unavailable = kernelPeerUnavailableReason();
  if (unavailable === undefined) {
    describe(title, body);
  } else if (process.env.USTACK_REQUIRE_TUN === '1') {
    describe(`${title} (USTACK_REQUIRE_TUN=1)`, () => {
      it('can run the kernel-peer suite here', () => {
        throw new Error(`test/tun cannot run: ${unavailable}`);
      });
    });
  } else {
    console.warn(`${title} skipped: ${unavailable}`);
    describe.skip(title, body);
  }
}
