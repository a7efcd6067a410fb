// A TCP_INFO-like snapshot of one connection (Linux struct tcp_info, the fields a user asks about).

import type { Duration } from '../base/time.ts';
import type { TcpState } from './state.ts';

export interface TcpInfo {
  state: TcpState;
  /** Congestion window and slow-start threshold in bytes. */
  cwnd: number;
  ssthresh: number;
  srtt: Duration | undefined;
  rttvar: Duration | undefined;
  rto: Duration;
  /** Sent and not yet cumulatively acknowledged. */
  bytesInFlight: number;
  /** Retransmission timeouts in the current series (Linux tcpi_retransmits). */
  retransmits: number;
  /** Every segment sent again, over the connection's life (tcpi_total_retrans). */
  totalRetransmits: number;
  /** Bytes above SND.UNA the peer reported in SACK blocks. */
  sacked: number;
  rcvWnd: number;
  sndWnd: number;
  /** The payload bytes per full-sized segment we send. */
  mss: number;
  bytesAcked: number;
  bytesReceived: number;
  segsIn: number;
  segsOut: number;
  /** Whether these options were agreed in the handshake. */
  timestamps: boolean;
  sack: boolean;
  sndWscale: number;
  rcvWscale: number;
  /** Time since the last acceptable segment arrived (Linux tcpi_last_data_recv / last_ack_recv). */
  sinceLastReceive: Duration;
}
