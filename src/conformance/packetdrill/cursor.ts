// A cursor over the token list, shared by the script, packet and expression parsers. It names the token
// in error messages, turns number tokens into checked values, and applies `--define` substitutions.

import { ScriptSyntaxError, type Token, tokenize } from './lexer.ts';

export class TokenCursor {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    readonly file: string,
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  isPunct(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'punct' && token.text === text;
  }

  isWord(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'word' && token.text === text;
  }

  /** Consumes the punctuation `text` if it is next. */
  eatPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.index++;
    return true;
  }

  expectPunct(text: string, message: string): Token {
    if (!this.isPunct(text)) this.fail(message);
    return this.next();
  }

  expectWord(message: string): Token {
    if (this.peek().kind !== 'word') this.fail(message);
    return this.next();
  }

  /** An integer token, range-checked; `what` names it in messages ("mss value"). */
  expectInteger(what: string, max: number, message = `expected ${what}`): number {
    const token = this.peek();
    if (token.kind !== 'int') this.fail(message);
    const value = integerValue(token, this.file);
    if (value < 0 || value > max) this.fail(`${what} out of range (0..${max})`);
    this.index++;
    return value;
  }

  fail(message: string, token: Token = this.peek()): never {
    throw new ScriptSyntaxError({ file: this.file, line: token.line, column: token.column, message });
  }

  /**
   * packetdrill's lexer word(): from here on, a word that names a define is replaced by its value. A value
   * that is one token ("quoted", `back-quoted`, 42, a word) becomes that token; anything else a word.
   */
  applyDefines(defines: ReadonlyMap<string, string>): void {
    if (defines.size === 0) return;
    for (let i = this.index; i < this.tokens.length; i++) {
      const token = this.tokens[i]!;
      const value = token.kind === 'word' ? defines.get(token.text) : undefined;
      if (value === undefined) continue;
      const lexed = tokenize(value, this.file);
      const single = lexed.length === 2 ? lexed[0]! : { kind: 'word' as const, text: value, value };
      this.tokens[i] = { ...single, line: token.line, column: token.column };
    }
  }
}

/** The value of an int token (decimal, possibly negative, or 0x hex), which must fit a double exactly. */
export function integerValue(token: Token, file: string): number {
  const text = token.text;
  const value = text.startsWith('0x') ? Number.parseInt(text.slice(2), 16) : Number.parseInt(text, 10);
  if (!Number.isSafeInteger(value)) {
    throw new ScriptSyntaxError({
      file,
      line: token.line,
      column: token.column,
      message: `integer ${text} is too large`,
    });
  }
  return value;
}
