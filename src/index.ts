// ustack's public surface.

export { Errno, type ErrnoName } from './base/errno.ts';
export { SeededRng } from './base/rng.ts';
export { ManualClock } from './base/time.ts';
export { type MemoryPairOptions, Stack, type StackCreateOptions } from './host.ts';
export { formatIpv4Address, parseIpv4Address } from './ip/address.ts';
export { blankIpv4Repr, emitIpv4Header, type Ipv4Repr } from './ip/ipv4.ts';
export type { FaultConfig } from './link/fault.ts';
export type { Link, LinkCaps } from './link/link.ts';
export * from './socket/constants.ts';
export * from './socket/errors.ts';
export { NetServer, NetSocket } from './socket/net.ts';
export { Socket } from './socket/socket.ts';
export { StackCore } from './stack.ts';
