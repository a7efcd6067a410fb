// Prints AST nodes back in packetdrill notation, for "expected vs actual" messages. The output parses back
// to the same node (apart from line numbers): parseSingleEvent(printEvent(e)) gives e. Numbers come out in
// one canonical form (times as trimmed decimals, `+0.1`), so the text may differ from the original script.

import type {
  Event,
  EventTime,
  Expression,
  IcmpEchoed,
  IpInfo,
  PortPair,
  Script,
  StructField,
  TcpFlags,
  TcpOption,
} from './ast.ts';

const MICROS_PER_SECOND = 1_000_000;

export function printScript(script: Script): string {
  const lines: string[] = [];
  for (const option of script.options) lines.push(printOption(option.name, option.value));
  if (script.initCommand) lines.push(`\`${script.initCommand.command}\``);
  for (const event of script.events) lines.push(printEvent(event));
  if (script.cleanupCommand) lines.push(`\`${script.cleanupCommand.command}\``);
  return `${lines.join('\n')}\n`;
}

function printOption(name: string, value: string | undefined): string {
  if (value === undefined) return `--${name}`;
  // The lexer ends a value at a blank unless it is quoted, and strips quotes around a whole value.
  return /\s/.test(value) && !value.includes('"') ? `--${name}="${value}"` : `--${name}=${value}`;
}

export function printEvent(event: Event): string {
  const time = printTime(event.time);
  switch (event.kind) {
    case 'tcp': {
      const header = packetHead(event.direction, event.ip);
      const ports = event.ports ? `${printPorts(event.ports)} ` : '';
      const seq = `${event.seq}:${event.seq + event.length}(${event.length})`;
      const ack = event.ack !== undefined ? ` ack ${event.ack}` : '';
      const win = event.window !== undefined ? ` win ${event.window}` : '';
      const urg = event.urgent !== undefined ? ` urg ${event.urgent}` : '';
      const options =
        event.options === 'any'
          ? ' <...>'
          : event.options.length > 0
            ? ` ${printTcpOptions(event.options)}`
            : '';
      return `${time} ${header}${ports}${printTcpFlags(event.flags)} ${seq}${ack}${win}${urg}${options}`;
    }
    case 'udp': {
      const ports = event.ports ? `${printPorts(event.ports)} ` : '';
      return `${time} ${packetHead(event.direction, event.ip)}udp ${ports}(${event.length})`;
    }
    case 'icmp': {
      const code = event.code !== undefined ? ` ${event.code}` : '';
      const mtu = event.mtu !== undefined ? ` mtu ${event.mtu}` : '';
      const id = event.id !== undefined ? ` id ${event.id}` : '';
      const echoed = event.echoed ? ` [${printEchoed(event.echoed)}]` : '';
      return `${time} ${packetHead(event.direction, event.ip)}icmp ${event.type}${code}${mtu}${id}${echoed}`;
    }
    case 'syscall': {
      const end = event.endUsecs !== undefined ? `...${printSeconds(event.endUsecs)}` : '';
      const args = event.args.map(printExpression).join(', ');
      const errno = event.errno ? ` ${event.errno.name} (${event.errno.message})` : '';
      const note = event.note !== undefined ? ` (${event.note})` : '';
      return `${time}${end} ${event.name}(${args}) = ${printExpression(event.result)}${errno}${note}`;
    }
    case 'command':
      return `${time} \`${event.command}\``;
    case 'code':
      return `${time} %{ ${event.code} }%`;
  }
}

export function printTime(time: EventTime): string {
  switch (time.kind) {
    case 'absolute':
      return printSeconds(time.usecs);
    case 'relative':
      return `+${printSeconds(time.usecs)}`;
    case 'absolute-range':
      return `${printSeconds(time.startUsecs)}~${printSeconds(time.endUsecs)}`;
    case 'relative-range':
      return `+${printSeconds(time.startUsecs)}~+${printSeconds(time.endUsecs)}`;
    case 'any':
      return '*';
  }
}

/** Microseconds as seconds: 0 → `0`, 100000 → `0.1`, 1500 → `0.0015`. */
export function printSeconds(usecs: number): string {
  const whole = Math.floor(usecs / MICROS_PER_SECOND);
  const fraction = usecs % MICROS_PER_SECOND;
  if (fraction === 0) return `${whole}`;
  return `${whole}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

function packetHead(direction: 'inbound' | 'outbound', ip: IpInfo | undefined): string {
  const arrow = direction === 'inbound' ? '<' : '>';
  return ip ? `${arrow} ${printIpInfo(ip)} ` : `${arrow} `;
}

export function printIpInfo(ip: IpInfo): string {
  const parts: string[] = [];
  if (ip.ecn !== undefined) parts.push(ip.ecn);
  if (ip.tos !== undefined) parts.push(`tos 0x${ip.tos.toString(16)}`);
  if (ip.ttl !== undefined) parts.push(`ttl ${ip.ttl}`);
  if (ip.flowLabel !== undefined) parts.push(`flowlabel 0x${ip.flowLabel.toString(16)}`);
  return `[${parts.join(', ')}]`;
}

function printPorts(ports: PortPair): string {
  return `${ports.src}>${ports.dst}`;
}

/**
 * Letters in a fixed order, then `.` for ACK, then the ACE digit: `S.`, `FP.`, `P.5`; `-` for none.
 * An ACE digit with no letter and no ACK has no notation (a lone digit reads as a number).
 */
export function printTcpFlags(flags: TcpFlags): string {
  let text = '';
  if (flags.syn) text += 'S';
  if (flags.fin) text += 'F';
  if (flags.rst) text += 'R';
  if (flags.psh) text += 'P';
  if (flags.urg) text += 'U';
  if (flags.ece) text += 'E';
  if (flags.cwr) text += 'W';
  if (flags.ae) text += 'A';
  if (flags.ack) text += '.';
  if (flags.ace !== undefined) text += flags.ace;
  return text === '' ? '-' : text;
}

export function printTcpOptions(options: readonly TcpOption[]): string {
  return `<${options.map(printTcpOption).join(',')}>`;
}

function printTcpOption(option: TcpOption): string {
  switch (option.kind) {
    case 'nop':
    case 'eol':
    case 'sackOK':
      return option.kind;
    case 'mss':
      return `mss ${option.mss}`;
    case 'wscale':
      return `wscale ${option.shift}`;
    case 'sack':
      return `sack ${option.blocks.map((b) => `${b.left}:${b.right}`).join(' ')}`;
    case 'timestamp':
      return `TS val ${option.val} ecr ${option.ecr}`;
    case 'other':
      return [option.name, ...option.words].join(' ');
  }
}

function printEchoed(echoed: IcmpEchoed): string {
  if (echoed.protocol === 'tcp') return `${echoed.seq}:${echoed.seq + echoed.length}(${echoed.length})`;
  return `${echoed.protocol}(${echoed.length})`;
}

export function printExpression(expression: Expression): string {
  switch (expression.kind) {
    case 'int':
      return expression.hex ? `0x${expression.value.toString(16)}` : `${expression.value}`;
    case 'ellipsis':
      return '...';
    case 'symbol':
      return expression.name;
    case 'string':
      return `"${escapeString(expression.value)}"${expression.prefix ? '...' : ''}`;
    case 'or':
      return expression.operands.map(printExpression).join('|');
    case 'array':
      return `[${expression.items.map(printExpression).join(', ')}]`;
    case 'struct':
      return `{${expression.fields.map(printField).join(', ')}}`;
    case 'call':
      return `${expression.name}(${expression.args.map(printExpression).join(', ')})`;
  }
}

function printField(field: StructField): string {
  if (field.name === undefined) return printExpression(field.value);
  const args = field.args ? `(${field.args.map(printExpression).join(', ')})` : '';
  return `${field.name}${args}=${printExpression(field.value)}`;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** C escapes for quotes, backslashes and control characters; everything else as is. */
function escapeString(value: string): string {
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    const simple = ESCAPES[c];
    if (simple !== undefined) out += simple;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}
