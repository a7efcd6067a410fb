// Recursive-descent parser for packetdrill scripts (grammar: gtests/net/packetdrill/parser.y).
//   script    := option* command? event+ command?          (options, init command, events, cleanup)
//   event     := time (packet | syscall | command | %{code}%)
//   time      := T | +T | * | T~T | +T~+T                  (T: seconds, integer or decimal)
//   syscall   := [...T] name(args) = result [ERRNO (message)] [(note)]
// Whitespace and line breaks carry no meaning, as in packetdrill; a syscall may span several lines.
// Packets are parsed in packet.ts and syscall arguments in expression.ts.

import type {
  Event,
  EventTime,
  ParseResult,
  Script,
  ScriptCommand,
  ScriptOption,
  SyscallEvent,
} from './ast.ts';
import { TokenCursor } from './cursor.ts';
import { parseArguments, parseExpression } from './expression.ts';
import { ScriptSyntaxError, tokenize } from './lexer.ts';
import { parsePacket } from './packet.ts';

export interface ParseOptions {
  /** The name used in error messages; default `script.pkt`. */
  readonly file?: string;
  /** `-D NAME=VALUE` definitions from the command line; `--define` options in the script add to them. */
  readonly defines?: Readonly<Record<string, string>>;
}

const MICROS_PER_SECOND = 1_000_000;

export function parseScript(source: string, options: ParseOptions = {}): ParseResult<Script> {
  return guarded(() => {
    const file = options.file ?? 'script.pkt';
    const cursor = new TokenCursor(tokenize(source, file), file);
    const defines = new Map(Object.entries(options.defines ?? {}));
    const scriptOptions = parseOptions(cursor, defines);
    cursor.applyDefines(defines);
    const initCommand = cursor.peek().kind === 'command' ? parseCommand(cursor) : undefined;
    const events: Event[] = [];
    while (startsEvent(cursor)) events.push(parseEvent(cursor));
    if (events.length === 0) {
      if (cursor.peek().kind === 'option') cursor.fail('options must come before the init command');
      cursor.fail('expected an event: a time (0, +.1, *, 0.1~0.2) then a packet, system call or command');
    }
    const cleanupCommand = cursor.peek().kind === 'command' ? parseCommand(cursor) : undefined;
    if (cursor.peek().kind !== 'eof') {
      if (cleanupCommand) cursor.fail('expected the end of the script after the cleanup command');
      cursor.fail('expected an event time (0, +.1, *, 0.1~0.2)');
    }
    return {
      file,
      options: scriptOptions,
      ...(initCommand && { initCommand }),
      events,
      ...(cleanupCommand && { cleanupCommand }),
    };
  });
}

/** Parses exactly one event, e.g. `+0 > S. 0:0(0) ack 1 <mss 1460>` (used for round trips and runner checks). */
export function parseSingleEvent(source: string, options: ParseOptions = {}): ParseResult<Event> {
  return guarded(() => {
    const file = options.file ?? 'event.pkt';
    const cursor = new TokenCursor(tokenize(source, file), file);
    cursor.applyDefines(new Map(Object.entries(options.defines ?? {})));
    if (!startsEvent(cursor)) cursor.fail('expected an event time (0, +.1, *, 0.1~0.2)');
    const event = parseEvent(cursor);
    if (cursor.peek().kind !== 'eof') cursor.fail('expected the end of the event');
    return event;
  });
}

/**
 * The shell lines of a back-quoted command: backslash-newline continuations joined (as /bin/sh does),
 * each line trimmed, blank lines dropped. `defaults.sh\nset_sysctls.py a=1 \\\n  b=2` gives two lines.
 */
export function splitCommandLines(command: string): string[] {
  return command
    .replace(/\\\r?\n/g, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function guarded<T>(parse: () => T): ParseResult<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return { ok: false, error: error.error };
    throw error;
  }
}

/** parser.y `option`: `--name` or `--name=value`; `--define=NAME=VALUE` also adds a substitution. */
function parseOptions(cursor: TokenCursor, defines: Map<string, string>): ScriptOption[] {
  const options: ScriptOption[] = [];
  while (cursor.peek().kind === 'option') {
    const token = cursor.next();
    if (cursor.isPunct('=')) cursor.fail(`write options as --${token.value}=value, without blanks`);
    const value = cursor.peek().kind === 'option-value' ? cursor.next().value : undefined;
    if (token.value === 'define') {
      const equals = value?.indexOf('=') ?? -1;
      if (value === undefined || equals <= 0) cursor.fail('--define needs NAME=VALUE', token);
      defines.set(value.slice(0, equals), value.slice(equals + 1));
    }
    options.push({ name: token.value, ...(value !== undefined && { value }), line: token.line });
  }
  return options;
}

function parseCommand(cursor: TokenCursor): ScriptCommand {
  const token = cursor.next();
  return { command: token.value, line: token.line };
}

function startsEvent(cursor: TokenCursor): boolean {
  const kind = cursor.peek().kind;
  return kind === 'int' || kind === 'float' || cursor.isPunct('+') || cursor.isPunct('*');
}

function parseEvent(cursor: TokenCursor): Event {
  const timeToken = cursor.peek();
  const where = { line: timeToken.line, time: parseEventTime(cursor) };
  const next = cursor.peek();
  let event: Event;
  if (next.kind === 'punct' && (next.text === '<' || next.text === '>')) event = parsePacket(cursor, where);
  else if (next.kind === 'command') event = { kind: 'command', ...where, command: cursor.next().value };
  else if (next.kind === 'code') event = { kind: 'code', ...where, code: cursor.next().value };
  else if (next.kind === 'word' || next.kind === 'ellipsis') event = parseSyscall(cursor, where);
  else return cursor.fail('expected a packet (< or >), a system call, a `command` or a %{ code }% block');
  // parser.y `event`: only a packet the stack sends can arrive "any time" or within a window; what the
  // script itself does (inject, call, run) happens at one definite time.
  const outbound =
    (event.kind === 'tcp' || event.kind === 'udp' || event.kind === 'icmp') && event.direction === 'outbound';
  if (!outbound && where.time.kind === 'any') {
    cursor.fail("'*' time can only be used with outbound packets", timeToken);
  }
  if (!outbound && where.time.kind.endsWith('-range')) {
    cursor.fail('time ranges can only be used with outbound packets', timeToken);
  }
  return event;
}

function parseEventTime(cursor: TokenCursor): EventTime {
  const at = cursor.peek();
  if (cursor.eatPunct('*')) return { kind: 'any' };
  const relative = cursor.eatPunct('+');
  const start = parseSeconds(cursor);
  if (!cursor.eatPunct('~')) {
    return relative ? { kind: 'relative', usecs: start } : { kind: 'absolute', usecs: start };
  }
  // parser.y event_time: both ends of a window use the same base: `0.1~0.2` or `+.1~+.2`.
  if (relative) cursor.expectPunct('+', "a relative time range needs '+' on both ends (+.1~+.2)");
  else if (cursor.isPunct('+')) {
    cursor.fail('an absolute time range needs absolute times on both ends (0.1~0.2)');
  }
  const end = parseSeconds(cursor);
  if (end < start) cursor.fail('time range is backwards', at);
  return relative
    ? { kind: 'relative-range', startUsecs: start, endUsecs: end }
    : { kind: 'absolute-range', startUsecs: start, endUsecs: end };
}

/** Seconds as written (`1`, `.1`, `0.200`) to integer microseconds, exactly; sub-microsecond digits drop. */
function parseSeconds(cursor: TokenCursor): number {
  const token = cursor.peek();
  if (token.kind !== 'int' && token.kind !== 'float') cursor.fail('expected a time in seconds');
  const match = /^(-?)(\d*)(?:\.(\d+))?$/.exec(token.text);
  if (match === null) cursor.fail('expected a time in seconds');
  if (match[1] === '-') cursor.fail('negative time');
  const usecs =
    Number(match[2] || '0') * MICROS_PER_SECOND + Number((match[3] ?? '').padEnd(6, '0').slice(0, 6));
  if (!Number.isSafeInteger(usecs)) cursor.fail('time is too large');
  cursor.next();
  return usecs;
}

function parseSyscall(cursor: TokenCursor, where: { line: number; time: EventTime }): SyscallEvent {
  let endUsecs: number | undefined;
  if (cursor.peek().kind === 'ellipsis') {
    // parser.y opt_end_time: `+0...0.200 accept(...)` is a call that blocks until 0.200.
    cursor.next();
    endUsecs = parseSeconds(cursor);
  }
  const name = cursor.expectWord('expected a system call name').text;
  if (!cursor.isPunct('(')) cursor.fail(`expected '(' after ${name}`);
  const args = parseArguments(cursor);
  cursor.expectPunct('=', "expected '=' and the expected result after the system call");
  const result = parseExpression(cursor, false);
  let errno: SyscallEvent['errno'];
  if (cursor.peek().kind === 'word') {
    const errnoName = cursor.next().text;
    // parser.y opt_errno: an errno name is always followed by its strerror() text in parentheses.
    if (!cursor.isPunct('(')) cursor.fail(`expected '(' and the message after ${errnoName}`);
    errno = { name: errnoName, message: parseNote(cursor) };
  }
  const note = cursor.isPunct('(') ? parseNote(cursor) : undefined;
  return {
    kind: 'syscall',
    ...where,
    name,
    args,
    ...(endUsecs !== undefined && { endUsecs }),
    result,
    ...(errno && { errno }),
    ...(note !== undefined && { note }),
  };
}

/** parser.y `note`: words in parentheses, kept joined by single spaces. */
function parseNote(cursor: TokenCursor): string {
  cursor.next();
  const words: string[] = [];
  while (cursor.peek().kind === 'word' || cursor.peek().kind === 'int') words.push(cursor.next().text);
  if (words.length === 0) cursor.fail('expected words in the note');
  cursor.expectPunct(')', "expected ')' after the note");
  return words.join(' ');
}
