// IPv4 addresses as host-order unsigned 32-bit numbers: cheap to compare, mask and use as Map keys.
// Text forms are parsed strictly (dotted quad, decimal, no leading zeros), unlike inet_aton(3), which also
// takes '10.1', hex and octal: an address in a config or on a command line means exactly what it shows.

export const ANY_ADDR = 0;
export const BROADCAST_ADDR = 0xffffffff;

export interface Cidr {
  addr: number;
  prefixLen: number;
}

// Four decimal octets; a leading zero ('010') reads as octal to inet_aton and as decimal to others, so it
// is refused rather than guessed.
const OCTET = '(0|[1-9]\\d{0,2})';
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** '198.18.0.1' → 0xc6120001; anything but four decimal octets (no spaces, no leading zeros) → undefined. */
export function parseIpv4Address(text: string): number | undefined {
  const match = DOTTED_QUAD.exec(text);
  if (!match) return undefined;
  let addr = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) return undefined;
    addr = addr * 256 + octet;
  }
  return addr;
}

export function formatIpv4Address(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** '198.18.0.2/24' → { addr: 198.18.0.2, prefixLen: 24 }; the host bits are kept (an interface address). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpv4Address(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === undefined || !/^(0|[1-9]\d?)$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  return prefixLen <= 32 ? { addr, prefixLen } : undefined;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4Address(cidr.addr)}/${cidr.prefixLen}`;
}

/** 24 → 0xffffff00. A shift by 32 is a shift by 0 in JavaScript, so /0 is its own case. */
export function prefixMask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** The network part of an address: 198.18.0.2, 24 → 198.18.0.0. */
export function networkOf(addr: number, prefixLen: number): number {
  return (addr & prefixMask(prefixLen)) >>> 0;
}

export function inPrefix(addr: number, net: number, prefixLen: number): boolean {
  return ((addr ^ net) & prefixMask(prefixLen)) === 0;
}

/** The directed broadcast of a prefix (RFC 919 §7, RFC 922): every host bit set. */
export function directedBroadcast(net: number, prefixLen: number): number {
  return (net | ~prefixMask(prefixLen)) >>> 0;
}

/** Class D, 224.0.0.0/4 (RFC 1112 §4). */
export function isMulticast(addr: number): boolean {
  return addr >>> 28 === 0xe;
}

/** 127.0.0.0/8 (RFC 1122 §3.2.1.3(g)): must never appear on a wire. */
export function isLoopback(addr: number): boolean {
  return addr >>> 24 === 127;
}
