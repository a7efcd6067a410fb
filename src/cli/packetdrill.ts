// `ustack packetdrill FILE|DIR...`: runs Linux packetdrill .pkt TCP scripts against ustack in-process, on a
// virtual clock (src/conformance/packetdrill/runner). Directories are searched recursively for *.pkt.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatOutcome, formatSummary, summarize } from '../conformance/packetdrill/runner/report.ts';
import { runScriptSource, type ScriptOutcome } from '../conformance/packetdrill/runner/run.ts';
import { CliError, numberOption, parseCommandArgs } from './args.ts';

const HELP = `usage: ustack packetdrill [--json] [--strict] [--seed N] FILE|DIR...

Runs packetdrill scripts (google/packetdrill's .pkt language) against ustack in this process: inbound
packets are injected as real IPv4+TCP bytes, outbound ones compared field by field, system calls mapped
onto ustack's endpoints, time virtual. Directories are searched recursively for *.pkt files.

Prints one line per script (PASS, FAIL file:line: expected but got actual, SKIP file: reason) and a
summary. Exit status 0 when no script failed (skipped scripts do not count), 1 otherwise.

options:
  --json      one JSON object with every outcome and the counts, for tools
  --strict    a skipped script also makes the exit status 1
  --seed N    seed for ISNs, ports and timestamp offsets (default 1)
  -h, --help  show this help`;

/** Every .pkt file under the given paths, in a stable order. */
export function collectScripts(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        const child = join(path, name);
        if (statSync(child).isDirectory() || name.endsWith('.pkt')) visit(child);
      }
    } else {
      files.push(path);
    }
  };
  for (const path of paths) {
    try {
      visit(path);
    } catch {
      throw new CliError(`cannot read ${path}`);
    }
  }
  return files;
}

export async function runPacketdrill(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new CliError('give at least one .pkt file or directory');
  const seed = numberOption('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const outcomes: ScriptOutcome[] = [];
  for (const file of collectScripts(positionals)) {
    const outcome = runScriptSource(readFileSync(file, 'utf8'), file, { seed });
    outcomes.push(outcome);
    if (!values.json) console.log(formatOutcome(outcome));
  }
  const summary = summarize(outcomes);
  if (values.json) console.log(JSON.stringify({ outcomes, ...summary }, null, 2));
  else console.log(formatSummary(summary));
  return summary.failed > 0 || (values.strict && summary.skipped > 0) ? 1 : 0;
}
