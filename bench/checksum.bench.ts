// Internet checksum micro-benchmark: ns per 1460-byte payload and MB/s, against the textbook byte-pair
// loop (RFC 1071 §4.1) on the same data. Run: npx tsx bench/checksum.bench.ts
import { Bench } from 'tinybench';
import { fold, sum16 } from '../src/base/checksum.ts';

const BATCH = 1000;
const payload = Buffer.alloc(1460, 0x5a);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
const header = payload.subarray(0, 20);

function bytePairs(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 2)
    sum += (bytes[offset + i]! << 8) | (i + 1 < length ? bytes[offset + i + 1]! : 0);
  return fold(sum);
}

let sink = 0;
const bench = new Bench({ time: 500 });
bench
  .add('sum16, 1460 bytes (32-bit words)', () => {
    for (let i = 0; i < BATCH; i++) sink ^= sum16(payload, 0, 1460);
  })
  .add('byte pairs, 1460 bytes (reference)', () => {
    for (let i = 0; i < BATCH; i++) sink ^= bytePairs(payload, 0, 1460);
  })
  .add('sum16, 20-byte header', () => {
    for (let i = 0; i < BATCH; i++) sink ^= sum16(header, 0, 20);
  });
await bench.run();

for (const task of bench.tasks) {
  const result = task.result;
  const meanMs = result.state === 'completed' ? result.latency.mean : Number.NaN;
  const nsPerOp = (meanMs * 1e6) / BATCH;
  const bytes = task.name.includes('1460') ? 1460 : 20;
  const mbPerSecond = (bytes / nsPerOp) * 1000;
  console.log(
    `${task.name.padEnd(38)} ${nsPerOp.toFixed(1).padStart(8)} ns/op  ${mbPerSecond.toFixed(0).padStart(6)} MB/s`,
  );
}
if (sink === 0.5) console.log(sink);
