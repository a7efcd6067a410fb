// Type checking and the lint rules (among them "the core imports no node:*") run with the tests,
// so CI enforces them.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(command: string, args: string[]): string {
  try {
    execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

describe('static checks', () => {
  it('tsc --noEmit passes', () => {
    expect(run('npx', ['tsc', '--noEmit'])).toBe('');
  }, 120_000);

  it('biome lint passes', () => {
    const out = run('npx', ['biome', 'lint', '--error-on-warnings', 'src', 'test', 'bench', 'examples']);
    expect(
      out
        .split('\n')
        .filter((l) => !l.includes('nodedir'))
        .join('\n')
        .trim(),
    ).toBe('');
  }, 60_000);
});
