// IPv4 reassembly (RFC 791 §3.2, RFC 815's idea of tracking holes), bounded in memory and time.
//
// Each datagram in progress is keyed by (source, destination, protocol, identification) — RFC 791's
// reassembly key. Fragments are copied (the link's buffer is only valid during ingress) and kept sorted.
// Overlapping fragments drop the whole datagram, as Linux has done since the FragmentSmack fixes: no
// legitimate sender overlaps, and overlap games are how IDS evasion and reassembly attacks work.
// When the byte cap would be exceeded, the oldest datagrams are evicted first (Linux's ipfrag_high_thresh).

import type { Duration, Instant } from '../base/time.ts';

export interface ReassemblyConfig {
  /** Total bytes of fragment data held at once, across all datagrams. */
  maxBytes: number;
  /** How long an incomplete datagram may wait (Linux ipfrag_time: 30 s). */
  timeout: Duration;
}

export const DEFAULT_REASSEMBLY_CONFIG: ReassemblyConfig = { maxBytes: 4 * 1024 * 1024, timeout: 30_000_000 };

export interface FragmentHeader {
  srcAddr: number;
  dstAddr: number;
  protocol: number;
  identification: number;
  fragmentOffset: number;
  moreFragments: boolean;
}

export type ReassemblyDrop =
  | 'ipv4.frag-overlap'
  | 'ipv4.frag-too-big'
  | 'ipv4.frag-memory'
  | 'ipv4.frag-bad-length';

/** Why a whole datagram in progress was given up later, not as the answer to a fragment (Linux ReasmFails). */
export type ReassemblyDiscard = 'ipv4.reasm-evicted' | 'ipv4.reasm-timeout';

interface Fragment {
  offset: number;
  data: Uint8Array;
}

interface Pending {
  fragments: Fragment[];
  /** Payload length, known once the last fragment (MF = 0) arrived. */
  totalLength: number | undefined;
  receivedBytes: number;
  deadline: Instant;
}

export type ReassemblyResult = { complete: Uint8Array } | { drop: ReassemblyDrop } | undefined;

export class Reassembler {
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;

  constructor(
    private readonly config: ReassemblyConfig = DEFAULT_REASSEMBLY_CONFIG,
    /** Told of each datagram evicted to make room or expired incomplete, so the stack can count it. */
    private readonly onDiscard: (reason: ReassemblyDiscard) => void = () => {},
  ) {}

  get bytesHeld(): number {
    return this.heldBytes;
  }

  get datagramsInProgress(): number {
    return this.pending.size;
  }

  /** Adds one fragment; returns the whole payload when this fragment completed its datagram. */
  add(now: Instant, header: FragmentHeader, payload: Uint8Array): ReassemblyResult {
    this.expire(now);
    const end = header.fragmentOffset + payload.length;
    // RFC 791: the total length field is 16 bits, so no datagram may reassemble past 65535 bytes.
    if (end + 20 > 0xffff) return { drop: 'ipv4.frag-too-big' };
    // RFC 791 §3.2: every fragment but the last carries a multiple of 8 bytes.
    if (header.moreFragments && (payload.length === 0 || payload.length % 8 !== 0)) {
      return { drop: 'ipv4.frag-bad-length' };
    }
    const key = `${header.srcAddr}:${header.dstAddr}:${header.protocol}:${header.identification}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = {
        fragments: [],
        totalLength: undefined,
        receivedBytes: 0,
        deadline: now + this.config.timeout,
      };
      this.pending.set(key, entry);
    }
    if (!header.moreFragments) {
      if (entry.totalLength !== undefined && entry.totalLength !== end)
        return this.discard(key, 'ipv4.frag-overlap');
      // A last fragment ending before data already held contradicts it (Linux ip_frag_queue: end < q.len).
      const held = entry.fragments[entry.fragments.length - 1];
      if (held && held.offset + held.data.length > end) return this.discard(key, 'ipv4.frag-overlap');
      entry.totalLength = end;
    }
    if (entry.totalLength !== undefined && end > entry.totalLength)
      return this.discard(key, 'ipv4.frag-overlap');
    const index = insertionIndex(entry.fragments, header.fragmentOffset);
    const before = entry.fragments[index - 1];
    const after = entry.fragments[index];
    if (
      (before && before.offset + before.data.length > header.fragmentOffset) ||
      (after && after.offset < end)
    ) {
      return this.discard(key, 'ipv4.frag-overlap');
    }
    if (!this.makeRoom(payload.length, key)) return this.discard(key, 'ipv4.frag-memory');
    entry.fragments.splice(index, 0, { offset: header.fragmentOffset, data: payload.slice() });
    entry.receivedBytes += payload.length;
    this.heldBytes += payload.length;
    if (entry.totalLength === undefined || entry.receivedBytes !== entry.totalLength) return undefined;
    // No overlaps and the byte count matches the total: the fragments tile [0, totalLength) exactly.
    const whole = new Uint8Array(entry.totalLength);
    for (const fragment of entry.fragments) whole.set(fragment.data, fragment.offset);
    this.remove(key, entry);
    return { complete: whole };
  }

  /** Drops datagrams past their deadline; returns how many. */
  expire(now: Instant): number {
    let count = 0;
    for (const [key, entry] of this.pending) {
      if (entry.deadline > now) continue;
      this.remove(key, entry);
      this.onDiscard('ipv4.reasm-timeout');
      count++;
    }
    return count;
  }

  pollAt(): Instant | undefined {
    let earliest: Instant | undefined;
    for (const entry of this.pending.values()) {
      if (earliest === undefined || entry.deadline < earliest) earliest = entry.deadline;
    }
    return earliest;
  }

  private discard(key: string, reason: ReassemblyDrop): ReassemblyResult {
    const entry = this.pending.get(key);
    if (entry) this.remove(key, entry);
    return { drop: reason };
  }

  private remove(key: string, entry: Pending): void {
    this.heldBytes -= entry.receivedBytes;
    this.pending.delete(key);
  }

  /** Evicts the oldest other datagrams (Map order is insertion order) until `bytes` more fit. */
  private makeRoom(bytes: number, keep: string): boolean {
    if (bytes > this.config.maxBytes) return false;
    for (const [key, entry] of this.pending) {
      if (this.heldBytes + bytes <= this.config.maxBytes) break;
      if (key === keep) continue;
      this.remove(key, entry);
      this.onDiscard('ipv4.reasm-evicted');
    }
    return this.heldBytes + bytes <= this.config.maxBytes;
  }
}

function insertionIndex(fragments: Fragment[], offset: number): number {
  let low = 0;
  let high = fragments.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (fragments[mid]!.offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
