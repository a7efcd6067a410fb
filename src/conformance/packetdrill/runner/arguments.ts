// Reading system call arguments from script expressions: integers, symbols, `A|B`, `[x]` pointers to an
// int, sockaddr and linger structs, iovec lists. An argument the runner cannot read is an ArgumentError
// (the script fails with its text), never a silent default.

import type { Expression, StructField } from '../ast.ts';
import { printExpression } from '../print.ts';
import { symbolValue } from './symbols.ts';

export class ArgumentError extends Error {}

/** An integer from `5`, `0x5`, `SO_SNDBUF`, `O_RDWR|O_NONBLOCK` or `[5]`; undefined for `...`. */
export function intValue(expression: Expression): number | undefined {
  switch (expression.kind) {
    case 'int':
      return expression.value;
    case 'ellipsis':
      return undefined;
    case 'symbol': {
      const value = symbolValue(expression.name);
      if (value === undefined) throw new ArgumentError(`unknown symbol ${expression.name}`);
      return value;
    }
    case 'or':
      return expression.operands.reduce((bits, operand) => bits | (intValue(operand) ?? 0), 0);
    case 'array':
      if (expression.items.length === 1) return intValue(expression.items[0]!);
      break;
    case 'call':
      if (expression.name === 'htons' || expression.name === 'htonl') return intValue(expression.args[0]!);
      break;
    default:
      break;
  }
  throw new ArgumentError(`expected an integer, got ${printExpression(expression)}`);
}

/** Like intValue, but `...` is an error: the argument is required. */
export function requiredInt(expression: Expression | undefined, what: string): number {
  const value = expression === undefined ? undefined : intValue(expression);
  if (value === undefined) throw new ArgumentError(`${what} is required`);
  return value;
}

export function isNull(expression: Expression | undefined): boolean {
  return expression?.kind === 'symbol' && expression.name === 'NULL';
}

export function field(fields: readonly StructField[], name: string): Expression | undefined {
  return fields.find((f) => f.name === name)?.value;
}

/** A dotted-quad string as a host-order uint32. */
export function parseIpv4Address(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new ArgumentError(`not an IPv4 address: ${text}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/**
 * A sockaddr argument: `...` means the script's default (NOTES.md §8.3), a struct gives sin_addr and
 * sin_port, `AF_UNSPEC` is the "disconnect" address. Returns [addr, port] or 'unspec'.
 */
export function sockaddrValue(
  expression: Expression,
  fallback: [number, number],
): [number, number] | 'unspec' {
  if (expression.kind === 'ellipsis') return fallback;
  if (expression.kind === 'symbol' && expression.name === 'AF_UNSPEC') return 'unspec';
  if (expression.kind !== 'struct')
    throw new ArgumentError(`expected a sockaddr, got ${printExpression(expression)}`);
  const port = field(expression.fields, 'sin_port');
  const addr = field(expression.fields, 'sin_addr');
  let address = fallback[0];
  if (addr?.kind === 'call' && addr.name === 'inet_addr' && addr.args[0]?.kind === 'string')
    address = parseIpv4Address(addr.args[0].value);
  return [address, port === undefined ? fallback[1] : (intValue(port) ?? fallback[1])];
}

/** The total length of an iovec list `[{..., 100}, {..., 200}]`. */
export function iovecLength(expression: Expression): number {
  if (expression.kind !== 'array')
    throw new ArgumentError(`expected an iovec list, got ${printExpression(expression)}`);
  let total = 0;
  for (const item of expression.items) {
    if (item.kind !== 'struct') throw new ArgumentError(`expected {..., len}, got ${printExpression(item)}`);
    const len = field(item.fields, 'iov_len') ?? item.fields[item.fields.length - 1]?.value;
    total += requiredInt(len, 'iov_len');
  }
  return total;
}
