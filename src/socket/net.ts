// The Node way: net.Socket- and net.Server-compatible objects over ustack, so node:http and stream
// pipelines run on the userspace stack. A NetSocket is a Duplex over a blocking-mode Python-style socket:
// reads stop when the stream buffer is full, so unread data stays in the TCP receive buffer and the
// advertised window closes — backpressure reaches the peer as it does with the kernel.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { SocketAddress } from './address.ts';
import {
  IPPROTO_TCP,
  SHUT_WR,
  SO_KEEPALIVE,
  SO_LINGER,
  SOL_SOCKET,
  TCP_KEEPIDLE,
  TCP_NODELAY,
} from './constants.ts';
import { SocketError } from './errors.ts';
import type { Socket } from './socket.ts';

const READ_CHUNK = 64 * 1024;

export interface NetSocketFactory {
  /** A new blocking TCP socket of the stack. */
  newTcpSocket(): Socket;
}

export interface ConnectOptions {
  host?: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  allowHalfOpen?: boolean;
}

export class NetSocket extends Duplex {
  readonly remoteFamily = 'IPv4';
  connecting = false;
  bytesRead = 0;
  private written = 0;
  private socket: Socket | undefined;
  private reading = false;
  /** The stream asked for data before the connection existed: start reading once it does. */
  private readRequested = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMs = 0;
  private cachedRemote: SocketAddress | undefined;
  private cachedLocal: SocketAddress | undefined;

  constructor(options: { socket?: Socket; allowHalfOpen?: boolean } = {}) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, emitClose: true, decodeStrings: true });
    if (options.socket) this.attach(options.socket);
  }

  get remoteAddress(): string | undefined {
    return this.cachedRemote?.[0];
  }
  get remotePort(): number | undefined {
    return this.cachedRemote?.[1];
  }
  get localAddress(): string | undefined {
    return this.cachedLocal?.[0];
  }
  get localPort(): number | undefined {
    return this.cachedLocal?.[1];
  }
  get localFamily(): string {
    return 'IPv4';
  }
  get bytesWritten(): number {
    return this.written;
  }
  get pending(): boolean {
    return this.socket === undefined || this.connecting;
  }
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.destroyed || !this.socket) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (!this.cachedLocal) return {};
    return { address: this.cachedLocal[0], family: 'IPv4', port: this.cachedLocal[1] };
  }

  /** @internal Starts an active open on `socket` (used by Stack.connect). */
  async connectWith(socket: Socket, options: ConnectOptions): Promise<void> {
    this.connecting = true;
    try {
      if (options.localAddress !== undefined || options.localPort !== undefined) {
        socket.bind([options.localAddress ?? '', options.localPort ?? 0]);
      }
      if (options.noDelay) socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      if (options.keepAlive) socket.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
      await socket.connect([options.host ?? '127.0.0.1', options.port]);
    } catch (error) {
      this.connecting = false;
      socket.close();
      this.destroy(withAddress(error, options.host ?? '127.0.0.1', options.port));
      return;
    }
    this.connecting = false;
    this.attach(socket);
    this.emit('connect');
    this.emit('ready');
    if (this.readRequested) this._read();
  }

  setNoDelay(noDelay = true): this {
    this.socket?.setsockopt(IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
    return this;
  }

  setKeepAlive(enable = false, initialDelayMs = 0): this {
    this.socket?.setsockopt(SOL_SOCKET, SO_KEEPALIVE, enable ? 1 : 0);
    if (enable && initialDelayMs > 0)
      this.socket?.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, Math.max(1, Math.round(initialDelayMs / 1000)));
    return this;
  }

  /** Emits 'timeout' after `ms` without activity (0 turns it off), as net.Socket does. */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) this.once('timeout', callback);
    this.touch();
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** Closes with RST instead of FIN (net.Socket.resetAndDestroy). */
  resetAndDestroy(): this {
    this.socket?.setsockopt(SOL_SOCKET, SO_LINGER, [1, 0]);
    return this.destroy();
  }

  override _read(): void {
    this.readRequested = true;
    if (!this.socket || this.reading) return;
    this.reading = true;
    void this.pump(this.socket);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const socket = this.socket;
    if (!socket) {
      this.once('connect', () => this._write(chunk, _encoding, callback));
      return;
    }
    socket.sendall(chunk).then(
      () => {
        this.written += chunk.length;
        this.touch();
        callback();
      },
      (error: unknown) => callback(this.withPeer(error)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const socket = this.socket;
    if (!socket) {
      this.once('connect', () => this._final(callback));
      return;
    }
    try {
      socket.shutdown(SHUT_WR);
      callback();
    } catch (error) {
      callback(this.withPeer(error));
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.socket?.close();
    callback(error);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.cachedLocal = socket.getsockname();
    try {
      this.cachedRemote = socket.getpeername();
    } catch {
      this.cachedRemote = undefined;
    }
    this.touch();
  }

  private async pump(socket: Socket): Promise<void> {
    try {
      for (;;) {
        const data = await socket.recv(READ_CHUNK);
        if (this.destroyed) return;
        if (data.length === 0) {
          this.push(null);
          return;
        }
        this.bytesRead += data.length;
        this.touch();
        if (!this.push(data)) {
          this.readRequested = false;
          break;
        }
      }
    } catch (error) {
      if (!this.destroyed) this.destroy(this.withPeer(error));
      return;
    } finally {
      this.reading = false;
    }
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
    }
  }

  private withPeer(error: unknown): Error {
    return withAddress(error, this.remoteAddress, this.remotePort);
  }
}

export class NetServer extends EventEmitter {
  private socket: Socket | undefined;
  private accepting = false;
  private readonly connections = new Set<NetSocket>();

  constructor(
    private readonly factory: NetSocketFactory,
    connectionListener?: (socket: NetSocket) => void,
    private readonly allowHalfOpen = false,
  ) {
    super();
    if (connectionListener) this.on('connection', connectionListener);
  }

  get listening(): boolean {
    return this.socket !== undefined;
  }

  listen(port = 0, host?: string | (() => void), callback?: () => void): this {
    const cb = typeof host === 'function' ? host : callback;
    const address = typeof host === 'string' ? host : '';
    if (cb) this.once('listening', cb);
    try {
      const socket = this.factory.newTcpSocket();
      socket.bind([address, port]);
      socket.listen(511);
      this.socket = socket;
    } catch (error) {
      queueMicrotask(() => this.emit('error', error));
      return this;
    }
    queueMicrotask(() => this.emit('listening'));
    void this.acceptLoop(this.socket);
    return this;
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.socket) return null;
    const [address, port] = this.socket.getsockname();
    return { address, family: 'IPv4', port };
  }

  close(callback?: (error?: Error) => void): this {
    if (!this.socket) {
      queueMicrotask(() =>
        callback?.(Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' })),
      );
      return this;
    }
    this.socket.close();
    this.socket = undefined;
    // As net.Server: 'close' waits for the connections already accepted to end.
    const done = (): void => {
      if (this.connections.size > 0) return;
      this.emit('close');
      callback?.();
    };
    for (const conn of this.connections) conn.once('close', done);
    queueMicrotask(done);
    return this;
  }

  getConnections(callback: (error: Error | null, count: number) => void): void {
    queueMicrotask(() => callback(null, this.connections.size));
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private async acceptLoop(socket: Socket): Promise<void> {
    if (this.accepting) return;
    this.accepting = true;
    try {
      while (this.socket === socket) {
        const [conn] = await socket.accept();
        const netSocket = new NetSocket({ socket: conn, allowHalfOpen: this.allowHalfOpen });
        this.connections.add(netSocket);
        netSocket.once('close', () => this.connections.delete(netSocket));
        this.emit('connection', netSocket);
      }
    } catch (error) {
      if (this.socket === socket) this.emit('error', error);
    } finally {
      this.accepting = false;
    }
  }
}

/** Adds Node's `address` and `port` fields to a socket error (ExceptionWithHostPort). */
function withAddress(error: unknown, address: string | undefined, port: number | undefined): Error {
  if (error instanceof SocketError) {
    return Object.assign(error, { address, port });
  }
  return error instanceof Error ? error : new Error(String(error));
}
