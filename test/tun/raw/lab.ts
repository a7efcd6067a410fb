// A two-namespace lab for the raw-socket link: a veth pair joins a client namespace (the kernel client at
// 198.18.2.1/24) and a stack namespace (198.18.2.2/24 shared by its kernel and ustack, plus 198.18.2.3/24,
// an address ustack does not use). Lab safety: every address is in 198.18.0.0/15, every process started
// here is killed by its own PID, and close() deletes both namespaces (and the veth pair with them).

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
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
import { rawSocketUnavailableReason } from '../../../src/link/raw-socket.ts';

export const CLIENT_ADDR = '198.18.2.1';
export const STACK_ADDR = '198.18.2.2';
export const OTHER_ADDR = '198.18.2.3';
export const CLIENT_IF = 'rawc0';
export const STACK_IF = 'raws0';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const REPO_ROOT = here('../../../');

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the raw-socket lab cannot run here, or undefined when it can. */
export function rawLabUnavailableReason(): string | undefined {
  if (process.platform !== 'linux')
    return `raw sockets and namespaces are Linux-only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (raw sockets, nftables and network namespaces need root)';
  const missing = rawSocketUnavailableReason();
  if (missing !== undefined) return missing;
  for (const command of ['ip', 'nft', 'python3']) {
    if (!hasCommand(command)) return `${command} is not installed`;
  }
  return undefined;
}

/** Resolves with how a child ended. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export class RawLab {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly clientNs: string,
    readonly stackNs: string,
  ) {}

  static async create(): Promise<RawLab> {
    const lab = new RawLab(uniqueNamespaceName('ustack-rawc'), uniqueNamespaceName('ustack-raws'));
    try {
      await createNamespace(lab.clientNs);
      await createNamespace(lab.stackNs);
      await runCommand('ip', [
        'link',
        'add',
        CLIENT_IF,
        'netns',
        lab.clientNs,
        'type',
        'veth',
        'peer',
        'name',
        STACK_IF,
        'netns',
        lab.stackNs,
      ]);
      await addAddress(lab.clientNs, CLIENT_IF, `${CLIENT_ADDR}/24`);
      await addAddress(lab.stackNs, STACK_IF, `${STACK_ADDR}/24`);
      await addAddress(lab.stackNs, STACK_IF, `${OTHER_ADDR}/24`);
      await setUp(lab.clientNs, CLIENT_IF);
      await setUp(lab.stackNs, STACK_IF);
      await runCommand('ip', [
        'netns',
        'exec',
        lab.clientNs,
        'python3',
        here('tx-checksum-off.py'),
        CLIENT_IF,
      ]);
      return lab;
    } catch (error) {
      await lab.close();
      throw error;
    }
  }

  /** Runs a TypeScript program of this folder in the stack namespace; close() kills it by its PID. */
  stackProgram(file: string, args: readonly string[]): ChildProcess {
    return this.track(
      spawn('ip', ['netns', 'exec', this.stackNs, process.execPath, '--import', 'tsx', here(file), ...args], {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
  }

  /** Runs a python3 script of this folder in the client namespace; close() kills it by its PID. */
  clientPython(file: string, args: readonly string[]): ChildProcess {
    return this.track(
      spawn('ip', ['netns', 'exec', this.clientNs, 'python3', here(file), ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** `nft ARGS` in the stack namespace. */
  nft(args: readonly string[]): Promise<string> {
    return runCommand('ip', ['netns', 'exec', this.stackNs, 'nft', ...args]);
  }

  async close(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    for (const netns of [this.clientNs, this.stackNs]) {
      if (await namespaceExists(netns)) await deleteNamespace(netns);
    }
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }
}
