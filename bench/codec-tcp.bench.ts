// TCP codec micro-benchmark: parse and emit cost per segment, in ns/op.
// Run: npx tsx bench/codec-tcp.bench.ts
// Each task runs a batch of BATCH operations so a sample is well above timer resolution; the figure
// printed is the batch's mean time divided by BATCH.
import { Bench } from 'tinybench';
import { blankTcpRepr, emitTcp, parseTcp, type TcpRepr, tcpBufferLen } from '../src/tcp/segment.ts';
import { printPerOperation } from './lib/per-op.ts';

const BATCH = 1000;
const SRC = 0xc6120001; // 198.18.0.1
const DST = 0xc6120002; // 198.18.0.2

function segment(fields: Partial<TcpRepr>): { repr: TcpRepr; bytes: Uint8Array } {
  const repr = { ...blankTcpRepr(), srcPort: 40001, dstPort: 5001, seqNumber: 0x28d9481b, ...fields };
  // Inside a larger buffer at an offset, as a segment sits after the IPv4 header of a received packet.
  const outer = new Uint8Array(tcpBufferLen(repr) + 20);
  emitTcp(repr, outer, 20, SRC, DST);
  return { repr, bytes: outer.subarray(20) };
}

const timestamp = { tsVal: 0x7b09d337, tsEcr: 1000 };
const syn = segment({
  control: 'syn',
  windowLen: 64240,
  maxSegSize: 1460,
  sackPermitted: true,
  timestamp,
  windowScale: 7,
});
const ack = segment({ ackNumber: 0x10000001, windowLen: 502, timestamp });
const sack = segment({
  ackNumber: 0x10000001,
  windowLen: 502,
  timestamp,
  sackRanges: [
    [0x100001f5, 0x10000259],
    [0x1000012d, 0x10000191],
    [0x10000065, 0x100000c9],
  ],
});
const payload = new Uint8Array(1448).map((_, i) => i);
const data = segment({ ackNumber: 0x10000001, windowLen: 502, push: true, timestamp, payload });

const out = blankTcpRepr();
const target = new Uint8Array(2048);
let sink = 0;

function parseTask(bytes: Uint8Array, verified: boolean): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) {
      parseTcp(bytes, 0, bytes.length, SRC, DST, out, verified);
      sink += out.windowLen;
    }
  };
}

function emitTask(repr: TcpRepr, mode: 'full' | 'partial'): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) {
      emitTcp(repr, target, 20, SRC, DST, mode);
      sink += target[36]!;
    }
  };
}

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add('parse SYN (mss,sackOK,TS,wscale), checksum verified', parseTask(syn.bytes, false))
  .add('parse ACK with TS, checksum verified', parseTask(ack.bytes, false))
  .add('parse ACK with TS + 3 SACK blocks, checksum verified', parseTask(sack.bytes, false))
  .add('parse 1448-byte data + TS, checksum verified', parseTask(data.bytes, false))
  .add('parse 1448-byte data + TS, checksum offloaded', parseTask(data.bytes, true))
  .add('emit SYN (mss,sackOK,TS,wscale), full checksum', emitTask(syn.repr, 'full'))
  .add('emit ACK with TS, full checksum', emitTask(ack.repr, 'full'))
  .add('emit ACK with TS + 3 SACK blocks, full checksum', emitTask(sack.repr, 'full'))
  .add('emit 1448-byte data + TS, full checksum', emitTask(data.repr, 'full'))
  .add('emit 1448-byte data + TS, partial checksum', emitTask(data.repr, 'partial'));

await bench.run();

printPerOperation(bench, BATCH);
if (sink === -1) console.log(sink);
