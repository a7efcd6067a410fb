// Python's OSError hierarchy for socket errors: one base class with Linux's errno and name, and the
// subclasses Python raises, so `catch (e) { if (e instanceof ConnectionRefusedError) … }` reads as in Python.

import { ERRNO_MESSAGES, Errno, type ErrnoName } from '../base/errno.ts';

export class SocketError extends Error {
  readonly errno: number;
  readonly code: ErrnoName | 'ETIMEDOUT';
  readonly strerror: string;
  /** The call that failed, as Node's errors carry it ('connect', 'recv', …). */
  readonly syscall: string | undefined;

  constructor(code: ErrnoName, syscall?: string, message?: string) {
    const strerror = message ?? ERRNO_MESSAGES[code];
    super(`[Errno ${Errno[code]}] ${strerror}`);
    this.name = new.target.name;
    this.errno = Errno[code];
    this.code = code;
    this.strerror = strerror;
    this.syscall = syscall;
  }
}

export class BlockingIOError extends SocketError {}
export class InterruptedError extends SocketError {}
export class BrokenPipeError extends SocketError {}
export class ConnectionRefusedError extends SocketError {}
export class ConnectionResetError extends SocketError {}
export class ConnectionAbortedError extends SocketError {}

/**
 * Python's TimeoutError: both socket.timeout (a call on a socket in timeout mode ran out of time; message
 * "timed out", as Python) and an OSError with ETIMEDOUT (TCP gave up retransmitting).
 */
export class TimeoutError extends SocketError {
  constructor(syscall?: string, fromErrno = false) {
    super('ETIMEDOUT', syscall, fromErrno ? undefined : 'timed out');
    if (!fromErrno) this.message = 'timed out';
  }
}

/** The Python class for an errno (OSError's constructor does the same mapping). */
export function socketError(code: ErrnoName, syscall?: string): SocketError {
  switch (code) {
    case 'EAGAIN':
    case 'EINPROGRESS':
    case 'EALREADY':
      return new BlockingIOError(code, syscall);
    case 'EINTR':
      return new InterruptedError(code, syscall);
    case 'EPIPE':
      return new BrokenPipeError(code, syscall);
    case 'ECONNREFUSED':
      return new ConnectionRefusedError(code, syscall);
    case 'ECONNRESET':
      return new ConnectionResetError(code, syscall);
    case 'ECONNABORTED':
      return new ConnectionAbortedError(code, syscall);
    case 'ETIMEDOUT':
      return new TimeoutError(syscall, true);
    default:
      return new SocketError(code, syscall);
  }
}
