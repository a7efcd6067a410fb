// A TUN lab for one test: its own network namespace, a TUN device inside it owned by this process, the
// kernel side at 198.18.0.1/24 and the test playing 198.18.0.2. Lab safety (README rules): every address
// is in 198.18.0.0/15, and close() removes the device, the namespace and every process started here.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  configureKernelSide,
  createNamespace,
  deleteNamespace,
  namespaceExists,
  uniqueNamespaceName,
} from '../../../src/link/netns.ts';
import { ADDON_PATH, openTun, type TunLink, type TunOptions } from '../../../src/link/tun.ts';

export const KERNEL_ADDR = '198.18.0.1';
export const STACK_ADDR = '198.18.0.2';

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the TUN suites cannot run here, or undefined when they can. */
export function tunUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `TUN is Linux-only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (TUN devices and network namespaces need root)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (!existsSync(ADDON_PATH)) return `the TUN addon is not built (${ADDON_PATH}): run npm install`;
  for (const command of ['ip', 'ping', 'python3']) {
    if (!hasCommand(command)) return `${command} is not installed`;
  }
  return undefined;
}

export class Lab {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly netns: string,
    readonly link: TunLink,
  ) {}

  /** A namespace with a TUN in it, the kernel side configured and up. */
  static async create(options: Omit<TunOptions, 'netns'> = {}): Promise<Lab> {
    const netns = uniqueNamespaceName('ustack-tun');
    await createNamespace(netns);
    let link: TunLink | undefined;
    try {
      link = await openTun({ ...options, netns });
      await configureKernelSide(netns, link.name, `${KERNEL_ADDR}/24`);
      return new Lab(netns, link);
    } catch (error) {
      await link?.close();
      await deleteNamespace(netns);
      throw error;
    }
  }

  /** Starts python3 inside the namespace; close() kills it (by its PID) if it is still running. */
  python(script: string, args: readonly string[] = []): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.netns, 'python3', '-c', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    return child;
  }

  /** Runs a command inside the namespace to completion, blocking the event loop meanwhile. */
  execSync(command: string, args: readonly string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.netns, command, ...args], { encoding: 'utf8' });
  }

  async close(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await this.link.close();
    if (await namespaceExists(this.netns)) await deleteNamespace(this.netns);
  }
}

/** Resolves with the first stdout line of `child` that satisfies `match`; rejects if it exits first. */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      const found = lines.find(match);
      if (found !== undefined) {
        child.stdout?.off('data', onData);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before the expected line: ${stderr}`)));
  });
}
