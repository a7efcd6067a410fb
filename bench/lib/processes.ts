// Processes of a benchmark: placed in a lab namespace (`ip netns exec`, which execs, so the PID we hold is
// the program's own) and pinned to vCPU 0 (`taskset -c 0`) or not. Servers are moved between pinned and
// unpinned with `taskset -apc` on every thread, so one server serves both kinds of measurement. Every
// process is stopped by its own PID.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root: node children resolve `--import tsx` from here. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The vCPU every process of a pinned comparison shares. */
export const PINNED_CPU = '0';

export interface Placement {
  netns?: string;
  pin: boolean;
}

export function placed(argv: readonly string[], place: Placement): string[] {
  const pinned = place.pin ? ['taskset', '-c', PINNED_CPU, ...argv] : [...argv];
  return place.netns === undefined ? pinned : ['ip', 'netns', 'exec', place.netns, ...pinned];
}

/** `node --import tsx FILE …`: a TypeScript child of this benchmark. */
export function tsNode(file: string, args: readonly string[], nodeFlags: readonly string[] = []): string[] {
  return [process.execPath, ...nodeFlags, '--import', 'tsx', file, ...args];
}

/** Pins every thread of a running process to vCPU 0, or lets it run on every vCPU. */
export async function setPinned(pid: number, pin: boolean): Promise<void> {
  const all = `0-${cpus().length - 1}`;
  await run('taskset', ['-apc', pin ? PINNED_CPU : all, String(pid)]);
}

/** A long-running peer (a server): started, awaited until it prints `ready`, stopped by PID. */
export class Peer {
  private stderr = '';
  private pending = '';
  private lineWaiters: ((line: string) => boolean)[] = [];
  /** The line that said `ready` (lwip-peer adds its connection limit to it). */
  readyLine = '';

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.pending += chunk.toString();
      let newline = this.pending.indexOf('\n');
      while (newline >= 0) {
        const line = this.pending.slice(0, newline);
        this.pending = this.pending.slice(newline + 1);
        this.lineWaiters = this.lineWaiters.filter((waiter) => !waiter(line));
        newline = this.pending.indexOf('\n');
      }
    });
  }

  static async start(argv: readonly string[], timeoutMs = 20_000): Promise<Peer> {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const peer = new Peer(child);
    peer.readyLine = await peer.nextLine(
      (line) => line.startsWith('ready'),
      timeoutMs,
      `${argv.join(' ')}: not ready`,
    );
    return peer;
  }

  /** The next stdout line that passes `wanted`; rejects on timeout or when the peer exits first. */
  private nextLine(wanted: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        this.child.off('exit', onExit);
        reject(new Error(`${what}: ${why}: ${this.stderr.trim().split('\n').at(-1) ?? ''}`));
      };
      const onExit = (code: number | null) => fail(`exited (${code})`);
      const timer = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), timeoutMs);
      this.child.once('exit', onExit);
      this.lineWaiters.push((line) => {
        if (!wanted(line)) return false;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(line);
        return true;
      });
    });
  }

  /**
   * Sends `signal` and returns the numbers on the next line that starts with `prefix` (ustack-peer answers
   * SIGUSR2 with 'memory BYTES CONNECTIONS').
   */
  async query(signal: NodeJS.Signals, prefix: string, timeoutMs = 5000): Promise<number[]> {
    const answer = this.nextLine((line) => line.startsWith(`${prefix} `), timeoutMs, `${prefix} query`);
    process.kill(this.pid, signal);
    return (await answer).split(' ').slice(1).map(Number);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => this.alive && process.kill(this.pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export type Figures = Record<string, number>;

export interface ClientOptions {
  timeoutMs: number;
  /** Every stdout line but the result, as it comes (the scaling client says 'connected' first). */
  onLine?: (line: string) => void;
  onSpawn?: (pid: number) => void;
}

/** Runs a client to its end and returns the JSON object it prints on its last line. */
export function runClient(argv: readonly string[], options: ClientOptions): Promise<Figures> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    pending += chunk.toString();
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      options.onLine?.(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as Figures);
      else {
        const why =
          signal === 'SIGKILL' ? `timed out after ${options.timeoutMs} ms` : `exit ${code ?? signal}`;
        reject(new Error(`${why}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
      }
    });
  });
}
