// Python-style socket addresses: [host, port] with host '' meaning every address and '<broadcast>'
// meaning 255.255.255.255, as in Python's socket module.

import { formatIpv4Address, parseIpv4Address } from '../ip/address.ts';
import { SocketError } from './errors.ts';

export type SocketAddress = [host: string, port: number];

export function toAddr(host: string): number {
  if (host === '') return 0;
  if (host === '<broadcast>') return 0xffffffff;
  const addr = parseIpv4Address(host === 'localhost' ? '127.0.0.1' : host);
  if (addr === undefined) throw new SocketError('EINVAL', 'getaddrinfo', `not an IPv4 address: '${host}'`);
  return addr;
}

export function checkAddress(address: unknown, syscall: string): [number, number] {
  if (!Array.isArray(address) || address.length !== 2 || typeof address[0] !== 'string') {
    throw new TypeError(
      `${syscall}(): AF_INET address must be a [host, port] pair, got ${JSON.stringify(address)}`,
    );
  }
  const port = address[1];
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new RangeError(`${syscall}(): port must be 0-65535, got ${port}`);
  }
  return [toAddr(address[0]), port];
}

export function fromAddr(addr: number, port: number): SocketAddress {
  return [formatIpv4Address(addr), port];
}
