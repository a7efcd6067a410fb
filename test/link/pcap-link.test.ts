import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Link, type PacketsHandler, plainCaps } from '../../src/link/link.ts';
import { LinkType, type PcapFile, readPcap } from '../../src/link/pcap.ts';
import { PcapFileWriter, withPcap } from '../../src/link/pcap-link.ts';

/** A link that keeps what is sent and delivers what the test injects, synchronously. */
class ScriptedLink implements Link {
  readonly mtu = 1500;
  readonly caps = plainCaps(1500);
  readonly sent: Uint8Array[] = [];
  handler: PacketsHandler | undefined;
  closed = false;
  send(packet: Uint8Array): void {
    this.sent.push(packet);
  }
  flush(): void {}
  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ustack-pcap-'));
  dirs.push(dir);
  return join(dir, 'capture.pcap');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readFile(path: string): PcapFile {
  const file = readPcap(readFileSync(path));
  if (typeof file === 'string') throw new Error(file);
  return file;
}

const packet = (n: number, size = 20) => new Uint8Array(size).fill(n);

describe('PcapFileWriter', () => {
  it('buffers records and writes them all by close, including ones larger than its buffer', () => {
    const path = tempFile();
    const writer = new PcapFileWriter(path, 64);
    writer.write(1, packet(1));
    expect(readFileSync(path).length).toBe(24); // only the header so far: the record is buffered
    writer.write(2, packet(2, 30)); // does not fit beside the first: flushes it
    writer.write(3, packet(3, 100)); // larger than the buffer: written through
    writer.write(4, packet(4));
    writer.close();
    writer.close();
    const file = readFile(path);
    expect(file.linkType).toBe(LinkType.RAW);
    expect(file.records.map((r) => [r.timestampMicros, r.packet[0], r.packet.length])).toEqual([
      [1, 1, 20],
      [2, 2, 30],
      [3, 3, 100],
      [4, 4, 20],
    ]);
    expect(() => writer.write(5, packet(5))).toThrow(/closed/);
  });

  it('makes buffered records visible on flush', () => {
    const path = tempFile();
    const writer = new PcapFileWriter(path);
    writer.write(9, packet(9));
    writer.flush();
    expect(readFile(path).records.length).toBe(1);
    writer.close();
  });
});

describe('withPcap', () => {
  it('records both directions with the clock, passes everything through, and completes on close', async () => {
    const inner = new ScriptedLink();
    const path = tempFile();
    let now = 1_000_000;
    const link = withPcap(inner, path, () => now);
    expect(link.mtu).toBe(1500);
    expect(link.caps).toBe(inner.caps);
    const received: Uint8Array[] = [];
    link.onPackets((packets) => received.push(...packets));

    link.send(packet(1));
    now += 250;
    inner.handler!([packet(2), packet(3)]);
    now += 250;
    link.send(packet(4));
    link.flush();
    await link.close();

    expect(inner.sent.map((p) => p[0])).toEqual([1, 4]);
    expect(received.map((p) => p[0])).toEqual([2, 3]);
    expect(inner.closed).toBe(true);
    expect(readFile(path).records.map((r) => [r.timestampMicros, r.packet[0]])).toEqual([
      [1_000_000, 1],
      [1_000_250, 2],
      [1_000_250, 3],
      [1_000_500, 4],
    ]);
  });
});
