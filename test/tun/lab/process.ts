// A program started by a kernel-peer test: its output collected (or digested, for bulk data), lines
// awaited with a deadline, and its exit observed. Tests stop programs only through their own PID.

import type { ChildProcess } from 'node:child_process';
import { type Digest, digestStream } from './digest.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class LabProcess {
  private stdoutText = '';
  private stderrText = '';
  private exit: Exit | undefined;
  /** Resolves when the process has exited and its output streams are drained. */
  readonly exited: Promise<Exit>;
  /** With `digestStdout`, the SHA-256 of everything the process wrote to stdout. */
  readonly stdoutDigest: Promise<Digest> | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
    digestStdout = false,
  ) {
    if (digestStdout) this.stdoutDigest = digestStream(child.stdout!);
    else child.stdout?.on('data', (chunk: Buffer) => (this.stdoutText += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString()));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', (error) => {
        this.stderrText += `spawn failed: ${error.message}\n`;
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Waits for a line matching `pattern`; rejects if the process exits or the deadline passes. */
  async waitForLine(
    pattern: RegExp,
    stream: 'stdout' | 'stderr' = 'stdout',
    timeoutMs = 20_000,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = stream === 'stdout' ? this.stdoutText : this.stderrText;
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (!this.running)
        throw new Error(`${this.label} exited before printing ${pattern}: ${this.describe()}`);
      if (Date.now() > deadline)
        throw new Error(`${this.label} did not print ${pattern}: ${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits for the exit; past the deadline the process is killed and the wait rejects. */
  async finished(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      this.kill('SIGKILL');
      await this.exited;
      throw new Error(`${this.label} still running after ${timeoutMs} ms: ${this.describe()}`);
    }
    return outcome;
  }

  /** Waits for the exit and insists on status 0. */
  async succeeded(timeoutMs: number): Promise<void> {
    const exit = await this.finished(timeoutMs);
    if (exit.code !== 0)
      throw new Error(`${this.label} failed (${exit.code ?? exit.signal}): ${this.describe()}`);
  }

  /** Signals the process by its own PID (ChildProcess.kill), if it has not exited yet. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Asks politely (SIGTERM, which ustack turns into a clean shutdown) and waits; kills after the deadline. */
  async stop(timeoutMs = 10_000): Promise<Exit> {
    this.kill('SIGTERM');
    return this.finished(timeoutMs);
  }

  describe(): string {
    const tail = (text: string) => text.slice(-2000).trim();
    return `stdout: ${tail(this.stdoutText) || '(none)'}; stderr: ${tail(this.stderrText) || '(none)'}`;
  }
}
