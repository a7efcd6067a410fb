// Linux errno values. The core returns these as typed results (never throws for a network condition);
// the socket facade turns them into Python-style error classes at the edge.

export const Errno = {
  EPERM: 1,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  ENOMEM: 12,
  EFAULT: 14,
  EINVAL: 22,
  EPIPE: 32,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

export type ErrnoName = keyof typeof Errno;

/** Linux's strerror() text, used in messages such as "[Errno 111] Connection refused". */
export const ERRNO_MESSAGES: Record<ErrnoName, string> = {
  EPERM: 'Operation not permitted',
  EINTR: 'Interrupted system call',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  EACCES: 'Permission denied',
  ENOMEM: 'Cannot allocate memory',
  EFAULT: 'Bad address',
  EINVAL: 'Invalid argument',
  EPIPE: 'Broken pipe',
  EDESTADDRREQ: 'Destination address required',
  EMSGSIZE: 'Message too long',
  EPROTOTYPE: 'Protocol wrong type for socket',
  ENOPROTOOPT: 'Protocol not available',
  EPROTONOSUPPORT: 'Protocol not supported',
  ESOCKTNOSUPPORT: 'Socket type not supported',
  EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  ECONNABORTED: 'Software caused connection abort',
  ECONNRESET: 'Connection reset by peer',
  ENOBUFS: 'No buffer space available',
  EISCONN: 'Transport endpoint is already connected',
  ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  EALREADY: 'Operation already in progress',
  EINPROGRESS: 'Operation now in progress',
};

/** A failed core operation: the errno by name. Success values are anything else. */
export interface ErrnoResult {
  readonly errno: ErrnoName;
}

export function fail(errno: ErrnoName): ErrnoResult {
  return ERRNO_RESULTS[errno];
}

export function isErrno(value: unknown): value is ErrnoResult {
  return typeof value === 'object' && value !== null && (value as ErrnoResult).errno in Errno;
}

// One frozen object per errno, so returning an error allocates nothing.
const ERRNO_RESULTS = Object.fromEntries(
  Object.keys(Errno).map((name) => [name, Object.freeze({ errno: name as ErrnoName })]),
) as Record<ErrnoName, ErrnoResult>;
