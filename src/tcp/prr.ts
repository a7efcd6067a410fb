// Proportional Rate Reduction, RFC 6937: how much a sender in fast recovery may send per ACK. Instead of
// dropping to cwnd = ssthresh at once (which stalls until pipe falls below it, then bursts), PRR sends
// ssthresh/RecoverFS of what each ACK reports delivered while pipe is above ssthresh, and while pipe is
// below it grows back towards ssthresh no faster than slow start (the Slow Start Reduction Bound).

/** RFC 6937 §3.1 state, kept for one recovery episode. */
export class Prr {
  /** RecoverFS: the flight size when recovery began. */
  recoverFs = 0;
  /** prr_delivered: bytes the receiver reported delivered since recovery began. */
  delivered = 0;
  /** prr_out: bytes sent since recovery began. */
  out = 0;
  /** sndcnt left from the last ACK: what may still be sent before the next one. */
  sendQuota = 0;

  /** RFC 6937 §3.1 "Initialization on entering recovery". */
  start(flightSize: number): void {
    this.recoverFs = Math.max(1, flightSize);
    this.delivered = 0;
    this.out = 0;
    this.sendQuota = 0;
  }

  /**
   * RFC 6937 §3.1 "On every ACK during recovery". `safeAck` is draft-ietf-tcpm-prr-rfc6937bis's SafeACK
   * (the ACK advanced SND.UNA and reported no new loss): only then may SSRB add the extra MSS, as Linux's
   * tcp_cwnd_reduction() does, so that an ACK carrying bad news does not grow the flight.
   */
  onAck(deliveredData: number, pipe: number, ssthresh: number, mss: number, safeAck: boolean): void {
    this.delivered += deliveredData;
    let sndcnt: number;
    if (pipe > ssthresh) {
      // "Proportional Rate Reduction: sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out".
      sndcnt = Math.ceil((this.delivered * ssthresh) / this.recoverFs) - this.out;
    } else {
      // "Slow Start Reduction Bound: limit = MAX(prr_delivered - prr_out, DeliveredData) + MSS;
      // sndcnt = MIN(ssthresh - pipe, limit)".
      const limit = Math.max(this.delivered - this.out, deliveredData) + (safeAck ? mss : 0);
      sndcnt = Math.min(ssthresh - pipe, limit);
    }
    // RFC 5681 §3.2 step 4 / RFC 6675 §5 (4.3): the first retransmission on entering recovery goes out
    // whatever the window says (Linux's PRR counts whole packets and rounds it up to one as well).
    if (this.out === 0) sndcnt = Math.max(sndcnt, mss);
    this.sendQuota = Math.max(0, sndcnt);
  }

  /** Bytes sent during recovery: "prr_out += (data sent)". */
  onSend(bytes: number): void {
    this.out += bytes;
    this.sendQuota = Math.max(0, this.sendQuota - bytes);
  }
}
