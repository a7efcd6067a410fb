// The typed AST of a packetdrill .pkt script (google/packetdrill, gtests/net/packetdrill/parser.y).
// Times are integer microseconds, as in packetdrill (`time_usecs`) and in src/base/time.ts. Every event
// carries the 1-based line of its time, which packetdrill also reports; printing an event and parsing it
// again gives back the same event apart from that line.

export interface Script {
  /** The file name used in error messages. */
  readonly file: string;
  /** `--name=value` lines before the first event (parser.y `option`); `--define` ones are applied too. */
  readonly options: readonly ScriptOption[];
  /** The back-quoted command before the first event (parser.y `init_command`). */
  readonly initCommand?: ScriptCommand;
  readonly events: readonly Event[];
  /** The back-quoted command after the last event, with no time (parser.y `cleanup_command`). */
  readonly cleanupCommand?: ScriptCommand;
}

export interface ScriptOption {
  readonly name: string;
  /** The text after `=` (quotes around a whole value removed, as packetdrill's lexer does). */
  readonly value?: string;
  readonly line: number;
}

export interface ScriptCommand {
  /** The text between the back quotes, verbatim (backslash-newline continuations included). */
  readonly command: string;
  readonly line: number;
}

/**
 * When an event happens (parser.y `event_time`). Relative times count from the previous event; ranges and
 * `*` are only allowed on outbound packets.
 */
export type EventTime =
  | { readonly kind: 'absolute'; readonly usecs: number }
  | { readonly kind: 'relative'; readonly usecs: number }
  | { readonly kind: 'absolute-range'; readonly startUsecs: number; readonly endUsecs: number }
  | { readonly kind: 'relative-range'; readonly startUsecs: number; readonly endUsecs: number }
  | { readonly kind: 'any' };

export type Event =
  | TcpPacketEvent
  | UdpPacketEvent
  | IcmpPacketEvent
  | SyscallEvent
  | CommandEvent
  | CodeEvent;

export type PacketEvent = TcpPacketEvent | UdpPacketEvent | IcmpPacketEvent;

/** `<` is a packet the script injects, `>` one the stack under test must send. */
export type Direction = 'inbound' | 'outbound';

interface EventBase {
  readonly line: number;
  readonly time: EventTime;
}

/**
 * IP header annotations in `[...]` (parser.y `ip_info`): an ECN codepoint or a TOS byte, optionally with
 * a flow label; or a TTL alone. `ect01` (either ECT codepoint) is for outbound packets only.
 */
export interface IpInfo {
  readonly ecn?: 'noecn' | 'ect0' | 'ect1' | 'ce' | 'ect01';
  readonly tos?: number;
  readonly flowLabel?: number;
  readonly ttl?: number;
}

/** `sport>dport` before the flags; absent means the script's default ports. */
export interface PortPair {
  readonly src: number;
  readonly dst: number;
}

/**
 * TCP flags by letter (tcp_packet.c `valid_tcp_flags`): S F R P U, `.` = ACK, E = ECE, W = CWR, A = AE.
 * `ace` is the AccECN ACE field written as a digit (`P.5`); it excludes E, W and A. `-` is no flags.
 */
export interface TcpFlags {
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ack: boolean;
  readonly urg: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
  readonly ae: boolean;
  readonly ace?: number;
}

export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

/** One entry of a `<...>` option list, in wire order (parser.y `tcp_option`). */
export type TcpOption =
  | { readonly kind: 'nop' }
  | { readonly kind: 'eol' }
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sackOK' }
  | { readonly kind: 'sack'; readonly blocks: readonly SackBlock[] }
  | { readonly kind: 'timestamp'; readonly val: number; readonly ecr: number }
  /** Any other option (`md5 HEX`, `FO cookie`, `ECN e0b 1 ...`), kept as its name and following words. */
  | { readonly kind: 'other'; readonly name: string; readonly words: readonly string[] };

export interface TcpPacketEvent extends EventBase {
  readonly kind: 'tcp';
  readonly direction: Direction;
  readonly ip?: IpInfo;
  readonly ports?: PortPair;
  readonly flags: TcpFlags;
  /** `start:end(length)`: relative sequence number of the first byte and the payload length. */
  readonly seq: number;
  readonly length: number;
  readonly ack?: number;
  /** Absent only on outbound packets, meaning "do not check the window". */
  readonly window?: number;
  readonly urgent?: number;
  /** `'any'` for `<...>` (outbound only: do not check); `[]` means the segment must carry no options. */
  readonly options: readonly TcpOption[] | 'any';
}

export interface UdpPacketEvent extends EventBase {
  readonly kind: 'udp';
  readonly direction: Direction;
  readonly ip?: IpInfo;
  readonly ports?: PortPair;
  /** Payload length: `udp (100)`. */
  readonly length: number;
}

/** What an ICMP error quotes: `[seq:end(len)]`, `[udp(len)]` or `[raw(len)]` (parser.y `opt_icmp_echoed`). */
export type IcmpEchoed =
  | { readonly protocol: 'tcp'; readonly seq: number; readonly length: number }
  | { readonly protocol: 'udp'; readonly length: number }
  | { readonly protocol: 'raw'; readonly length: number };

export interface IcmpPacketEvent extends EventBase {
  readonly kind: 'icmp';
  readonly direction: Direction;
  readonly ip?: IpInfo;
  /** Names as packetdrill's icmp_packet.c knows them, e.g. `unreachable`, `frag_needed`. */
  readonly type: string;
  readonly code?: string;
  readonly mtu?: number;
  readonly id?: number;
  readonly echoed?: IcmpEchoed;
}

/**
 * A system call line: `name(args) = result [ERRNO (message)] [(note)]`. A blocking call has `endUsecs`:
 * written `+0...0.200`, it must return at that time, in the same time base as the start.
 */
export interface SyscallEvent extends EventBase {
  readonly kind: 'syscall';
  readonly name: string;
  readonly args: readonly Expression[];
  readonly endUsecs?: number;
  readonly result: Expression;
  readonly errno?: { readonly name: string; readonly message: string };
  readonly note?: string;
}

/** A back-quoted shell command run at its time; it must exit 0. */
export interface CommandEvent extends EventBase {
  readonly kind: 'command';
  readonly command: string;
}

/** A `%{ python }%` block, kept as opaque text (surrounding blanks trimmed, as packetdrill does). */
export interface CodeEvent extends EventBase {
  readonly kind: 'code';
  readonly code: string;
}

/** A system call argument or result (parser.y `expression`). */
export type Expression =
  | { readonly kind: 'int'; readonly value: number; readonly hex: boolean }
  /** `...`: don't care, or "use the script's default" (addresses, buffers). */
  | { readonly kind: 'ellipsis' }
  /** A name resolved by the runner: SOCK_STREAM, O_NONBLOCK, NULL, AF_INET... */
  | { readonly kind: 'symbol'; readonly name: string }
  /** A string (escapes decoded, adjacent strings joined); `prefix` for `"abc"...` (the rest is free). */
  | { readonly kind: 'string'; readonly value: string; readonly prefix: boolean }
  /** `A|B|C`, flattened; operands are never themselves `or`. */
  | { readonly kind: 'or'; readonly operands: readonly Expression[] }
  /** `[x]` (a pointer to an int), `[]`, `[{...}, {...}]`. */
  | { readonly kind: 'array'; readonly items: readonly Expression[] }
  /** `{fd=4, events=POLLOUT}`, `{..., 100}`, `{msg_name(...)=..., msg_iov(1)=[...], msg_flags=0}`. */
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  /** `htons(8080)`, `inet_addr("192.0.2.1")`. */
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expression[] };

/** A struct member: `name=value`, `name(args)=value` (msghdr's `msg_iov(3)=`) or a bare positional value. */
export interface StructField {
  readonly name?: string;
  readonly args?: readonly Expression[];
  readonly value: Expression;
}

/** A parse failure, reported as `file:line:column: message`. */
export interface ScriptError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ScriptError };

export function formatScriptError(error: ScriptError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.message}`;
}
