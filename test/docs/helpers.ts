// What the docs tests share: running `ustack` and examples/run.ts as a reader would, and the commands
// quoted in the docs' code blocks.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DOCS = ['docs/tour.md', 'docs/socket-api-map.md', 'docs/lab-sheet.md'];

const run = promisify(execFile);

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command from the checkout's root; resolves with its exit status and output whatever it is. */
export async function runFromRoot(command: string, args: readonly string[], timeoutMs = 60_000) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: ROOT, timeout: timeoutMs });
    return { code: 0, stdout, stderr } satisfies Output;
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** `ustack ARGS…` as bin/ustack.js runs it. */
export function ustack(args: readonly string[]): Promise<Output> {
  return runFromRoot(process.execPath, ['bin/ustack.js', ...args]);
}

/** `npx tsx examples/run.ts ARGS…`, through node's --import hook (the same loader, without npx). */
export function runner(args: readonly string[]): Promise<Output> {
  return runFromRoot(process.execPath, ['--import', 'tsx', 'examples/run.ts', ...args]);
}

/** Every `ustack` and examples/run.ts command the docs quote: in indented code blocks and in `code spans`. */
export function quotedCommands(): string[] {
  const commands: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(`${ROOT}${doc}`, 'utf8');
    const blocks = text.split('\n').filter((line) => line.startsWith('    '));
    const spans = [...text.matchAll(/`(ustack [^`]+)`/g)].map((m) => m[1]!);
    for (const line of [...blocks, ...spans].flatMap((l) => l.split('&&'))) {
      const command = line.trim().replace(/^sudo /, '');
      if (/^(ustack|npx tsx examples\/run\.ts) /.test(command)) commands.push(command);
    }
  }
  return commands;
}
