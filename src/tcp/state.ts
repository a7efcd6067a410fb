// The eleven connection states of RFC 9293 §3.3.2 (LISTEN belongs to TcpListener, CLOSED to a finished Tcb).

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

/** States in which arriving segment text is delivered to the user (RFC 9293 §3.10.7.4, "seventh"). */
export function acceptsText(state: TcpState): boolean {
  return state === 'ESTABLISHED' || state === 'FIN_WAIT_1' || state === 'FIN_WAIT_2';
}
