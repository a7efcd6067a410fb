// The packetdrill interpreter: runs a parsed script against an in-process StackCore on a virtual clock.
//
//   inbound `<` line  → advance the clock to its time (firing every stack deadline on the way, collecting
//                       what the stack sends), then inject real IPv4+TCP bytes (wire.ts)
//   outbound `>` line → take the next packet the stack sent (advancing the clock until one leaves), check
//                       it (matcher.ts) and its time against the line's window ± tolerance
//   system call       → advance to its time and run it (syscalls.ts); a blocked call is retried after every
//                       stack step and checked when it returns, against its `...` end time
//   command           → sysctls and no-ops (commands.ts); `%{ }%` code → the script is skipped
//
// Time rules follow packetdrill's run.c (NOTES.md §8.2): relative times count from the actual time of the
// previous event (consecutive inbound packets: from the previous one's script time; a blocking call: from
// its start), and an event passes within max(tolerance_usecs, tolerance_percent × its gap) of its time.

import type { ErrnoName } from '../../../base/errno.ts';
import { ERRNO_MESSAGES } from '../../../base/errno.ts';
import { SeededRng } from '../../../base/rng.ts';
import { type Instant, seconds } from '../../../base/time.ts';
import { StackCore } from '../../../stack.ts';
import type { Event, Script, SyscallEvent, TcpOption, TcpPacketEvent } from '../ast.ts';
import { formatScriptError } from '../ast.ts';
import { parseScript } from '../parser.ts';
import { printEvent, printSeconds } from '../print.ts';
import { ArgumentError, intValue, parseIpv4Address } from './arguments.ts';
import { applyCommand } from './commands.ts';
import { defaultSysctls, linuxTcpConfig, type Sysctls } from './linux-profile.ts';
import { aggregate, describeLive, matchOutbound, type SeqSpace, TimestampLabels } from './matcher.ts';
import { type CallOutcome, ScriptProcess, SUPPORTED_SYSCALLS } from './syscalls.ts';
import { buildInbound, decodeOutbound, encodeOptions, flagBits, type LiveSegment } from './wire.ts';

export interface RunOptions {
  /** Seeds the stack's RNG and secret (ISNs, ports, timestamp offset); default 1. */
  readonly seed?: number;
  /** The peer's ISN: inbound `0:0(0)` SYNs carry this live sequence number. */
  readonly remoteIsn?: number;
  /** The peer's port for the connection under test (packetdrill picks an ephemeral one). */
  readonly remotePort?: number;
}

export type ScriptOutcome =
  | { readonly status: 'pass'; readonly file: string }
  | {
      readonly status: 'fail';
      readonly file: string;
      readonly line: number;
      /** The script's line in packetdrill notation. */
      readonly expected: string;
      /** What happened instead, in the same notation where it is a packet or a return value. */
      readonly actual: string;
    }
  | { readonly status: 'skip'; readonly file: string; readonly reason: string };

/** Parses and runs one script; a parse error is a failure at its position. */
export function runScriptSource(source: string, file: string, options: RunOptions = {}): ScriptOutcome {
  const parsed = parseScript(source, { file });
  if (!parsed.ok) {
    const { error } = parsed;
    return {
      status: 'fail',
      file,
      line: error.line,
      expected: 'a valid script',
      actual: formatScriptError(error),
    };
  }
  return runScript(parsed.value, options);
}

export function runScript(script: Script, options: RunOptions = {}): ScriptOutcome {
  const unsupported = unsupportedFeature(script);
  if (unsupported) return { status: 'skip', file: script.file, reason: unsupported };
  return new Interpreter(script, options).run();
}

/** Script options the runner honours; any other makes the script unsupported. */
const KNOWN_OPTIONS = new Set([
  'tolerance_usecs',
  'tolerance_percent',
  'mss',
  'mtu',
  'tcp_ts_tick_usecs',
  'strict_segments',
  'local_ip',
  'remote_ip',
  'ip_version',
  'define',
]);

/** What in a script this runner cannot run, found before running it, or undefined. */
export function unsupportedFeature(script: Script): string | undefined {
  for (const option of script.options) {
    if (!KNOWN_OPTIONS.has(option.name)) return `unsupported option --${option.name}`;
    if (option.name === 'ip_version' && option.value !== 'ipv4')
      return `unsupported --ip_version=${option.value}`;
  }
  for (const event of script.events) {
    if (event.kind === 'code') return 'python code block';
    if (event.kind === 'udp' || event.kind === 'icmp') return `unsupported packet: ${event.kind}`;
    if (event.kind === 'syscall' && !SUPPORTED_SYSCALLS.has(event.name))
      return `unsupported system call ${event.name}`;
    if (event.kind === 'tcp' && event.options !== 'any') {
      const other = event.options.find((o) => o.kind === 'other');
      if (other && other.kind === 'other') return `unsupported TCP option ${other.name}`;
    }
  }
  return undefined;
}

/** The stack's clock at script time 0: far from 0 so no timer arithmetic meets the epoch. */
const EPOCH: Instant = seconds(1000);
const LOCAL_ADDR = '192.168.0.1';
const REMOTE_ADDR = '192.0.2.1';
const DEFAULT_PORT = 8080;
/** packetdrill's sniffer gives up this long after an outbound packet's expected time. */
const SNIFF_GRACE = seconds(2);
/** How long past its expected return a blocked call may stay blocked before the script fails. */
const BLOCKED_GRACE = seconds(2);
/** A stack that still has work after this many polls at one instant is spinning; stop asking. */
const MAX_POLLS_PER_INSTANT = 256;

interface BlockedCall {
  readonly event: SyscallEvent;
  readonly start: number;
  readonly end: number;
  readonly tolerance: number;
  retry: () => CallOutcome;
  deadline: number | undefined;
}

class Failure {
  constructor(
    readonly line: number,
    readonly expected: string,
    readonly actual: string,
  ) {}
}

class Interpreter {
  private readonly sysctls: Sysctls = defaultSysctls();
  private stack: StackCore | undefined;
  private readonly process: ScriptProcess;
  /** Script time now, µs from the first event. */
  private now = 0;
  private readonly sent: LiveSegment[] = [];
  private blocked: BlockedCall | undefined;
  /** Actual time of the previous event; for an inbound packet also its script time. */
  private anchor = 0;
  private previousInboundScriptTime: number | undefined;
  private readonly space: SeqSpace;
  private readonly labels = new TimestampLabels();
  private readonly flow: { localPort: number; remotePort: number };
  private readonly toleranceUsecs: number;
  private readonly tolerancePercent: number;
  private readonly tsTickUsecs: number | undefined;
  private readonly strictSegments: boolean;
  private readonly localAddr: number;
  private readonly remoteAddr: number;
  private readonly mtu: number;
  private readonly defaultRemotePort: number;

  constructor(
    private readonly script: Script,
    private readonly options: RunOptions,
  ) {
    const option = (name: string): string | undefined => script.options.find((o) => o.name === name)?.value;
    const number = (name: string, fallback: number): number => {
      const value = option(name);
      return value === undefined ? fallback : Number(value);
    };
    // config.c set_default_config: 4 ms or 12.5 % of the gap, whichever is larger.
    this.toleranceUsecs = number('tolerance_usecs', 4000);
    this.tolerancePercent = number('tolerance_percent', 12.5);
    const tick = option('tcp_ts_tick_usecs');
    this.tsTickUsecs = tick === undefined ? undefined : Number(tick);
    this.strictSegments = script.options.some((o) => o.name === 'strict_segments');
    this.localAddr = parseIpv4Address(option('local_ip') ?? LOCAL_ADDR);
    this.remoteAddr = parseIpv4Address(option('remote_ip') ?? REMOTE_ADDR);
    this.mtu = number('mtu', 1500);
    this.defaultRemotePort = options.remotePort ?? 48_879;
    this.space = { remoteIsn: (options.remoteIsn ?? 0x2a0a_5000) >>> 0, localIss: undefined };
    this.flow = { localPort: DEFAULT_PORT, remotePort: this.defaultRemotePort };
    const interpreter = this;
    this.process = new ScriptProcess({
      get core() {
        return interpreter.core;
      },
      get now() {
        return EPOCH + interpreter.now;
      },
      localAddr: this.localAddr,
      remoteAddr: this.remoteAddr,
      defaultPort: DEFAULT_PORT,
      setFlow: (localPort, remotePort) => {
        this.flow.localPort = localPort;
        this.flow.remotePort = remotePort ?? this.defaultRemotePort;
      },
    });
  }

  /** The stack under test, made at first use so that the init command's sysctls shape its config. */
  private get core(): StackCore {
    if (this.stack === undefined) {
      const seed = this.options.seed ?? 1;
      const secretRng = new SeededRng(seed ^ 0x5eed);
      this.stack = new StackCore({
        interfaces: [{ addr: this.localAddr, prefixLen: 16, mtu: this.mtu }],
        gateway: (this.localAddr & 0xffff0000) | 2,
        tcp: linuxTcpConfig(this.sysctls),
        rng: new SeededRng(seed),
        secret: Uint8Array.from({ length: 16 }, () => secretRng.nextU32() & 0xff),
      });
    }
    return this.stack;
  }

  run(): ScriptOutcome {
    const file = this.script.file;
    try {
      if (this.script.initCommand) {
        const why = applyCommand(this.script.initCommand.command, this.sysctls);
        if (why) return { status: 'skip', file, reason: why };
      }
      for (const event of this.script.events) {
        const skip = this.runEvent(event);
        if (skip) return { status: 'skip', file, reason: skip };
      }
      this.finishBlocked();
      return { status: 'pass', file };
    } catch (error) {
      if (error instanceof Failure)
        return { status: 'fail', file, line: error.line, expected: error.expected, actual: error.actual };
      throw error;
    }
  }

  /** Runs one event; returns a skip reason for a command the runner cannot honour. */
  private runEvent(event: Event): string | undefined {
    const [start, end] = this.window(event);
    switch (event.kind) {
      case 'tcp':
        if (event.direction === 'inbound') this.inbound(event, start);
        else this.outbound(event, start, end);
        return undefined;
      case 'syscall':
        this.syscall(event, start);
        return undefined;
      case 'command': {
        this.advanceTo(start);
        if (this.stack !== undefined && !/(^|\/)(ethtool|sysctl_restore_)/.test(event.command.trim()))
          return `command after the stack started: ${event.command.trim()}`;
        const why = applyCommand(event.command, this.sysctls);
        this.settle(this.now);
        return why;
      }
      default:
        return `unsupported event: ${event.kind}`;
    }
  }

  /** The event's [start, end] in script time (end = start for a point in time). */
  private window(event: Event): [number, number] {
    const time = event.time;
    // Consecutive inbound packets are timed from each other's script time (run.c adjust_relative_event_times).
    const inbound = event.kind === 'tcp' && event.direction === 'inbound';
    const base = inbound ? (this.previousInboundScriptTime ?? this.anchor) : this.anchor;
    switch (time.kind) {
      case 'absolute':
        return [time.usecs, time.usecs];
      case 'relative':
        return [base + time.usecs, base + time.usecs];
      case 'absolute-range':
        return [time.startUsecs, time.endUsecs];
      case 'relative-range':
        return [base + time.startUsecs, base + time.endUsecs];
      case 'any':
        return [this.now, Number.POSITIVE_INFINITY];
    }
  }

  private tolerance(expected: number, previous: number): number {
    return Math.max(this.toleranceUsecs, (this.tolerancePercent / 100) * Math.max(0, expected - previous));
  }

  /** Records the previous event's time for relative times; `scriptTime` only for an inbound packet. */
  private settle(at: number, scriptTime?: number): void {
    this.anchor = at;
    this.previousInboundScriptTime = scriptTime;
  }

  // ---- the clock ---------------------------------------------------------------------------------

  /** Polls the stack at `now` until it has nothing more due, retrying a blocked call after each poll. */
  private step(): void {
    if (this.stack === undefined) {
      this.retryBlocked();
      return;
    }
    const core = this.stack;
    const at = EPOCH + this.now;
    for (let i = 0; i < MAX_POLLS_PER_INSTANT; i++) {
      core.poll(at, (_iface, packet) => this.capture(packet));
      this.retryBlocked();
      const next = core.pollAt();
      if (next === undefined || next > at) break;
    }
  }

  private capture(packet: Uint8Array): void {
    const segment = decodeOutbound(packet, this.now);
    if (typeof segment === 'string')
      throw new Failure(0, 'only TCP segments', `${segment} at ${printSeconds(this.now)}`);
    this.sent.push(segment);
  }

  /** The next script time something is due after `now`: a stack deadline or a blocked poll()'s timeout. */
  private nextWake(): number | undefined {
    let next: number | undefined;
    const due = this.stack?.pollAt();
    if (due !== undefined && due - EPOCH > this.now) next = due - EPOCH;
    const deadline = this.blocked?.deadline;
    if (
      deadline !== undefined &&
      deadline - EPOCH > this.now &&
      (next === undefined || deadline - EPOCH < next)
    )
      next = deadline - EPOCH;
    return next;
  }

  /** Moves the clock to `to` (never back), firing every deadline on the way; stops early once `until()`. */
  private advanceTo(to: number, until?: () => boolean): void {
    this.step();
    while (!until?.()) {
      const next = this.nextWake();
      if (next === undefined || next > to) break;
      this.now = next;
      this.step();
    }
    if (until?.()) return;
    if (to > this.now) {
      this.now = to;
      this.step();
    }
  }

  // ---- packets -----------------------------------------------------------------------------------

  private inbound(event: TcpPacketEvent, start: number): void {
    this.advanceTo(start);
    const { space } = this;
    const ports = event.ports ?? { src: this.flow.remotePort, dst: this.flow.localPort };
    const options = event.options === 'any' ? [] : event.options.map((o) => this.liveInboundOption(o));
    const optionBytes = encodeOptions(options);
    if (typeof optionBytes === 'string')
      throw new Failure(event.line, printEvent(event), `unsupported ${optionBytes}`);
    const ecn = event.ip?.ecn;
    const tos = (event.ip?.tos ?? 0) | (ecn === 'ect0' ? 2 : ecn === 'ect1' ? 1 : ecn === 'ce' ? 3 : 0);
    const packet = buildInbound(
      {
        srcAddr: this.remoteAddr,
        dstAddr: this.localAddr,
        tos,
        ttl: event.ip?.ttl ?? 64,
        srcPort: ports.src,
        dstPort: ports.dst,
        flags: flagBits(event.flags),
        seq: (space.remoteIsn + event.seq) >>> 0,
        ack: ((space.localIss ?? 0) + (event.ack ?? 0)) >>> 0,
        window: event.window ?? 0,
        urgent: event.urgent ?? 0,
        options,
        payloadLength: event.length,
      },
      optionBytes,
    );
    this.core.ingress(EPOCH + this.now, 0, packet);
    this.step();
    this.settle(this.now, start);
  }

  /** An inbound option in live numbers: SACK blocks in the stack's space, TS ecr echoing a live val. */
  private liveInboundOption(option: TcpOption): TcpOption {
    const iss = this.space.localIss ?? 0;
    if (option.kind === 'sack')
      return {
        kind: 'sack',
        blocks: option.blocks.map((b) => ({ left: (iss + b.left) >>> 0, right: (iss + b.right) >>> 0 })),
      };
    if (option.kind === 'timestamp')
      return { kind: 'timestamp', val: option.val, ecr: this.labels.live(option.ecr) };
    return option;
  }

  private outbound(event: TcpPacketEvent, start: number, end: number): void {
    const tolerance = this.tolerance(start, this.anchor);
    const limit = (Number.isFinite(end) ? end + tolerance : this.now) + SNIFF_GRACE;
    this.advanceTo(limit, () => this.sent.length > 0);
    const first = this.sent.shift();
    const expected = printEvent(event);
    if (first === undefined)
      throw new Failure(event.line, expected, `no packet (waited until ${printSeconds(this.now)})`);
    const pieces = [first];
    if (!this.strictSegments) {
      let total = first.payload.length;
      while (total < event.length && first.payload.length > 0) {
        const next = this.sent[0];
        const last = pieces[pieces.length - 1]!;
        if (next === undefined || next.srcPort !== last.srcPort || next.dstPort !== last.dstPort) break;
        if (next.seq !== (last.seq + last.payload.length) >>> 0 || total + next.payload.length > event.length)
          break;
        pieces.push(this.sent.shift()!);
        total += next.payload.length;
      }
    }
    const live = aggregate(pieces);
    const actual = (): string => {
      const line = describeLive(live, this.space, this.flow.localPort);
      return printEvent({ ...line, time: { kind: 'absolute', usecs: live.at } });
    };
    const wrongPort =
      event.ports === undefined &&
      (live.srcPort !== this.flow.localPort || live.dstPort !== this.flow.remotePort);
    const why = wrongPort
      ? 'a packet of another connection'
      : matchOutbound(event, live, {
          space: this.space,
          labels: this.labels,
          tsTickUsecs: this.tsTickUsecs,
          toleranceUsecs: this.toleranceUsecs,
        });
    if (why) throw new Failure(event.line, expected, `${actual()} (${why})`);
    if (live.at < start - tolerance || live.at > end + tolerance) {
      const window = Number.isFinite(end)
        ? start === end
          ? printSeconds(start)
          : `${printSeconds(start)}~${printSeconds(end)}`
        : `${printSeconds(start)} or later`;
      throw new Failure(
        event.line,
        expected,
        `${actual()} (expected at ${window} ±${printSeconds(tolerance)})`,
      );
    }
    this.settle(live.at);
  }

  // ---- system calls ------------------------------------------------------------------------------

  private syscall(event: SyscallEvent, start: number): void {
    this.advanceTo(start);
    if (this.blocked) this.waitForBlocked();
    const end = event.endUsecs === undefined ? start : this.endTime(event, start);
    let outcome: CallOutcome;
    try {
      outcome = this.process.call(event);
    } catch (error) {
      if (error instanceof ArgumentError) throw new Failure(event.line, printEvent(event), error.message);
      throw error;
    }
    const tolerance = this.tolerance(end, start);
    if (outcome.kind === 'blocked') {
      this.blocked = {
        event,
        start: this.now,
        end,
        tolerance,
        retry: outcome.retry,
        deadline: outcome.deadline,
      };
    } else {
      this.finishCall(event, outcome, end, tolerance);
    }
    // A blocking call's start time anchors the next event (run.c: the call completes in the background).
    this.settle(this.now);
    this.step();
  }

  /** `+0...0.200`: the end is absolute for an absolute start, else from the same anchor as the start. */
  private endTime(event: SyscallEvent, start: number): number {
    const endUsecs = event.endUsecs!;
    const time = event.time;
    return time.kind === 'relative' ? start - time.usecs + endUsecs : endUsecs;
  }

  private retryBlocked(): void {
    const blocked = this.blocked;
    if (blocked === undefined) return;
    const outcome = blocked.retry();
    if (outcome.kind === 'blocked') {
      blocked.retry = outcome.retry;
      blocked.deadline = outcome.deadline;
      return;
    }
    this.blocked = undefined;
    this.finishCall(blocked.event, outcome, blocked.end, blocked.tolerance);
  }

  /** Runs the clock until the blocked call returns; it must by its end time plus a grace. */
  private waitForBlocked(): void {
    const blocked = this.blocked!;
    this.advanceTo(blocked.end + blocked.tolerance + BLOCKED_GRACE, () => this.blocked === undefined);
    if (this.blocked !== undefined)
      throw new Failure(
        blocked.event.line,
        printEvent(blocked.event),
        `still blocked at ${printSeconds(this.now)} (expected to return at ${printSeconds(blocked.end)})`,
      );
  }

  private finishBlocked(): void {
    if (this.blocked) this.waitForBlocked();
  }

  private finishCall(
    event: SyscallEvent,
    outcome: Extract<CallOutcome, { kind: 'returned' }>,
    end: number,
    tolerance: number,
  ): void {
    const got = `${event.name}(...) = ${outcome.value}${outcome.errno ? ` ${outcome.errno} (${ERRNO_MESSAGES[outcome.errno]})` : ''}`;
    const why = this.resultMismatch(event, outcome);
    if (why) throw new Failure(event.line, printEvent(event), `${got} (${why})`);
    if (event.endUsecs !== undefined && Math.abs(this.now - end) > tolerance)
      throw new Failure(
        event.line,
        printEvent(event),
        `${got} at ${printSeconds(this.now)} (expected at ${printSeconds(end)} ±${printSeconds(tolerance)})`,
      );
  }

  private resultMismatch(
    event: SyscallEvent,
    outcome: Extract<CallOutcome, { kind: 'returned' }>,
  ): string | undefined {
    const expected = intValue(event.result);
    if (expected === undefined) return outcome.mismatch;
    // run_system_call.c end_syscall CHECK_FD: any fd will do, and the script's number labels it.
    if ((event.name === 'socket' || event.name === 'accept') && expected >= 0 && outcome.value >= 0) {
      this.process.label(expected, outcome.value);
      return undefined;
    }
    if (expected !== outcome.value) return 'return value differs';
    if (event.errno !== undefined && event.errno.name !== (outcome.errno as ErrnoName | undefined))
      return 'errno differs';
    return outcome.mismatch;
  }
}
