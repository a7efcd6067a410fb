// Real Linux segments as fixtures. Captured on Linux 6.18 with `tcpdump -w` inside a network namespace
// made by `unshare -n`: the kernel at 198.18.0.1 on a TUN device (no checksum offload, so every checksum is
// complete), a python3 script at 198.18.0.2 on the other end of the device answering the kernel's SYN,
// sending out-of-order data so the kernel answered with SACK blocks, then closing. The SYN variants were
// made by connect() under each combination of the net.ipv4.tcp_timestamps / tcp_sack / tcp_window_scaling
// sysctls. The last fixture is from a loopback connection in such a namespace, where Linux leaves the
// checksum partial (pseudo-header sum only) for the device to finish. tcpdump -vv read every checksum
// below as "correct", except the loopback one, as expected.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import {
  blankTcpRepr,
  emitTcp,
  flagsString,
  parseTcp,
  type TcpRepr,
  TcpView,
  tcpBufferLen,
  tcpFlags,
} from '../../src/tcp/segment.ts';

const KERNEL = 0xc6120001; // 198.18.0.1
const PEER = 0xc6120002; // 198.18.0.2

/** The kernel's SYN to 198.18.0.2:5001 (default sysctls). */
const SYN = fromHex(
  '9c411389 28d9481b 00000000 a002faf0 51e40000 020405b4 0402080a 7b09d337 00000000 0103030a',
);
/** The kernel's SYN-ACK from a listener on :5002 to our SYN. */
const SYN_ACK = fromHex(
  '138a9c42 fb1df665 20000001 a012fe88 3b6f0000 020405b4 0402080a 045bb917 00000309 0103030a',
);
/** send(b'hello from linux\n') on the established connection. */
const DATA = fromHex(
  '9c411389 28d9481c 10000001 8018003f 442e0000 0101080a 7b09d337 000003e8 68656c6c 6f206672 6f6d206c 696e7578 0a',
);
/** Duplicate ACKs after our out-of-order segments at +100, +300, +500 (100 bytes each). */
const SACK_1 = fromHex(
  '9c411389 28d9482d 10000001 b010003f 10160000 0101080a 7b09d337 000003e8 0101050a 10000065 100000c9',
);
const SACK_2 = fromHex(
  '9c411389 28d9482d 10000001 d010003f cd470000 0101080a 7b09d337 000003e8 01010512 1000012d 10000191 10000065 100000c9',
);
const SACK_3 = fromHex(
  '9c411389 28d9482d 10000001 f010003f 88e90000 0101080a 7b09d337 000003e8 0101051a 100001f5 10000259 1000012d 10000191 10000065 100000c9',
);
/** shutdown(SHUT_WR): the FIN still carries the three SACK blocks. */
const FIN = fromHex(
  '9c411389 28d9482d 10000001 f011003f 88e80000 0101080a 7b09d337 000003e8 0101051a 100001f5 10000259 1000012d 10000191 10000065 100000c9',
);
/** Loopback, 198.18.0.1:40000 → 198.18.0.1:5001, 'hello ustack\n', checksum left partial (0x8c5a). */
const LOOPBACK_PARTIAL = fromHex(
  '9c401389 8559553d 05a4a89a 80180040 8c5a0000 0101080a ec181421 ae627d73 68656c6c 6f207573 7461636b 0a',
);

function parsed(bytes: Uint8Array, src = KERNEL, dst = PEER): TcpRepr {
  const repr = blankTcpRepr();
  expect(parseTcp(bytes, 0, bytes.length, src, dst, repr)).toBeUndefined();
  return repr;
}

/** Emits at offset 7 of a 0xa5-filled buffer and returns the segment's bytes and the bytes around it. */
function emitted(repr: TcpRepr, src = KERNEL, dst = PEER, mode: 'full' | 'partial' = 'full') {
  const len = tcpBufferLen(repr);
  const outer = new Uint8Array(len + 16).fill(0xa5);
  emitTcp(repr, outer, 7, src, dst, mode);
  return {
    segment: outer.subarray(7, 7 + len),
    before: outer.subarray(0, 7),
    after: outer.subarray(7 + len),
  };
}

function expectEmitReproduces(bytes: Uint8Array, src = KERNEL, dst = PEER): void {
  const { segment, before, after } = emitted(parsed(bytes, src, dst), src, dst);
  expect(toHex(segment)).toBe(toHex(bytes));
  expect(before.every((b) => b === 0xa5) && after.every((b) => b === 0xa5)).toBe(true);
}

const OPTION_NAMES: Record<number, string> = {
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  8: 'TS',
};

/** The option kinds in order, named as tcpdump names them. */
function optionLayout(options: Uint8Array): string {
  const names: string[] = [];
  for (let i = 0; i < options.length && options[i] !== 0; i += options[i] === 1 ? 1 : options[i + 1]!) {
    names.push(OPTION_NAMES[options[i]!] ?? `kind ${options[i]}`);
  }
  return names.join(' ');
}

describe('TCP segments from Linux', () => {
  it('parses the SYN field by field and re-emits its exact bytes', () => {
    const syn = parsed(SYN);
    expect(syn).toMatchObject({
      srcPort: 40001,
      dstPort: 5001,
      control: 'syn',
      push: false,
      seqNumber: 0x28d9481b,
      ackNumber: undefined,
      windowLen: 64240,
      urgentPointer: undefined,
      ece: false,
      cwr: false,
      maxSegSize: 1460,
      windowScale: 10,
      sackPermitted: true,
      sackRanges: [],
      timestamp: { tsVal: 0x7b09d337, tsEcr: 0 },
      unknownOptions: [],
    });
    expect(syn.payload.length).toBe(0);
    expectEmitReproduces(SYN);
  });

  it('parses the SYN-ACK field by field and re-emits its exact bytes', () => {
    const synAck = parsed(SYN_ACK);
    expect(synAck).toMatchObject({
      srcPort: 5002,
      dstPort: 40002,
      control: 'syn',
      seqNumber: 0xfb1df665,
      ackNumber: 0x20000001,
      windowLen: 65160,
      maxSegSize: 1460,
      windowScale: 10,
      sackPermitted: true,
      sackRanges: [],
      timestamp: { tsVal: 0x045bb917, tsEcr: 777 },
    });
    expect(flagsString(tcpFlags(synAck))).toBe('S.');
    expectEmitReproduces(SYN_ACK);
  });

  it('parses a data segment field by field and re-emits its exact bytes', () => {
    const data = parsed(DATA);
    expect(data).toMatchObject({
      srcPort: 40001,
      dstPort: 5001,
      control: 'none',
      push: true,
      seqNumber: 0x28d9481c,
      ackNumber: 0x10000001,
      windowLen: 63,
      urgentPointer: undefined,
      maxSegSize: undefined,
      windowScale: undefined,
      sackPermitted: false,
      sackRanges: [],
      timestamp: { tsVal: 0x7b09d337, tsEcr: 1000 },
    });
    expect(new TextDecoder().decode(data.payload)).toBe('hello from linux\n');
    expect(data.payload.buffer).toBe(DATA.buffer);
    expect(flagsString(tcpFlags(data))).toBe('P.');
    expectEmitReproduces(DATA);
  });

  it('parses SACK blocks, most recent first, and re-emits nop,nop,TS,nop,nop,sack exactly', () => {
    const base = 0x10000001;
    const block = (from: number): [number, number] => [base + from, base + from + 100];
    expect(parsed(SACK_1).sackRanges).toEqual([block(100)]);
    expect(parsed(SACK_2).sackRanges).toEqual([block(300), block(100)]);
    expect(parsed(SACK_3).sackRanges).toEqual([block(500), block(300), block(100)]);
    for (const bytes of [SACK_1, SACK_2, SACK_3]) {
      expect(flagsString(tcpFlags(parsed(bytes)))).toBe('.');
      expect(optionLayout(new TcpView().wrap(bytes).options)).toBe('nop nop TS nop nop sack');
      expectEmitReproduces(bytes);
    }
  });

  it('parses the FIN field by field and re-emits its exact bytes', () => {
    const fin = parsed(FIN);
    expect(fin).toMatchObject({
      control: 'fin',
      push: false,
      seqNumber: 0x28d9482d,
      ackNumber: 0x10000001,
      windowLen: 63,
      timestamp: { tsVal: 0x7b09d337, tsEcr: 1000 },
    });
    expect(fin.sackRanges).toHaveLength(3);
    expect(flagsString(tcpFlags(fin))).toBe('F.');
    expectEmitReproduces(FIN);
  });

  it('shows the raw fields through TcpView', () => {
    const view = new TcpView().wrap(DATA);
    expect(view.check()).toBeUndefined();
    expect(view.dataOffset).toBe(8);
    expect(view.headerLength).toBe(32);
    expect(view.flags).toBe(0x18);
    expect([view.psh, view.ack, view.syn, view.fin, view.rst, view.urg, view.ece, view.cwr]).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(view.checksumField).toBe(0x442e);
    expect(toHex(view.options)).toBe('0101080a7b09d337000003e8');
    expect(view.payloadLength).toBe(17);
    expect(view.verifyChecksum(KERNEL, PEER)).toBe(true);
    expect(view.verifyChecksum(PEER, KERNEL + 1)).toBe(false);
  });

  it('reproduces the SYN option layout Linux uses under every timestamp / SACK / window-scale setting', () => {
    // [sysctls enabled, the kernel's SYN, the option layout tcpdump printed for it]
    const synBySysctls: Array<[string, string, string]> = [
      [
        'ts sack ws',
        'a0281389 6d6d31ae 00000000 a002faf0 369f0000 020405b4 0402080a a7b08fc7 00000000 0103030a',
        'mss sackOK TS nop wscale',
      ],
      [
        'ts sack',
        'a0291389 6f470f95 00000000 9002faf0 4e260000 020405b4 0402080a 6d12e72d 00000000',
        'mss sackOK TS',
      ],
      [
        'ts ws',
        'a02a1389 cffa5654 00000000 a002faf0 579b0000 020405b4 0101080a 5ad03777 00000000 0103030a',
        'mss nop nop TS nop wscale',
      ],
      [
        'ts',
        'a02b1389 d9629a4b 00000000 9002faf0 b50b0000 020405b4 0101080a 1cfbde8c 00000000',
        'mss nop nop TS',
      ],
      [
        'sack ws',
        'a02c1389 840dca82 00000000 8002faf0 e5af0000 020405b4 01010402 0103030a',
        'mss nop nop sackOK nop wscale',
      ],
      ['sack', 'a02d1389 613a90d0 00000000 7002faf0 56450000 020405b4 01010402', 'mss nop nop sackOK'],
      ['ws', 'a02e1389 37bca2af 00000000 7002faf0 6ed90000 020405b4 0103030a', 'mss nop wscale'],
      ['', 'a02f1389 3959a622 00000000 6002faf0 7dd90000 020405b4', 'mss'],
    ];
    for (const [settings, hex, layout] of synBySysctls) {
      const bytes = fromHex(hex);
      const syn = parsed(bytes);
      expect(syn.control, layout).toBe('syn');
      expect(syn.maxSegSize, layout).toBe(1460);
      expect(syn.timestamp !== undefined, layout).toBe(settings.includes('ts'));
      expect(syn.sackPermitted, layout).toBe(settings.includes('sack'));
      expect(syn.windowScale, layout).toBe(settings.includes('ws') ? 10 : undefined);
      expect(optionLayout(new TcpView().wrap(bytes).options)).toBe(layout);
      expectEmitReproduces(bytes);
    }
  });

  it("leaves the checksum partial as Linux does on loopback when asked for 'partial'", () => {
    const repr = blankTcpRepr();
    expect(
      parseTcp(LOOPBACK_PARTIAL, 0, LOOPBACK_PARTIAL.length, KERNEL, KERNEL, repr, true),
    ).toBeUndefined();
    expect(new TextDecoder().decode(repr.payload)).toBe('hello ustack\n');
    const { segment } = emitted(repr, KERNEL, KERNEL, 'partial');
    expect(toHex(segment)).toBe(toHex(LOOPBACK_PARTIAL));
    // Unverified, the same bytes are a bad checksum: only the pseudo-header has been summed.
    expect(parseTcp(LOOPBACK_PARTIAL, 0, LOOPBACK_PARTIAL.length, KERNEL, KERNEL, blankTcpRepr())).toBe(
      'tcp.bad-checksum',
    );
  });
});
