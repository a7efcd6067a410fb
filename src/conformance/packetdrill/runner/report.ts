// Outcome lines and the summary, as `ustack packetdrill` prints them: `PASS file`, `FAIL file:LINE: <the
// script's line> but got <what happened>` (the first mismatch only), `SKIP file: reason`, then the counts.

import type { ScriptOutcome } from './run.ts';

export function formatOutcome(outcome: ScriptOutcome): string {
  switch (outcome.status) {
    case 'pass':
      return `PASS ${outcome.file}`;
    case 'fail':
      return `FAIL ${outcome.file}:${outcome.line}: ${outcome.expected} but got ${outcome.actual}`;
    case 'skip':
      return `SKIP ${outcome.file}: ${outcome.reason}`;
  }
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

export function summarize(outcomes: readonly ScriptOutcome[]): Summary {
  const count = (status: ScriptOutcome['status']): number =>
    outcomes.filter((o) => o.status === status).length;
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip') };
}

export function formatSummary(summary: Summary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}
