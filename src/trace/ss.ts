// `ss -ti`- and `netstat -s`-style views of a running stack: one row per socket with the TCP internals a
// learner wants to watch (cwnd, ssthresh, srtt/rttvar, rto, retransmits), and the counters grouped by layer.

import { formatIpv4Address } from '../ip/address.ts';
import type { StackCore } from '../stack.ts';

const SS_STATE: Record<string, string> = {
  ESTABLISHED: 'ESTAB',
  SYN_SENT: 'SYN-SENT',
  SYN_RECEIVED: 'SYN-RECV',
  FIN_WAIT_1: 'FIN-WAIT-1',
  FIN_WAIT_2: 'FIN-WAIT-2',
  CLOSE_WAIT: 'CLOSE-WAIT',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST-ACK',
  TIME_WAIT: 'TIME-WAIT',
  CLOSED: 'UNCONN',
  LISTEN: 'LISTEN',
};

const ms = (micros: number | undefined): string =>
  micros === undefined ? '-' : (micros / 1000).toFixed(3).replace(/\.?0+$/, '');

/** The TCP sockets of a stack as `ss -tani` prints them: a row each, then an indented line of internals. */
export function formatSocketTable(core: StackCore, now: number): string {
  const rows: string[][] = [['State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port']];
  const details: Array<string | undefined> = [undefined];
  for (const listener of core.tcp.listeners()) {
    rows.push([
      'LISTEN',
      '0',
      String(listener.backlog),
      endpoint(listener.localAddr, listener.localPort),
      '0.0.0.0:*',
    ]);
    details.push(undefined);
  }
  for (const tcb of core.tcp.connections()) {
    const info = tcb.info(now);
    rows.push([
      SS_STATE[info.state] ?? info.state,
      String(tcb.recvQueued),
      String(tcb.sendQueued),
      endpoint(tcb.localAddr, tcb.localPort),
      endpoint(tcb.remoteAddr, tcb.remotePort),
    ]);
    const mss = Math.max(1, info.mss);
    details.push(
      [
        core.tcp.config.congestion,
        info.timestamps ? 'ts' : undefined,
        info.sack ? 'sack' : undefined,
        `wscale:${info.sndWscale},${info.rcvWscale}`,
        `rto:${ms(info.rto)}`,
        `rtt:${ms(info.srtt)}/${ms(info.rttvar)}`,
        `mss:${info.mss}`,
        `cwnd:${Math.round(info.cwnd / mss)}`,
        info.ssthresh < 2 ** 30 ? `ssthresh:${Math.round(info.ssthresh / mss)}` : undefined,
        `bytes_acked:${info.bytesAcked}`,
        `bytes_received:${info.bytesReceived}`,
        `segs_out:${info.segsOut}`,
        `segs_in:${info.segsIn}`,
        `unacked:${Math.ceil(info.bytesInFlight / mss)}`,
        `retrans:${info.retransmits}/${info.totalRetransmits}`,
        info.sacked > 0 ? `sacked:${info.sacked}` : undefined,
        `rcv_wnd:${info.rcvWnd}`,
        `snd_wnd:${info.sndWnd}`,
      ]
        .filter((field) => field !== undefined)
        .join(' '),
    );
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines: string[] = [];
  rows.forEach((row, i) => {
    lines.push(
      row
        .map((cell, column) =>
          column === 1 || column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
        )
        .join('  ')
        .trimEnd(),
    );
    if (details[i]) lines.push(`\t ${details[i]}`);
  });
  return lines.join('\n');
}

/** Counters grouped by their first name part (ip, icmp, tcp, udp, drop), as `netstat -s` groups them. */
export function formatCounters(counters: Record<string, number>): string {
  const groups = new Map<string, Array<[string, number]>>();
  for (const [name, value] of Object.entries(counters)) {
    const group = name.split('.')[0]!;
    const rest = name.slice(group.length + 1) || 'total';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push([rest, value]);
  }
  const lines: string[] = [];
  for (const [group, entries] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${group.toUpperCase()}:`);
    for (const [name, value] of entries) lines.push(`    ${String(value).padStart(10)} ${name}`);
  }
  return lines.join('\n');
}

function endpoint(addr: number, port: number): string {
  return `${formatIpv4Address(addr)}:${port}`;
}
