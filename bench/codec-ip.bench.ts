// IPv4 wire-layer micro-benchmark: header parse and emit, route lookup and ICMP echo, in ns/op.
// Run: npx tsx bench/codec-ip.bench.ts
// Each task runs a batch of BATCH operations so a sample is well above timer resolution; the figure
// printed is the batch's mean time divided by BATCH.
import { Bench } from 'tinybench';
import { emitIcmp, type IcmpRepr, icmpBufferLen, parseIcmp } from '../src/ip/icmp.ts';
import { blankIpv4Repr, emitIpv4Header, type Ipv4Repr, ipv4BufferLen, parseIpv4 } from '../src/ip/ipv4.ts';
import { emitIpv4Options } from '../src/ip/ipv4-options.ts';
import { RouteTable } from '../src/ip/route.ts';
import { printPerOperation } from './lib/per-op.ts';

const BATCH = 1000;
const SRC = 0xc6120001; // 198.18.0.1
const DST = 0xc6120002; // 198.18.0.2

function packet(fields: Partial<Ipv4Repr>): { repr: Ipv4Repr; bytes: Uint8Array } {
  const repr = {
    ...blankIpv4Repr(),
    srcAddr: SRC,
    dstAddr: DST,
    protocol: 6,
    ttl: 64,
    dontFragment: true,
    ...fields,
  };
  // Inside a larger buffer at an offset, as a packet sits in a TUN read batch.
  const outer = new Uint8Array(ipv4BufferLen(repr) + 4);
  emitIpv4Header(repr, outer, 4);
  return { repr, bytes: outer.subarray(4) };
}

const plain = packet({ identification: 0x1234, payloadLength: 1460 });
const recordRoute = packet({
  protocol: 1,
  payloadLength: 64,
  options: emitIpv4Options([
    { kind: 'nop' },
    { kind: 'record-route', pointer: 4, addresses: new Array(9).fill(0) },
  ]),
});

const echo: IcmpRepr = {
  kind: 'echo-request',
  ident: 11653,
  seqNo: 1,
  data: new Uint8Array(56).map((_, i) => i),
};
const reply: IcmpRepr = { ...echo, kind: 'echo-reply' };
const echoBytes = new Uint8Array(icmpBufferLen(echo));
emitIcmp(echo, echoBytes, 0);

const routes = new RouteTable();
routes.add({ net: 0, prefixLen: 0, gateway: 0xc6120001, ifaceIndex: 0 });
routes.add({ net: 0xc6120000, prefixLen: 15, gateway: 0xc61200fe, ifaceIndex: 0 });
routes.add({ net: 0xc6120000, prefixLen: 24, ifaceIndex: 0 });
routes.add({ net: 0xc6130707, prefixLen: 32, ifaceIndex: 1 });

const out = blankIpv4Repr();
const target = new Uint8Array(2048);
let sink = 0;

function parseTask(bytes: Uint8Array): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) {
      parseIpv4(bytes, 0, bytes.length, out);
      sink += out.payloadLength;
    }
  };
}

function emitTask(repr: Ipv4Repr): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) {
      emitIpv4Header(repr, target, 14);
      sink += target[24]!;
    }
  };
}

function lookupTask(dst: number): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) sink += routes.lookup(dst)!.ifaceIndex;
  };
}

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add('parse IPv4 header (20 octets), checksum verified', parseTask(plain.bytes))
  .add('parse IPv4 header + 40 octets of options (NOP, record route)', parseTask(recordRoute.bytes))
  .add('emit IPv4 header (20 octets) with checksum', emitTask(plain.repr))
  .add('emit IPv4 header + 40 octets of options', emitTask(recordRoute.repr))
  .add('route lookup, 4 routes, hit on /24 (2 probes)', lookupTask(0xc6120063))
  .add('route lookup, 4 routes, default route (4 probes)', lookupTask(0xcb007105))
  .add('parse ICMP echo request (64 octets, allocates its Repr)', () => {
    for (let i = 0; i < BATCH; i++) {
      const repr = parseIcmp(echoBytes, 0, echoBytes.length);
      if (typeof repr !== 'string' && repr.kind === 'echo-request') sink += repr.seqNo;
    }
  })
  .add('emit ICMP echo reply (64 octets)', () => {
    for (let i = 0; i < BATCH; i++) {
      emitIcmp(reply, target, 20);
      sink += target[22]!;
    }
  });

await bench.run();

printPerOperation(bench, BATCH);
if (sink === -1) console.log(sink);
