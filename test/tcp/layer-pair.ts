// Two TcpLayers on a 1 ms wire, stepped from event to event on a manual clock, for the layer tests that
// need many connections (scheduling, the TIME_WAIT cap).
import { isErrno } from '../../src/base/errno.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { Stats } from '../../src/base/stats.ts';
import { type Instant, millis } from '../../src/base/time.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
import { blankTcpRepr, emitTcp, parseTcp, type TcpRepr, tcpBufferLen } from '../../src/tcp/segment.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';
import { TcpLayer } from '../../src/tcp/tcp-layer.ts';

export const CLIENT = 0xc6120001;
export const SERVER = 0xc6120002;
const PORT = 5001;
const ONE_WAY = millis(1);

type Emit = (src: number, dst: number, segment: TcpRepr) => void;
/** Polls one layer at `now`, sending through `emit` (and possibly checking something around it). */
export type Poller = (layer: TcpLayer, now: Instant, emit: Emit) => void;
const plainPoll: Poller = (layer, now, emit) => layer.poll(now, emit);

interface Wire {
  at: Instant;
  toServer: boolean;
  bytes: Uint8Array;
}

/** Two layers on a 1 ms wire that loses the packets `lose` picks. */
export class LayerPair {
  now: Instant = 0;
  readonly client: TcpLayer;
  readonly server: TcpLayer;
  readonly clientStats = new Stats();
  readonly serverStats = new Stats();
  lose: () => boolean = () => false;
  private wire: Wire[] = [];
  private readonly parsed = blankTcpRepr();

  constructor(config: Partial<TcpConfig>) {
    const secret = new Uint8Array(16).fill(7);
    const make = (seed: number, stats: Stats) =>
      new TcpLayer(config, { rng: new SeededRng(seed), secret, stats, routeMtu: () => 1500 });
    this.client = make(1, this.clientStats);
    this.server = make(2, this.serverStats);
  }

  /** Delivers what is due, then polls both layers. */
  step(poller: Poller = plainPoll): void {
    const due = this.wire.filter((w) => w.at <= this.now);
    this.wire = this.wire.filter((w) => w.at > this.now);
    for (const w of due) {
      const [layer, src, dst] = w.toServer ? [this.server, CLIENT, SERVER] : [this.client, SERVER, CLIENT];
      const error = parseTcp(w.bytes, 0, w.bytes.length, src, dst, this.parsed);
      if (error !== undefined) throw new Error(`the wire corrupted a segment: ${error}`);
      layer.ingress(this.now, src, dst, this.parsed);
    }
    for (const [layer, toServer] of [
      [this.client, true],
      [this.server, false],
    ] as const) {
      poller(layer, this.now, (src, dst, segment) => this.transmit(toServer, src, dst, segment));
    }
  }

  /** The next instant anything happens, or undefined when all is quiet. */
  next(): Instant | undefined {
    const times = [...this.wire.map((w) => w.at), this.client.pollAt(), this.server.pollAt()];
    const defined = times.filter((t): t is Instant => t !== undefined);
    return defined.length === 0 ? undefined : Math.max(this.now, Math.min(...defined));
  }

  /** Steps until `until` (or quiet), moving the clock from event to event. */
  runUntil(until: Instant, poller?: Poller): void {
    for (let spins = 0; spins < 100_000; spins++) {
      this.step(poller);
      const next = this.next();
      if (next === undefined || next > until) {
        this.now = until;
        return;
      }
      this.now = next;
    }
    throw new Error('no progress');
  }

  private transmit(toServer: boolean, src: number, dst: number, segment: TcpRepr): void {
    if (this.lose()) return;
    const bytes = new Uint8Array(tcpBufferLen(segment));
    emitTcp(segment, bytes, 0, src, dst);
    this.wire.push({ at: this.now + ONE_WAY, toServer, bytes });
  }
}

/** Opens n connections and returns both ends of each, established. */
export function open(pair: LayerPair, n: number): Array<[Tcb, Tcb]> {
  const listener = pair.server.listen(SERVER, PORT, n);
  if (isErrno(listener)) throw new Error(listener.errno);
  const clients = Array.from({ length: n }, () => {
    const tcb = pair.client.connect(pair.now, CLIENT, 0, SERVER, PORT);
    if (isErrno(tcb)) throw new Error(tcb.errno);
    return tcb;
  });
  pair.runUntil(pair.now + millis(10));
  return clients.map((c) => {
    const s = listener.accept();
    if (isErrno(s)) throw new Error(s.errno);
    return [c, s];
  });
}
