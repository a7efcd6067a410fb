import { describe, expect, it } from 'vitest';
import { ScriptSyntaxError, tokenize } from '../../../src/conformance/packetdrill/lexer.ts';

/** `kind:text` for each token but the final eof. */
function lex(source: string): string[] {
  return tokenize(source, 't.pkt')
    .slice(0, -1)
    .map((t) => `${t.kind}:${t.text}`);
}

function lexError(source: string): string {
  try {
    tokenize(source, 't.pkt');
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return error.message;
    throw error;
  }
  throw new Error('expected a lexing error');
}

describe('packetdrill lexer', () => {
  it('takes the longest match, like flex', () => {
    expect(lex('P.5')).toEqual(['word:P', 'float:.5']);
    expect(lex('S.')).toEqual(['word:S', 'punct:.']);
    expect(lex('F5.')).toEqual(['word:F5', 'punct:.']);
    expect(lex('+0...0.200')).toEqual(['punct:+', 'int:0', 'ellipsis:...', 'float:0.200']);
    expect(lex('+.1...0.2')).toEqual(['punct:+', 'float:.1', 'ellipsis:...', 'float:0.2']);
    expect(lex('+.1~+.105')).toEqual(['punct:+', 'float:.1', 'punct:~', 'punct:+', 'float:.105']);
    expect(lex('1:1001(1000)')).toEqual(['int:1', 'punct::', 'int:1001', 'punct:(', 'int:1000', 'punct:)']);
    expect(lex('1a 0x2a 0xg -1 - 1')).toEqual([
      'word:1a',
      'int:0x2a',
      'word:0xg',
      'int:-1',
      'punct:-',
      'int:1',
    ]);
    expect(lex('O_RDWR|O_NONBLOCK')).toEqual(['word:O_RDWR', 'punct:|', 'word:O_NONBLOCK']);
  });

  it('skips comments and counts lines and columns from 1', () => {
    const tokens = tokenize('// one\n  /* two\n three */ x // four\n\ty', 't.pkt');
    expect(tokens.map((t) => [t.kind, t.text, t.line, t.column])).toEqual([
      ['word', 'x', 3, 11],
      ['word', 'y', 4, 2],
      ['eof', '', 4, 3],
    ]);
  });

  it('decodes C escapes in strings and keeps commands and code verbatim', () => {
    const [str] = tokenize('"a\\tb\\x41\\101\\"\\\\"', 't.pkt');
    expect(str!.value).toBe('a\tbAA"\\');
    const [command] = tokenize('`a \\`b\\`\nc \\\n d`', 't.pkt');
    expect(command!.value).toBe('a \\`b\\`\nc \\\n d');
    const [code] = tokenize('%{ \t assert x == 1 }%', 't.pkt');
    expect(code!.value).toBe('assert x == 1');
  });

  it('reads an option value up to the next blank, quotes included', () => {
    expect(lex('--mss=1000 --define=CC="a b" --flag --local_ip=192.168.0.1')).toEqual([
      'option:--mss',
      'option-value:1000',
      'option:--define',
      'option-value:CC="a b"',
      'option:--flag',
      'option:--local_ip',
      'option-value:192.168.0.1',
    ]);
    expect(tokenize('--x="quoted value"', 't.pkt')[1]!.value).toBe('quoted value');
  });

  it('names unterminated tokens and bad escapes with their position', () => {
    expect(lexError('x\n  "abc')).toBe('t.pkt:2:3: unterminated string');
    expect(lexError('`abc')).toBe('t.pkt:1:1: unterminated back-quoted command');
    expect(lexError('/* abc')).toBe('t.pkt:1:1: unterminated /* comment');
    expect(lexError('%{ abc }')).toBe("t.pkt:1:1: unterminated %{ code block (expected '}%')");
    expect(lexError('"\\q"')).toBe("t.pkt:1:1: unknown escape '\\q' in string");
    expect(lexError('--x=')).toBe("t.pkt:1:5: expected a value after '='");
  });
});
