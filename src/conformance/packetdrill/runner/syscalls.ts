// System calls of a script on the stack's non-blocking endpoint API (TcpLayer, Tcb, TcpListener), as a fresh
// Linux process would see them: fds from 3, O_NONBLOCK per socket, errno results. A call that would block
// on a blocking socket returns `blocked` with a retry: the runner calls it again after every step of the
// stack, and the call returns at the script time it becomes possible (NOTES.md §8.2, the `...` end time).
// Option values follow Linux where scripts read them back (SO_SNDBUF stores twice the request, socket(7)).

import { Errno, type ErrnoName, isErrno } from '../../../base/errno.ts';
import { type Instant, seconds } from '../../../base/time.ts';
import type { StackCore } from '../../../stack.ts';
import type { TcpSocketOptions } from '../../../tcp/config.ts';
import type { TcpListener } from '../../../tcp/listener.ts';
import type { Tcb } from '../../../tcp/tcb.ts';
import type { Expression, SyscallEvent } from '../ast.ts';
import {
  ArgumentError,
  field,
  intValue,
  iovecLength,
  isNull,
  requiredInt,
  sockaddrValue,
} from './arguments.ts';
import { symbolValue } from './symbols.ts';

export interface SyscallEnv {
  /** The stack under test (created on first use, after the init command's sysctls). */
  readonly core: StackCore;
  readonly now: Instant;
  readonly localAddr: number;
  readonly remoteAddr: number;
  /** The port `bind(fd, ..., ...)` and `connect(fd, ..., ...)` use (8080, as run_all.py). */
  readonly defaultPort: number;
  /** The connection under test changed: inbound packets now go to these ports (remote: the script's own). */
  setFlow(localPort: number, remotePort?: number): void;
}

export type CallOutcome =
  | {
      readonly kind: 'returned';
      readonly value: number;
      readonly errno?: ErrnoName;
      readonly mismatch?: string;
    }
  | { readonly kind: 'blocked'; readonly retry: () => CallOutcome; readonly deadline?: Instant };

export const SUPPORTED_SYSCALLS: ReadonlySet<string> = new Set([
  'socket',
  'bind',
  'listen',
  'accept',
  'connect',
  'read',
  'readv',
  'recv',
  'recvfrom',
  'write',
  'writev',
  'send',
  'sendto',
  'sendmsg',
  'close',
  'shutdown',
  'setsockopt',
  'getsockopt',
  'fcntl',
  'ioctl',
  'poll',
]);

interface SocketEntry {
  nonBlocking: boolean;
  /** Options set before the connection exists; a listener passes them to accepted connections. */
  options: Partial<TcpSocketOptions>;
  reuseAddr: boolean;
  bound?: [addr: number, port: number];
  listener?: TcpListener;
  tcb?: Tcb;
}

const O_RDWR = 2;
const O_NONBLOCK = 0x800;
const F_GETFL = 3;
const F_SETFL = 4;
const MSG_DONTWAIT = 0x40;
/** Send flags that change nothing ustack can express: accepted, and the packets show the difference. */
const SEND_FLAGS_IGNORED = 0x4000 /* MSG_NOSIGNAL */ | 0x8000; /* MSG_MORE */
/** The write ends a record: the stack never coalesces later data into its last segment. */
const MSG_EOR = 0x80;
const POLL = {
  IN: 0x1,
  OUT: 0x4,
  ERR: 0x8,
  HUP: 0x10,
  NVAL: 0x20,
  RDNORM: 0x40,
  WRNORM: 0x100,
  RDHUP: 0x2000,
};
/** Linux's floor for SO_SNDBUF / SO_RCVBUF after doubling (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF). */
const MIN_SNDBUF = 4608;
const MIN_RCVBUF = 2304;
/** Linux's TCP_MAXSEG bounds (TCP_MIN_MSS, MAX_TCP_WINDOW). */
const MIN_MAXSEG = 88;
const MAX_MAXSEG = 32767;

const returned = (value: number, errno?: ErrnoName, mismatch?: string): CallOutcome =>
  errno === undefined
    ? mismatch === undefined
      ? { kind: 'returned', value }
      : { kind: 'returned', value, mismatch }
    : { kind: 'returned', value: -1, errno };
const failed = (errno: ErrnoName): CallOutcome => returned(-1, errno);

/** The process the script's system calls run in: its fd table and the labels the script uses for fds. */
export class ScriptProcess {
  private readonly sockets = new Map<number, SocketEntry>();
  private readonly labels = new Map<number, number>();
  private nextFd = 3;

  constructor(private readonly env: SyscallEnv) {}

  /** `socket(...) = 3` and `accept(...) = 4` name the fd the call returned: 3 is that fd from now on. */
  label(scriptFd: number, liveFd: number): void {
    this.labels.set(scriptFd, liveFd);
  }

  call(event: SyscallEvent): CallOutcome {
    const args = event.args;
    switch (event.name) {
      case 'socket':
        return this.socket(args);
      case 'bind':
        return this.bind(this.entry(args[0]), args[1]);
      case 'listen':
        return this.listen(this.entry(args[0]), args[1]);
      case 'accept':
        return this.accept(this.entry(args[0]));
      case 'connect':
        return this.connect(this.entry(args[0]), args[1]);
      case 'read':
      case 'recv':
      case 'recvfrom':
        return this.read(this.entry(args[0]), args[1], requiredInt(args[2], 'length'), flagsArg(args[3]));
      case 'readv':
        return this.read(this.entry(args[0]), args[1], iovecLength(args[1]!), 0);
      case 'write':
      case 'send':
      case 'sendto':
        return this.write(this.entry(args[0]), args[1], requiredInt(args[2], 'length'), flagsArg(args[3]));
      case 'writev':
        return this.write(this.entry(args[0]), args[1], iovecLength(args[1]!), 0);
      case 'sendmsg':
        return this.write(this.entry(args[0]), args[1], msgLength(args[1]), flagsArg(args[2]));
      case 'close':
        return this.close(args[0]);
      case 'shutdown':
        return this.shutdown(this.entry(args[0]), requiredInt(args[1], 'how'));
      case 'setsockopt':
        return this.setsockopt(this.entry(args[0]), args);
      case 'getsockopt':
        return this.getsockopt(this.entry(args[0]), args);
      case 'fcntl':
        return this.fcntl(this.entry(args[0]), args);
      case 'ioctl':
        return this.ioctl(this.entry(args[0]), args);
      case 'poll':
        return this.poll(args);
      default:
        throw new ArgumentError(`unsupported system call ${event.name}`);
    }
  }

  private fd(expression: Expression | undefined): number {
    const scriptFd = requiredInt(expression, 'fd');
    return this.labels.get(scriptFd) ?? scriptFd;
  }

  private entry(expression: Expression | undefined): SocketEntry | undefined {
    return this.sockets.get(this.fd(expression));
  }

  private socket(args: readonly Expression[]): CallOutcome {
    const type = requiredInt(args[1], 'type');
    if (type !== symbolValue('SOCK_STREAM'))
      throw new ArgumentError('only SOCK_STREAM sockets are supported');
    const fd = this.nextFd++;
    this.sockets.set(fd, { nonBlocking: false, options: {}, reuseAddr: false });
    return returned(fd);
  }

  private bind(entry: SocketEntry | undefined, address: Expression | undefined): CallOutcome {
    if (!entry) return failed('EBADF');
    if (entry.bound || entry.tcb || entry.listener) return failed('EINVAL');
    const where = sockaddrValue(address ?? { kind: 'ellipsis' }, [this.env.localAddr, this.env.defaultPort]);
    if (where === 'unspec') return failed('EAFNOSUPPORT');
    if (this.env.core.tcp.portInUse(where[0], where[1])) return failed('EADDRINUSE');
    entry.bound = where;
    return returned(0);
  }

  private listen(entry: SocketEntry | undefined, backlog: Expression | undefined): CallOutcome {
    if (!entry) return failed('EBADF');
    if (entry.tcb) return failed('EINVAL');
    if (entry.listener) return returned(0);
    const [addr, port] = entry.bound ?? [this.env.localAddr, this.env.defaultPort];
    // Linux children inherit the listener's socket options (sk_clone_lock): the layer starts each accepted
    // connection with them.
    const listener = this.env.core.tcp.listen(addr, port, requiredInt(backlog, 'backlog'), entry.options);
    if (isErrno(listener)) return failed(listener.errno);
    entry.listener = listener;
    this.env.setFlow(port);
    return returned(0);
  }

  private accept(entry: SocketEntry | undefined): CallOutcome {
    if (!entry) return failed('EBADF');
    const listener = entry.listener;
    if (!listener) return failed('EINVAL');
    const attempt = (): CallOutcome => {
      const tcb = listener.accept();
      if (!isErrno(tcb)) {
        const fd = this.nextFd++;
        this.sockets.set(fd, { nonBlocking: false, options: { ...entry.options }, reuseAddr: false, tcb });
        this.env.setFlow(tcb.localPort, tcb.remotePort);
        return returned(fd);
      }
      if (tcb.errno === 'EAGAIN' && !entry.nonBlocking) return { kind: 'blocked', retry: attempt };
      return failed(tcb.errno);
    };
    return attempt();
  }

  private connect(entry: SocketEntry | undefined, address: Expression | undefined): CallOutcome {
    if (!entry) return failed('EBADF');
    if (entry.listener) return failed('EISCONN');
    const existing = entry.tcb;
    if (existing) {
      if (existing.state === 'SYN_SENT' || existing.state === 'SYN_RECEIVED') return failed('EALREADY');
      const error = existing.takeError();
      return error ? failed(error) : failed('EISCONN');
    }
    const remote = sockaddrValue(address ?? { kind: 'ellipsis' }, [
      this.env.remoteAddr,
      this.env.defaultPort,
    ]);
    if (remote === 'unspec') throw new ArgumentError('connect(AF_UNSPEC) is not supported');
    const [localAddr, localPort] = entry.bound ?? [this.env.localAddr, 0];
    const tcb = this.env.core.tcp.connect(
      this.env.now,
      localAddr,
      localPort,
      remote[0],
      remote[1],
      entry.options,
    );
    if (isErrno(tcb)) return failed(tcb.errno);
    entry.tcb = tcb;
    this.env.setFlow(tcb.localPort, remote[1]);
    if (entry.nonBlocking) return failed('EINPROGRESS');
    const wait = (): CallOutcome => {
      if (tcb.state === 'SYN_SENT' || tcb.state === 'SYN_RECEIVED') return { kind: 'blocked', retry: wait };
      const error = tcb.takeError();
      if (error) return failed(error);
      return tcb.state === 'CLOSED' ? failed('ECONNREFUSED') : returned(0);
    };
    return wait();
  }

  private read(
    entry: SocketEntry | undefined,
    buffer: Expression | undefined,
    length: number,
    flags: number,
  ) {
    if (!entry) return failed('EBADF');
    if (flags & ~MSG_DONTWAIT) throw new ArgumentError(`unsupported recv flags 0x${flags.toString(16)}`);
    // The kernel faults when it copies into the user's buffer: NULL is EFAULT (syscall-invalid-buf-ptr).
    if (isNull(buffer)) return failed('EFAULT');
    const tcb = entry.tcb;
    if (!tcb) return failed('ENOTCONN');
    const nonBlocking = entry.nonBlocking || (flags & MSG_DONTWAIT) !== 0;
    const attempt = (): CallOutcome => {
      const n = tcb.recv(new Uint8Array(length));
      if (!isErrno(n)) return returned(n);
      if (n.errno === 'EAGAIN' && !nonBlocking) return { kind: 'blocked', retry: attempt };
      return failed(n.errno);
    };
    return attempt();
  }

  private write(
    entry: SocketEntry | undefined,
    buffer: Expression | undefined,
    length: number,
    flags: number,
  ) {
    if (!entry) return failed('EBADF');
    if (flags & ~(MSG_DONTWAIT | MSG_EOR | SEND_FLAGS_IGNORED))
      throw new ArgumentError(`unsupported send flags 0x${flags.toString(16)}`);
    if (isNull(buffer)) return failed('EFAULT');
    const tcb = entry.tcb;
    // Linux tcp_sendmsg on a socket that never connected: sk_stream_wait_connect gives EPIPE.
    if (!tcb) return failed('EPIPE');
    const nonBlocking = entry.nonBlocking || (flags & MSG_DONTWAIT) !== 0;
    let written = 0;
    // A blocking write returns only when everything is queued (or on an error after a partial write).
    const attempt = (): CallOutcome => {
      while (written < length) {
        const n = tcb.send(new Uint8Array(length - written), (flags & MSG_EOR) !== 0);
        if (isErrno(n)) {
          if (n.errno === 'EAGAIN' && !nonBlocking) return { kind: 'blocked', retry: attempt };
          return written > 0 ? returned(written) : failed(n.errno);
        }
        if (n === 0) return nonBlocking ? returned(written) : { kind: 'blocked', retry: attempt };
        written += n;
      }
      return returned(written);
    };
    return attempt();
  }

  private close(fdArg: Expression | undefined): CallOutcome {
    const fd = this.fd(fdArg);
    const entry = this.sockets.get(fd);
    if (!entry) return failed('EBADF');
    entry.tcb?.close();
    entry.listener?.close();
    this.sockets.delete(fd);
    return returned(0);
  }

  private shutdown(entry: SocketEntry | undefined, how: number): CallOutcome {
    if (!entry) return failed('EBADF');
    if (how < 0 || how > 2) return failed('EINVAL');
    if (!entry.tcb) return failed('ENOTCONN');
    const result = entry.tcb.shutdown(how === 0 ? 'read' : how === 1 ? 'write' : 'both');
    return result === undefined ? returned(0) : failed(result.errno);
  }

  private setsockopt(entry: SocketEntry | undefined, args: readonly Expression[]): CallOutcome {
    if (!entry) return failed('EBADF');
    const level = requiredInt(args[1], 'level');
    const name = requiredInt(args[2], 'option name');
    const valueArg = args[3]!;
    const set = (key: keyof TcpSocketOptions, value: number | boolean): CallOutcome => {
      (entry.options as Record<string, number | boolean>)[key] = value;
      entry.tcb?.setOptions({ [key]: value });
      return returned(0);
    };
    const option = optionName(level, name);
    if (option === 'SO_LINGER') {
      if (valueArg.kind !== 'struct') throw new ArgumentError('SO_LINGER takes {onoff=..., linger=...}');
      const onoff = requiredInt(field(valueArg.fields, 'onoff'), 'onoff');
      const linger = requiredInt(field(valueArg.fields, 'linger'), 'linger');
      return set('lingerZero', onoff !== 0 && linger === 0);
    }
    const value = requiredInt(valueArg, 'option value');
    switch (option) {
      case 'SO_REUSEADDR':
        entry.reuseAddr = value !== 0;
        return returned(0);
      case 'SO_KEEPALIVE':
        return set('keepAlive', value !== 0);
      // socket(7): "The kernel doubles this value (to allow space for bookkeeping overhead)".
      case 'SO_SNDBUF':
        return set('sendBuffer', Math.max(MIN_SNDBUF, value * 2));
      case 'SO_RCVBUF':
        return set('recvBuffer', Math.max(MIN_RCVBUF, value * 2));
      case 'TCP_NODELAY':
        return set('noDelay', value !== 0);
      case 'TCP_MAXSEG':
        if (value < MIN_MAXSEG || value > MAX_MAXSEG) return failed('EINVAL');
        return set('maxSeg', value);
      case 'TCP_KEEPIDLE':
      case 'TCP_KEEPINTVL':
        if (value < 1 || value > 32767) return failed('EINVAL');
        return set(option === 'TCP_KEEPIDLE' ? 'keepIdle' : 'keepIntvl', seconds(value));
      case 'TCP_KEEPCNT':
        if (value < 1 || value > 127) return failed('EINVAL');
        return set('keepCnt', value);
      default:
        return failed('ENOPROTOOPT');
    }
  }

  private getsockopt(entry: SocketEntry | undefined, args: readonly Expression[]): CallOutcome {
    if (!entry) return failed('EBADF');
    const option = optionName(requiredInt(args[1], 'level'), requiredInt(args[2], 'option name'));
    const config = this.env.core.tcp.config;
    const options = { ...entry.options, ...entry.tcb?.options };
    let value: number;
    switch (option) {
      case 'SO_REUSEADDR':
        value = Number(entry.reuseAddr);
        break;
      case 'SO_KEEPALIVE':
        value = Number(options.keepAlive ?? false);
        break;
      case 'SO_SNDBUF':
        value = options.sendBuffer ?? config.sendBuffer;
        break;
      case 'SO_RCVBUF':
        value = options.recvBuffer ?? config.recvBuffer;
        break;
      case 'SO_ERROR': {
        const error = entry.tcb?.takeError();
        value = error ? Errno[error] : 0;
        break;
      }
      case 'TCP_NODELAY':
        value = Number(options.noDelay ?? !config.nagle);
        break;
      case 'TCP_MAXSEG':
        value = entry.tcb?.sndMss ?? (options.maxSeg || 536);
        break;
      case 'TCP_KEEPIDLE':
        value = (options.keepIdle ?? config.keepIdle) / seconds(1);
        break;
      case 'TCP_KEEPINTVL':
        value = (options.keepIntvl ?? config.keepIntvl) / seconds(1);
        break;
      case 'TCP_KEEPCNT':
        value = options.keepCnt ?? config.keepCnt;
        break;
      default:
        return failed('ENOPROTOOPT');
    }
    return returned(0, undefined, compareOut(args[3], value, option ?? 'option value'));
  }

  private fcntl(entry: SocketEntry | undefined, args: readonly Expression[]): CallOutcome {
    if (!entry) return failed('EBADF');
    const command = requiredInt(args[1], 'command');
    if (command === F_GETFL) return returned(O_RDWR | (entry.nonBlocking ? O_NONBLOCK : 0));
    if (command === F_SETFL) {
      entry.nonBlocking = (requiredInt(args[2], 'flags') & O_NONBLOCK) !== 0;
      return returned(0);
    }
    throw new ArgumentError(`unsupported fcntl command ${command}`);
  }

  private ioctl(entry: SocketEntry | undefined, args: readonly Expression[]): CallOutcome {
    if (!entry) return failed('EBADF');
    const request = requiredInt(args[1], 'request');
    if (request === symbolValue('SIOCINQ')) {
      if (entry.listener) return failed('EINVAL');
      return returned(0, undefined, compareOut(args[2], entry.tcb?.recvQueued ?? 0, 'SIOCINQ'));
    }
    if (request === symbolValue('SIOCOUTQ')) {
      if (entry.listener) return failed('EINVAL');
      return returned(0, undefined, compareOut(args[2], entry.tcb?.sendQueued ?? 0, 'SIOCOUTQ'));
    }
    throw new ArgumentError(`unsupported ioctl 0x${request.toString(16)}`);
  }

  private poll(args: readonly Expression[]): CallOutcome {
    const list = args[0];
    if (list?.kind !== 'array') throw new ArgumentError('poll takes a [{fd=..., events=...}] list');
    const timeout = requiredInt(args[2], 'timeout');
    const requests = list.items.map((item) => {
      if (item.kind !== 'struct') throw new ArgumentError('poll takes a [{fd=..., events=...}] list');
      const fd = this.fd(field(item.fields, 'fd'));
      const events = intValue(field(item.fields, 'events') ?? { kind: 'int', value: 0, hex: false }) ?? 0;
      const revents = field(item.fields, 'revents');
      return { fd, events, revents: revents === undefined ? undefined : intValue(revents) };
    });
    const deadline = timeout < 0 ? undefined : this.env.now + timeout * 1000;
    const attempt = (): CallOutcome => {
      const got = requests.map((r) => this.revents(r.fd) & (r.events | POLL.ERR | POLL.HUP | POLL.NVAL));
      const ready = got.filter((r) => r !== 0).length;
      if (ready === 0 && (deadline === undefined || this.env.now < deadline))
        return deadline === undefined
          ? { kind: 'blocked', retry: attempt }
          : { kind: 'blocked', retry: attempt, deadline };
      const wrong = requests.findIndex((r, i) => r.revents !== undefined && r.revents !== got[i]);
      const mismatch =
        wrong < 0 ? undefined : `revents 0x${got[wrong]!.toString(16)} for fd ${requests[wrong]!.fd}`;
      return returned(ready, undefined, mismatch);
    };
    return attempt();
  }

  /** What poll reports for a socket (Linux tcp_poll, reduced to what the endpoint API can tell). */
  private revents(fd: number): number {
    const entry = this.sockets.get(fd);
    if (!entry) return POLL.NVAL;
    if (entry.listener) return entry.listener.readable ? POLL.IN | POLL.RDNORM : 0;
    const tcb = entry.tcb;
    if (!tcb) return POLL.OUT | POLL.HUP;
    let bits = 0;
    if (tcb.pendingError !== undefined) bits |= POLL.ERR;
    if (tcb.state === 'CLOSED') bits |= POLL.HUP;
    if (tcb.recvQueued > 0) bits |= POLL.IN | POLL.RDNORM;
    if (tcb.peerClosed) bits |= POLL.IN | POLL.RDNORM | POLL.RDHUP;
    if (tcb.state !== 'SYN_SENT' && tcb.state !== 'SYN_RECEIVED' && tcb.writable)
      bits |= POLL.OUT | POLL.WRNORM;
    return bits;
  }
}

function flagsArg(expression: Expression | undefined): number {
  return expression === undefined ? 0 : (intValue(expression) ?? 0);
}

/** The payload length of a msghdr `{msg_name(...)=..., msg_iov(N)=[...], msg_flags=0}`. */
function msgLength(expression: Expression | undefined): number {
  if (expression?.kind !== 'struct') throw new ArgumentError('sendmsg takes a msghdr struct');
  const iov = field(expression.fields, 'msg_iov');
  if (!iov) throw new ArgumentError('msghdr without msg_iov');
  return iovecLength(iov);
}

/** Compares an output argument `[v]` with the value the call produced; `...` accepts anything. */
function compareOut(expression: Expression | undefined, value: number, what: string): string | undefined {
  if (expression === undefined || expression.kind === 'ellipsis') return undefined;
  const expected = intValue(expression);
  return expected === undefined || expected === value ? undefined : `${what} is [${value}]`;
}

const OPTION_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['SOL_SOCKET', 'SO_REUSEADDR'],
  ['SOL_SOCKET', 'SO_KEEPALIVE'],
  ['SOL_SOCKET', 'SO_SNDBUF'],
  ['SOL_SOCKET', 'SO_RCVBUF'],
  ['SOL_SOCKET', 'SO_ERROR'],
  ['SOL_SOCKET', 'SO_LINGER'],
  ['SOL_TCP', 'TCP_NODELAY'],
  ['SOL_TCP', 'TCP_MAXSEG'],
  ['SOL_TCP', 'TCP_KEEPIDLE'],
  ['SOL_TCP', 'TCP_KEEPINTVL'],
  ['SOL_TCP', 'TCP_KEEPCNT'],
];

/** The option a (level, name) pair stands for, among those the runner implements. */
function optionName(level: number, name: number): string | undefined {
  for (const [levelName, optName] of OPTION_NAMES)
    if (symbolValue(levelName) === level && symbolValue(optName) === name) return optName;
  return undefined;
}
