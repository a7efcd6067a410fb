// The one interface between the stack and anything that moves IPv4 packets (no link-layer header):
// a TUN device, a raw socket, an in-memory pair, or a decorator (tracer, pcap, fault) around another link.

export interface LinkCaps {
  /**
   * Inbound TCP/UDP checksums need no checking by the stack: the link promises that each packet it hands
   * over was verified (by the kernel, or by the link itself where the kernel vouched for nothing).
   */
  readonly rxChecksumVerified: boolean;
  /** The link fills in outbound TCP/UDP checksums, so the stack may leave them partial. */
  readonly txChecksumOffload: boolean;
  /**
   * The largest IPv4 packet the link accepts on send. Above `mtu` only with segmentation offload, and then
   * only for TCP super-segments, which the link (or the kernel behind it) cuts at its MTU, copying the headers.
   */
  readonly maxSegment: number;
  /**
   * send() is done with the bytes when it returns (it wrote them out, or copied what it queues), so the
   * stack may reuse its packet memory at once instead of allocating afresh.
   */
  readonly sendCopies: boolean;
}

/** Called with every batch of inbound packets. Each packet is valid only during the call: copy to keep. */
export type PacketsHandler = (packets: readonly Uint8Array[]) => void;

export interface Link {
  readonly mtu: number;
  readonly caps: LinkCaps;
  /** Sends one IPv4 packet. Ownership passes to the link: the caller must not reuse the bytes. */
  send(packet: Uint8Array): void;
  /** Marks the end of a burst of sends, so a batching link writes them out now. */
  flush(): void;
  onPackets(handler: PacketsHandler): void;
  close(): Promise<void>;
}

export function plainCaps(mtu: number): LinkCaps {
  return { rxChecksumVerified: false, txChecksumOffload: false, maxSegment: mtu, sendCopies: false };
}
