// The Linux profile: the TcpConfig values the packetdrill scripts assume, i.e. a kernel with packetdrill's
// defaults.sh applied (NOTES.md §7). Behaviour a script needs only because Linux does it belongs here, not
// in DEFAULT_TCP_CONFIG. Sysctl lines from a script (`set_sysctls.py`, `sysctl -q`) update a Sysctls map
// and linuxTcpConfig() derives the config from it.

import { millis, seconds } from '../../../base/time.ts';
import type { TcpConfig } from '../../../tcp/config.ts';

/** net.ipv4.* names to their values as text, e.g. tcp_rmem → '4096 540000 15728640'. */
export type Sysctls = Map<string, string>;

/** What defaults.sh sets (google gtests/net/common/defaults.sh), plus the stock values the runner reads. */
export function defaultSysctls(): Sysctls {
  return new Map([
    ['tcp_rmem', '4096 540000 15728640'],
    ['tcp_wmem', '4096 262144 4194304'],
    ['tcp_timestamps', '1'],
    ['tcp_sack', '1'],
    ['tcp_window_scaling', '1'],
    ['tcp_syn_retries', '5'],
    ['tcp_synack_retries', '5'],
    ['tcp_retries2', '15'],
    ['tcp_congestion_control', 'cubic'],
    ['tcp_slow_start_after_idle', '0'],
    ['tcp_syncookies', '1'],
    ['tcp_fin_timeout', '60'],
    ['tcp_keepalive_time', '7200'],
    ['tcp_keepalive_intvl', '75'],
    ['tcp_keepalive_probes', '9'],
  ]);
}

/**
 * Sysctls that tune Linux internals ustack does not have (TSO sizing, FACK, F-RTO, ECN off, pacing):
 * setting them cannot change what ustack sends, so they are accepted and ignored.
 */
const IGNORED_SYSCTLS = new Set([
  'tcp_min_tso_segs',
  'tcp_tso_win_divisor',
  'tcp_frto',
  'tcp_fack',
  'tcp_dsack',
  'tcp_reordering',
  'tcp_early_retrans',
  'tcp_recovery',
  'tcp_ecn',
  'tcp_ecn_option',
  'tcp_pacing_ss_ratio',
  'tcp_pacing_ca_ratio',
  'tcp_notsent_lowat',
  'tcp_fastopen',
  'tcp_fastopen_key',
  'tcp_autocorking',
  'tcp_moderate_rcvbuf',
  'tcp_no_metrics_save',
]);

/** Sets one net.ipv4 sysctl; a string names why it cannot be honoured. */
export function setSysctl(sysctls: Sysctls, name: string, value: string): string | undefined {
  if (IGNORED_SYSCTLS.has(name)) return undefined;
  if (!sysctls.has(name)) return `unsupported sysctl ${name}`;
  const numbers = value.trim().split(/\s+/);
  const numeric = numbers.every((n) => /^\d+$/.test(n));
  if (name === 'tcp_congestion_control') {
    if (value !== 'cubic' && value !== 'reno') return `unsupported congestion control ${value}`;
  } else if (!numeric || numbers.length !== (name === 'tcp_rmem' || name === 'tcp_wmem' ? 3 : 1)) {
    return `bad value '${value}' for sysctl ${name}`;
  }
  sysctls.set(name, value.trim());
  return undefined;
}

function triple(sysctls: Sysctls, name: string): [number, number, number] {
  const [min, def, max] = sysctls.get(name)!.split(/\s+/).map(Number);
  return [min!, def!, max!];
}

function int(sysctls: Sysctls, name: string): number {
  return Number(sysctls.get(name));
}

/** Linux's values (include/net/tcp.h, the sysctls) as a TcpConfig override. */
export function linuxTcpConfig(sysctls: Sysctls = defaultSysctls()): Partial<TcpConfig> {
  return {
    initialRto: seconds(1), // TCP_TIMEOUT_INIT
    minRto: millis(200), // TCP_RTO_MIN
    maxRto: seconds(120), // TCP_RTO_MAX
    synRetries: int(sysctls, 'tcp_syn_retries'),
    maxRetransmits: int(sysctls, 'tcp_retries2'),
    timeWait: seconds(60), // TCP_TIMEWAIT_LEN
    finWait2Timeout: seconds(int(sysctls, 'tcp_fin_timeout')),
    delayedAck: millis(40), // TCP_DELACK_MIN
    sendBuffer: triple(sysctls, 'tcp_wmem')[1],
    // Linux picks the window scale from tcp_rmem[2] (tcp_select_initial_window): 15 MB gives 8. ustack
    // derives the scale from the receive buffer, so the buffer takes the maximum.
    recvBuffer: triple(sysctls, 'tcp_rmem')[2],
    congestion: sysctls.get('tcp_congestion_control') === 'reno' ? 'newreno' : 'cubic',
    initialWindowSegments: 10, // TCP_INIT_CWND
    timestamps: int(sysctls, 'tcp_timestamps') !== 0,
    sack: int(sysctls, 'tcp_sack') !== 0,
    windowScaling: int(sysctls, 'tcp_window_scaling') !== 0,
    keepIdle: seconds(int(sysctls, 'tcp_keepalive_time')),
    keepIntvl: seconds(int(sysctls, 'tcp_keepalive_intvl')),
    keepCnt: int(sysctls, 'tcp_keepalive_probes'),
    synCookies: int(sysctls, 'tcp_syncookies') !== 0,
    // net.ipv4.tcp_challenge_ack_limit: 1000 per second since Linux 6.0.
    challengeAckPerSecond: 1000,
    restartAfterIdle: int(sysctls, 'tcp_slow_start_after_idle') !== 0,
    nagle: true,
    // tcp_ack() discards an ACK beyond SND.NXT without answering it.
    ackUnsentDataReply: false,
    // The scripts show PSH on the last segment of each cwnd-limited burst (`> P. 1:10001(10000)`).
    pushAtBurstEnd: true,
    // tcp_slow_start(): cwnd grows by the number of segments acknowledged, stretch ACKs included.
    slowStartLimitSegments: Number.POSITIVE_INFINITY,
    // tcp_fin() calls tcp_sack_reset(): no D-SACK in the ACK of a FIN.
    dsackWithFin: false,
    // shutdown(SHUT_RD) only sets RCV_SHUTDOWN: data still queues and read() returns it.
    shutRdKeepsData: true,
  };
}
