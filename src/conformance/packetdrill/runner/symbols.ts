// The names packetdrill scripts use for constants (packetdrill's symbols_linux.c), with Linux's values:
// socket levels and options, fcntl and open flags, send/recv flags, shutdown modes, poll events, ioctls
// and errnos. A name missing here makes the script fail with "unknown symbol", never a silent 0.

import { Errno } from '../../../base/errno.ts';

const SYMBOLS: Readonly<Record<string, number>> = {
  AF_UNSPEC: 0,
  AF_INET: 2,
  AF_INET6: 10,
  PF_INET: 2,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  SOL_IP: 0,
  SOL_SOCKET: 1,
  SOL_TCP: 6,
  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_REUSEPORT: 15,
  SO_RCVLOWAT: 18,
  TCP_NODELAY: 1,
  TCP_MAXSEG: 2,
  TCP_CORK: 3,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  TCP_SYNCNT: 7,
  TCP_LINGER2: 8,
  TCP_DEFER_ACCEPT: 9,
  TCP_WINDOW_CLAMP: 10,
  TCP_INFO: 11,
  TCP_QUICKACK: 12,
  TCP_CONGESTION: 13,
  TCP_USER_TIMEOUT: 18,
  TCP_NOTSENT_LOWAT: 25,
  IP_TOS: 1,
  IP_TTL: 2,
  IP_MTU_DISCOVER: 10,
  IP_PMTUDISC_DONT: 0,
  IP_PMTUDISC_WANT: 1,
  IP_PMTUDISC_DO: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_NONBLOCK: 0x800,
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_DONTWAIT: 0x40,
  MSG_EOR: 0x80,
  MSG_WAITALL: 0x100,
  MSG_NOSIGNAL: 0x4000,
  MSG_MORE: 0x8000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDNORM: 0x40,
  POLLRDBAND: 0x80,
  POLLWRNORM: 0x100,
  POLLWRBAND: 0x200,
  POLLRDHUP: 0x2000,
  SIOCINQ: 0x541b,
  FIONREAD: 0x541b,
  SIOCOUTQ: 0x5411,
  TIOCOUTQ: 0x5411,
  SIOCOUTQNSD: 0x894b,
};

/** The value of a symbolic constant, or undefined for a name this runner does not know. */
export function symbolValue(name: string): number | undefined {
  return SYMBOLS[name] ?? (name in Errno ? Errno[name as keyof typeof Errno] : undefined);
}

/** The errno name for a number (for messages), e.g. 111 → ECONNREFUSED. */
export function errnoName(value: number): string {
  for (const [name, n] of Object.entries(Errno)) if (n === value) return name;
  return String(value);
}
