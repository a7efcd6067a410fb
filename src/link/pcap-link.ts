// Capture to a file: a buffered pcap writer and a Link decorator that records every packet in both
// directions, so any run of ustack can be opened in Wireshark or read back with `tcpdump -nn -r`.
//
// Records collect in one buffer that goes to the file with writeSync when full and on close: a syscall
// per batch rather than per packet, and no Promise in the send path (the driver's step stays synchronous).

import { closeSync, openSync, writeSync } from 'node:fs';
import type { Link } from './link.ts';
import { emitPcapRecord, encodePcapHeader, LinkType, PCAP_RECORD_HEADER_LEN, pcapRecordLen } from './pcap.ts';
import { withTap } from './tap.ts';
import { completeTransportChecksum } from './virtio-net.ts';

const DEFAULT_BUFFER_SIZE = 256 * 1024;

export class PcapFileWriter {
  private fd: number | undefined;
  private readonly buffer: Uint8Array;
  private used = 0;

  /** Creates (or truncates) `path` and writes the file header at once. */
  constructor(path: string, bufferSize = DEFAULT_BUFFER_SIZE) {
    this.fd = openSync(path, 'w');
    this.buffer = new Uint8Array(Math.max(bufferSize, PCAP_RECORD_HEADER_LEN));
    writeSync(this.fd, encodePcapHeader(LinkType.RAW));
  }

  write(timestampMicros: number, packet: Uint8Array): void {
    if (this.fd === undefined) throw new Error('pcap writer is closed');
    const size = pcapRecordLen(packet);
    if (this.used + size > this.buffer.length) this.flush();
    if (size > this.buffer.length) {
      // Larger than the whole buffer (a 64 KB offloaded segment with a small buffer): write it through.
      const record = new Uint8Array(size);
      emitPcapRecord(timestampMicros, packet, record, 0);
      writeSync(this.fd, record);
      return;
    }
    this.used += emitPcapRecord(timestampMicros, packet, this.buffer, this.used);
  }

  /** Writes out everything buffered so far, so a reader of the file sees it. */
  flush(): void {
    if (this.fd === undefined || this.used === 0) return;
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buffer, done, this.used - done);
    this.used = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Wraps `link` so that every packet sent and every packet received is also written to a pcap file at
 * `path`, stamped with `clock()` (microseconds; Wireshark shows them as UTC dates, so an epoch-based
 * clock gives readable times). The file is complete once the returned link is closed.
 */
export function withPcap(link: Link, path: string, clock: () => number): Link {
  const writer = new PcapFileWriter(path);
  // With checksum offload, packets cross the link with partial TCP/UDP checksums (the kernel finishes them):
  // record finished copies, so a capture reads cleanly where tcpdump on the device would show "incorrect".
  const offloaded = link.caps.txChecksumOffload || link.caps.rxChecksumVerified;
  const record = (at: number, packet: Uint8Array): void => {
    if (!offloaded) {
      writer.write(at, packet);
      return;
    }
    const copy = packet.slice();
    completeTransportChecksum(copy);
    writer.write(at, copy);
  };
  return withTap(link, {
    sent: (packet) => record(clock(), packet),
    received: (packets) => {
      const now = clock();
      for (const packet of packets) record(now, packet);
    },
    closed: () => writer.close(),
  });
}
