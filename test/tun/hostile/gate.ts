// What the hostile-input TUN suites share: a tool they need (skip with a one-line reason without it, fail
// instead under USTACK_REQUIRE_TUN=1, as every kernel-peer suite does), and a lab with a stack in it that is
// torn down after each test.

import { execFileSync } from 'node:child_process';
import { afterEach } from 'vitest';
import type { Stack } from '../../../src/host.ts';
import type { KernelPeerLab } from '../lab/namespace.ts';

export interface ToolGate {
  /** Skip the test: the tool is missing and CI did not require it. */
  readonly skip: boolean;
  /** Fails the test when the tool is missing (only reached under USTACK_REQUIRE_TUN=1). */
  check(): void;
}

export function toolGate(suite: string, missing: string | undefined): ToolGate {
  const required = process.env.USTACK_REQUIRE_TUN === '1';
  if (missing !== undefined && !required) console.warn(`${suite} skipped: ${missing}`);
  return {
    skip: missing !== undefined && !required,
    check() {
      if (missing !== undefined) throw new Error(missing);
    },
  };
}

/** Why `program` cannot run here (with the Debian package to install), or undefined when it is on PATH. */
export function programMissing(program: string, debianPackage = program): string | undefined {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${program} is not installed (apt-get install -y ${debianPackage})`;
  }
}

/** The lab and stack of the running test; closed (stack first) and cleared after each test. */
export interface LabSession {
  lab: KernelPeerLab | undefined;
  stack: Stack | undefined;
}

export function useLabSession(): LabSession {
  const session: LabSession = { lab: undefined, stack: undefined };
  afterEach(async () => {
    await session.stack?.close();
    await session.lab?.close();
    session.stack = undefined;
    session.lab = undefined;
  });
  return session;
}
