// A listening endpoint (RFC 9293 §3.10.7.2, LISTEN) with a bounded backlog: embryonic connections in
// SYN_RECEIVED (the half-open queue) and completed ones waiting for accept() (the accept queue). When the
// half-open queue is full the layer answers SYNs with SYN cookies instead (RFC 4987 §3.6); when the accept
// queue is full SYNs and handshake-completing ACKs are dropped, as Linux does, so the peer retries.

import { type ErrnoResult, fail } from '../base/errno.ts';
import type { Queueable } from '../base/mark-queue.ts';
import type { TcpSocketOptions } from './config.ts';
import type { Tcb, TcbParent } from './tcb.ts';

/** What a listener needs from its layer. */
export interface ListenerContext {
  changed(listener: TcpListener): void;
  closed(listener: TcpListener): void;
}

export class TcpListener implements TcbParent, Queueable {
  /** The TCP layer's changed-endpoint mark (MarkQueue). */
  queueMarks = 0;
  private readonly halfOpen = new Set<Tcb>();
  private readonly acceptQueue: Tcb[] = [];
  private open = true;

  constructor(
    private readonly ctx: ListenerContext,
    readonly id: number,
    readonly localAddr: number,
    readonly localPort: number,
    readonly backlog: number,
    /** Socket options the listening socket had: every connection it accepts starts with them. */
    readonly options: Partial<TcpSocketOptions>,
  ) {}

  /** The oldest completed connection, or EAGAIN when none is waiting. */
  accept(): Tcb | ErrnoResult {
    if (!this.open) return fail('EINVAL');
    const tcb = this.acceptQueue.shift();
    if (tcb === undefined) return fail('EAGAIN');
    tcb.parent = undefined;
    return tcb;
  }

  get readable(): boolean {
    return this.acceptQueue.length > 0 || !this.open;
  }

  get isOpen(): boolean {
    return this.open;
  }

  get halfOpenCount(): number {
    return this.halfOpen.size;
  }

  get acceptQueueLength(): number {
    return this.acceptQueue.length;
  }

  get halfOpenFull(): boolean {
    return this.halfOpen.size >= this.backlog;
  }

  get acceptQueueFull(): boolean {
    return this.acceptQueue.length >= this.backlog;
  }

  /** Stops listening; connections never accepted are reset (Linux inet_csk_listen_stop). */
  close(): void {
    if (!this.open) return;
    this.open = false;
    for (const tcb of [...this.halfOpen, ...this.acceptQueue]) tcb.abort();
    this.halfOpen.clear();
    this.acceptQueue.length = 0;
    this.ctx.closed(this);
    this.ctx.changed(this);
  }

  /** A new embryonic connection from a SYN. */
  adopt(tcb: Tcb): void {
    this.halfOpen.add(tcb);
  }

  childEstablished(tcb: Tcb): void {
    if (this.halfOpen.delete(tcb) || tcb.parent === this) {
      this.acceptQueue.push(tcb);
      this.ctx.changed(this);
    }
  }

  childClosed(tcb: Tcb): void {
    this.halfOpen.delete(tcb);
    const i = this.acceptQueue.indexOf(tcb);
    if (i >= 0) this.acceptQueue.splice(i, 1);
  }
}
