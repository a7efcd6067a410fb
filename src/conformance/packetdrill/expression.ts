// System call arguments and results (parser.y `expression`). packetdrill has one grammar rule per C
// struct it knows (sockaddr, msghdr, iovec, pollfd, linger, cmsg...); here one generic rule covers them
// all: `{` fields `}` where a field is `name=value`, `name(args)=value` or a bare value. The runner gives
// the fields meaning by the call they appear in, so new struct shapes need no parser change.

import type { Expression, StructField } from './ast.ts';
import { integerValue, type TokenCursor } from './cursor.ts';

/**
 * Parses `operand ('|' operand)*`. `calls` allows `name(args)` operands; it is off for a system call's
 * result, where `= X (note)` is a symbol followed by a note, not a call.
 */
export function parseExpression(cursor: TokenCursor, calls: boolean): Expression {
  const first = parseOperand(cursor, calls);
  if (!cursor.isPunct('|')) return first;
  const operands: Expression[] = [first];
  while (cursor.eatPunct('|')) operands.push(parseOperand(cursor, calls));
  return { kind: 'or', operands };
}

/** `(a, b, ...)` after a call name; the opening parenthesis is next. */
export function parseArguments(cursor: TokenCursor): Expression[] {
  cursor.expectPunct('(', "expected '(' before arguments");
  const args: Expression[] = [];
  if (cursor.eatPunct(')')) return args;
  do args.push(parseExpression(cursor, true));
  while (cursor.eatPunct(','));
  cursor.expectPunct(')', "expected ')' after arguments");
  return args;
}

function parseOperand(cursor: TokenCursor, calls: boolean): Expression {
  const token = cursor.peek();
  switch (token.kind) {
    case 'ellipsis':
      cursor.next();
      return { kind: 'ellipsis' };
    case 'int':
      cursor.next();
      return { kind: 'int', value: integerValue(token, cursor.file), hex: token.text.startsWith('0x') };
    case 'string':
      return parseString(cursor);
    case 'word':
      cursor.next();
      if (calls && cursor.isPunct('(')) {
        return { kind: 'call', name: token.text, args: parseArguments(cursor) };
      }
      return { kind: 'symbol', name: token.text };
    case 'punct':
      if (token.text === '[') return parseArray(cursor);
      if (token.text === '{') return parseStruct(cursor);
      break;
  }
  return cursor.fail('expected an expression');
}

/** Adjacent strings join, as in C (parser.y `string_sequence`); `"abc"...` matches any continuation. */
function parseString(cursor: TokenCursor): Expression {
  let value = '';
  while (cursor.peek().kind === 'string') value += cursor.next().value;
  const prefix = cursor.peek().kind === 'ellipsis';
  if (prefix) cursor.next();
  return { kind: 'string', value, prefix };
}

function parseArray(cursor: TokenCursor): Expression {
  cursor.next();
  const items: Expression[] = [];
  if (cursor.eatPunct(']')) return { kind: 'array', items };
  do items.push(parseExpression(cursor, true));
  while (cursor.eatPunct(','));
  cursor.expectPunct(']', "expected ']' after array items");
  return { kind: 'array', items };
}

function parseStruct(cursor: TokenCursor): Expression {
  cursor.next();
  const fields: StructField[] = [];
  if (cursor.isPunct('}')) cursor.fail('expected a struct field');
  do fields.push(parseField(cursor));
  while (cursor.eatPunct(','));
  cursor.expectPunct('}', "expected '}' after struct fields");
  return { kind: 'struct', fields };
}

function parseField(cursor: TokenCursor): StructField {
  const start = cursor.peek();
  const head = parseExpression(cursor, true);
  if (!cursor.isPunct('=')) return { value: head };
  if (head.kind === 'symbol') {
    cursor.next();
    return { name: head.name, value: parseExpression(cursor, true) };
  }
  if (head.kind === 'call') {
    cursor.next();
    return { name: head.name, args: head.args, value: parseExpression(cursor, true) };
  }
  return cursor.fail("a field name before '=' must be a word", start);
}
