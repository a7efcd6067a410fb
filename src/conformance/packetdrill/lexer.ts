// Tokens of the .pkt language, after packetdrill's flex scanner (gtests/net/packetdrill/lexer.l).
// Like flex, the scanner takes the longest match at each position and breaks ties by rule order
// (ellipsis, option, float, integer, hex, word); that is what splits `P.5` into `P` and `.5`, keeps
// `0...0.200` as `0`, `...`, `0.200`, and reads `1:1001(1000)` as integers and punctuation.
// Unlike flex, keywords (`ack`, `win`, `mss`...) stay plain words: the parser gives them meaning by
// position, so a name such as `fd` or `linger` is still usable as a struct field.

import type { ScriptError } from './ast.ts';

export type TokenKind =
  | 'int' // -12, 0x2a
  | 'float' // .1, 0.200, -1.5
  | 'word' // [A-Za-z0-9_]+ that is not a number
  | 'string' // "..." (value: escapes decoded)
  | 'command' // `...` (value: the text inside, verbatim)
  | 'code' // %{ ... }% (value: the text inside, blanks trimmed)
  | 'option' // --name (value: name)
  | 'option-value' // the raw text after `--name=`
  | 'ellipsis' // ...
  | 'punct' // any other single character
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token. */
  readonly text: string;
  /** The decoded value for string, command, code and option tokens; otherwise the text. */
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

/** Thrown inside the parser only; the public functions return it as a ScriptError. */
export class ScriptSyntaxError extends Error {
  constructor(readonly error: ScriptError) {
    super(`${error.file}:${error.line}:${error.column}: ${error.message}`);
  }
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHexDigit = (c: string | undefined): boolean => c !== undefined && /[0-9a-fA-F]/.test(c);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export function tokenize(source: string, file: string): Token[] {
  return new Lexer(source, file).run();
}

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {}

  run(): Token[] {
    const s = this.source;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (isBlank(c)) this.advance(1);
      else if (s.startsWith('//', this.pos)) this.skipLineComment();
      else if (s.startsWith('/*', this.pos)) this.skipBlockComment();
      else if (s.startsWith('...', this.pos)) this.push('ellipsis', 3);
      else if (s.startsWith('--', this.pos) && isWordChar(s[this.pos + 2])) this.option();
      else if (s.startsWith('%{', this.pos)) this.code();
      else if (c === '"') this.string();
      else if (c === '`') this.command();
      else if (isWordChar(c) || c === '-' || c === '.') this.numberOrWord();
      else this.push('punct', 1);
    }
    this.tokens.push({ kind: 'eof', text: '', value: '', line: this.line, column: this.column });
    return this.tokens;
  }

  private get column(): number {
    return this.pos - this.lineStart + 1;
  }

  fail(message: string, line = this.line, column = this.column): never {
    throw new ScriptSyntaxError({ file: this.file, line, column, message });
  }

  /** Moves over `count` characters, keeping line and column in step. */
  private advance(count: number): void {
    const end = this.pos + count;
    for (; this.pos < end; this.pos++) {
      if (this.source[this.pos] === '\n') {
        this.line++;
        this.lineStart = this.pos + 1;
      }
    }
  }

  private push(kind: TokenKind, length: number, value?: string): void {
    const text = this.source.slice(this.pos, this.pos + length);
    this.tokens.push({ kind, text, value: value ?? text, line: this.line, column: this.column });
    this.advance(length);
  }

  private skipLineComment(): void {
    const end = this.source.indexOf('\n', this.pos);
    this.advance((end < 0 ? this.source.length : end) - this.pos);
  }

  private skipBlockComment(): void {
    const end = this.source.indexOf('*/', this.pos + 2);
    if (end < 0) this.fail('unterminated /* comment');
    this.advance(end + 2 - this.pos);
  }

  /** `--name`, and if `=` follows, its value up to the next blank (quoted parts may hold blanks). */
  private option(): void {
    let end = this.pos + 2;
    while (isWordChar(this.source[end])) end++;
    this.push('option', end - this.pos, this.source.slice(this.pos + 2, end));
    if (this.source[this.pos] !== '=') return;
    this.advance(1);
    let stop = this.pos;
    while (stop < this.source.length && !isBlank(this.source[stop])) {
      const quote = this.source[stop];
      if (quote === '"' || quote === '`') {
        const close = this.source.indexOf(quote, stop + 1);
        if (close < 0) this.fail(`unterminated ${quote} in option value`);
        stop = close;
      }
      stop++;
    }
    if (stop === this.pos) this.fail(`expected a value after '='`);
    const raw = this.source.slice(this.pos, stop);
    const whole =
      raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') && !raw.slice(1, -1).includes('"');
    this.push('option-value', stop - this.pos, whole ? raw.slice(1, -1) : raw);
  }

  private code(): void {
    const end = this.source.indexOf('}%', this.pos + 2);
    if (end < 0) this.fail("unterminated %{ code block (expected '}%')");
    // lexer.l code(): packetdrill strips spaces and tabs at both ends, since Python cares about indentation.
    const inner = this.source.slice(this.pos + 2, end).replace(/^[ \t]+|[ \t]+$/g, '');
    this.push('code', end + 2 - this.pos, inner);
  }

  private command(): void {
    const end = this.closing('`');
    if (end < 0) this.fail('unterminated back-quoted command');
    this.push('command', end + 1 - this.pos, this.source.slice(this.pos + 1, end));
  }

  private string(): void {
    const end = this.closing('"');
    if (end < 0) this.fail('unterminated string');
    const line = this.line;
    const column = this.column;
    const value = decodeEscapes(this.source.slice(this.pos + 1, end), (message) =>
      this.fail(message, line, column),
    );
    this.push('string', end + 1 - this.pos, value);
  }

  /** Index of the closing delimiter; a backslash escapes any character (lexer.l `(\\.|[^"])*`). */
  private closing(delimiter: string): number {
    for (let i = this.pos + 1; i < this.source.length; i++) {
      const c = this.source[i];
      if (c === '\\') i++;
      else if (c === delimiter) return i;
    }
    return -1;
  }

  private numberOrWord(): void {
    const s = this.source;
    const start = this.pos;
    const word = matchRun(s, start, isWordChar);
    let integer = 0;
    let float = 0;
    let hex = 0;
    let i = s[start] === '-' ? start + 1 : start;
    const digitsEnd = matchRun(s, i, isDigit);
    if (digitsEnd > i) integer = digitsEnd;
    if (s[digitsEnd] === '.' && isDigit(s[digitsEnd + 1])) float = matchRun(s, digitsEnd + 1, isDigit);
    i = start;
    if (s[i] === '0' && s[i + 1] === 'x' && isHexDigit(s[i + 2])) hex = matchRun(s, i + 2, isHexDigit);
    // Longest match wins; on a tie the earlier flex rule does: float, integer, hex, word.
    const best = Math.max(word, integer, float, hex);
    if (best <= start) this.push('punct', 1);
    else if (best === float) this.push('float', float - start);
    else if (best === integer) this.push('int', integer - start);
    else if (best === hex) this.push('int', hex - start);
    else this.push('word', word - start);
  }
}

function matchRun(s: string, from: number, accept: (c: string | undefined) => boolean): number {
  let i = from;
  while (accept(s[i])) i++;
  return i;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '?': '?',
};

/** C escapes, as a C string literal in a script means: \n, \xHH, \ooo and friends. */
function decodeEscapes(raw: string, fail: (message: string) => never): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i];
    if (e === undefined) fail('unterminated escape in string');
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
    } else if (e === 'x' && isHexDigit(raw[i + 1])) {
      const end = isHexDigit(raw[i + 2]) ? i + 3 : i + 2;
      out += String.fromCharCode(Number.parseInt(raw.slice(i + 1, end), 16));
      i = end - 1;
    } else if (e >= '0' && e <= '7') {
      let end = i + 1;
      while (end < i + 3 && raw[end]! >= '0' && raw[end]! <= '7') end++;
      out += String.fromCharCode(Number.parseInt(raw.slice(i, end), 8));
      i = end - 1;
    } else {
      fail(`unknown escape '\\${e}' in string`);
    }
  }
  return out;
}
