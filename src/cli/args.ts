// Argument parsing shared by the subcommands: node:util parseArgs with errors that name the bad argument.

import { type ParseArgsConfig, parseArgs } from 'node:util';

export class CliError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  // `--trace=explain` / `--trace=json` choose the trace format while plain `--trace` stays a flag.
  const args = argv.flatMap((arg) =>
    arg.startsWith('--trace=') ? ['--trace', '--trace-format', arg.slice(8)] : [arg],
  );
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** A numeric option: names the option and the bad value when it is not a number in range. */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new CliError(`--${name} must be a number from ${min} to ${max}, got '${value}'`);
  }
  return n;
}
