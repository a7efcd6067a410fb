// The commands the docs quote exist and take the flags they are given; the files they name exist.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS, quotedCommands, ROOT, runner, ustack } from './helpers.ts';

/** The long flags of a command line (`--trace=explain` is the flag `--trace`). */
function flags(line: string): string[] {
  return [...line.matchAll(/(?:^|\s)(--[a-z-]+)/g)].map((m) => m[1]!);
}

describe('commands quoted in the docs', () => {
  const commands = quotedCommands();

  it('finds the commands of all three pages', () => {
    expect(commands.filter((c) => c.startsWith('npx tsx examples/run.ts')).length).toBeGreaterThanOrEqual(6);
    expect(commands.filter((c) => c.startsWith('ustack ')).length).toBeGreaterThanOrEqual(5);
  });

  it('every ustack subcommand exists and lists every flag it is given in its --help', async () => {
    const subcommands = [
      ...new Set(commands.filter((c) => c.startsWith('ustack ')).map((c) => c.split(' ')[1]!)),
    ];
    for (const sub of subcommands) {
      const help = await ustack([sub, '--help']);
      expect(help.code, `ustack ${sub} --help`).toBe(0);
      for (const line of commands.filter((c) => c.startsWith(`ustack ${sub} `)))
        for (const flag of flags(line)) expect(help.stdout, `${line}: ${flag}`).toContain(flag);
    }
  });

  it('examples/run.ts lists every flag the docs give it, and its programs', async () => {
    const help = await runner(['--help']);
    expect(help.code).toBe(0);
    for (const line of commands.filter((c) => c.startsWith('npx tsx examples/run.ts'))) {
      expect(help.stdout).toContain(line.split(' ')[3]!.replace(/^<.*>$/, 'echo'));
      for (const flag of flags(line)) expect(help.stdout, `${line}: ${flag}`).toContain(flag);
    }
  });

  it('every file and image the docs link or name exists', () => {
    for (const doc of DOCS) {
      const text = readFileSync(`${ROOT}${doc}`, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#]+)\)/g))
        expect(existsSync(`${ROOT}docs/${target}`), target).toBe(true);
      for (const [path] of text.matchAll(/(?<![\w/])(?:docs|examples)\/[\w./-]+\.(?:py|ts|pkt|sh)/g))
        expect(existsSync(`${ROOT}${path}`), `${doc}: ${path}`).toBe(true);
    }
  });
});
