// RFC 5961 blind attacks against a live connection between two cores: an off-path attacker knows the
// 4-tuple (ports are easy to learn) but not the sequence numbers, and sprays RSTs, SYNs and data segments
// with guessed ones. Nothing may reset the connection or change a byte the application reads, and the
// attacked side's answers (challenge ACKs) must be rate-limited per connection (RFC 5961 §7).

import { describe, expect, it } from 'vitest';
import { type Rng, SeededRng } from '../../src/base/rng.ts';
import { millis, seconds } from '../../src/base/time.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
import type { TcpRepr } from '../../src/tcp/segment.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';
import { CorePair, pump } from './core-pair.ts';
import { tcpPacket } from './wire.ts';

type AttackKind = 'rst' | 'syn' | 'data';

/** A spoofed segment from `victim`'s peer with a guessed sequence (and acknowledgment) number. */
function guessedSegment(victim: Tcb, kind: AttackKind, rng: Rng): Uint8Array {
  const base: Partial<TcpRepr> = {
    srcPort: victim.remotePort,
    dstPort: victim.localPort,
    seqNumber: rng.nextU32(),
  };
  if (kind === 'rst') return tcpPacket({ ...base, control: 'rst' }, victim.remoteAddr, victim.localAddr);
  if (kind === 'syn') return tcpPacket({ ...base, control: 'syn' }, victim.remoteAddr, victim.localAddr);
  return tcpPacket(
    { ...base, ackNumber: rng.nextU32(), payload: new Uint8Array(100).fill(0xee) },
    victim.remoteAddr,
    victim.localAddr,
  );
}

function pattern(length: number, salt: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + salt + (i >>> 8)) & 0xff;
  return data;
}

const CONFIGS: Array<[string, Partial<TcpConfig>]> = [
  ['default options (timestamps, SACK, window scaling)', {}],
  ['no options (no PAWS to hide behind)', { timestamps: false, sack: false, windowScaling: false }],
];

describe.each(CONFIGS)('blind attacks (RFC 5961), %s', (_name, tcp) => {
  it('3000 guessed RSTs, SYNs and data segments during a 2 × 1 MiB transfer: no reset, no corrupted byte', () => {
    const pair = new CorePair({ tcp, seed: 11 });
    const [client, server] = pair.connect(pair.listen(80));
    const rng = new SeededRng(5961);
    const kinds: AttackKind[] = ['rst', 'syn', 'data'];
    let injected = 0;
    // Every packet the client or server sends gives the attacker up to three turns: each a guess at each side.
    pair.tap = (_from, _packet, now) => {
      for (let turn = 0; turn < 3 && injected < 3000; turn++) {
        const kind = kinds[injected % 3]!;
        pair.server.ingress(now, 0, guessedSegment(server, kind, rng));
        pair.client.ingress(now, 0, guessedSegment(client, kind, rng));
        injected++;
      }
      return 'deliver';
    };
    const up = pattern(1 << 20, 1);
    const down = pattern(1 << 20, 2);
    const gotUp: number[] = [];
    const gotDown: number[] = [];
    pump(pair, client, up, server, gotUp);
    pump(pair, server, down, client, gotDown);
    expect(injected).toBe(3000);
    expect([client.state, server.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(pair.client.stats.get('tcp.resets-received') + pair.server.stats.get('tcp.resets-received')).toBe(
      0,
    );
    expect(Buffer.from(gotUp).equals(Buffer.from(up))).toBe(true);
    expect(Buffer.from(gotDown).equals(Buffer.from(down))).toBe(true);
  });

  // A guess inside the window (but not at RCV.NXT) is the case RFC 5961 §3.2 is about; random ones almost
  // never land there, so this attacker is given the window and must still not hit RCV.NXT exactly.
  const inWindowRst = (victim: Tcb, rng: Rng): Uint8Array =>
    tcpPacket(
      {
        srcPort: victim.remotePort,
        dstPort: victim.localPort,
        control: 'rst',
        seqNumber: (victim.rcvNxt + 1 + (rng.nextU32() % 1000)) >>> 0,
      },
      victim.remoteAddr,
      victim.localAddr,
    );

  // A rate-limited challenge ACK is a plain counter; the segment itself counts as one drop.
  it('a segment dropped while challenge ACKs are rate-limited counts as one drop', () => {
    const pair = new CorePair({ tcp, seed: 13 });
    const [client, server] = pair.connect(pair.listen(80));
    const stale = (seq: number) =>
      tcpPacket(
        {
          srcPort: client.localPort,
          dstPort: 80,
          seqNumber: seq,
          ackNumber: (server.sndUna - 0x7000_0000) >>> 0,
        },
        client.localAddr,
        server.localAddr,
      );
    for (let i = 0; i < 100; i++) pair.server.ingress(pair.now, 0, stale(server.rcvNxt));
    expect(pair.server.stats.get('drop')).toBe(100);
  });

  it('1000 in-window RSTs a second for 5 s at an idle connection: at most 10 challenge ACKs a second', () => {
    const { perSecond, challengeAcks } = idleAttack(tcp, inWindowRst);
    expect(challengeAcks).toBeGreaterThan(0);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(10);
  });

  // RFC 5961 §4.2: a SYN at any sequence number gets a (rate-limited) challenge ACK.
  it('1000 guessed SYNs a second for 5 s at an idle connection: at most 10 ACKs a second', () => {
    const { perSecond } = idleAttack(tcp, (victim, rng) => guessedSegment(victim, 'syn', rng));
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(10);
  });

  // Replies to out-of-window segments that are not retransmissions are rate-limited, as Linux does
  // (tcp_invalid_ratelimit): otherwise each forged segment makes the victim send the real peer a dup ACK.
  it('1000 guessed data segments a second for 5 s at an idle connection: at most 10 ACKs a second', () => {
    const { perSecond } = idleAttack(tcp, (victim, rng) => guessedSegment(victim, 'data', rng));
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(10);
  });
});

/** Injects one `forge`d segment a millisecond for 5 s at the server of an idle connection; counts answers. */
function idleAttack(
  tcp: Partial<TcpConfig>,
  forge: (victim: Tcb, rng: Rng) => Uint8Array,
): { perSecond: number[]; challengeAcks: number } {
  const pair = new CorePair({ tcp, seed: 12 });
  const [client, server] = pair.connect(pair.listen(80));
  pair.run(seconds(1));
  const rng = new SeededRng(17);
  const answers: number[] = [];
  pair.tap = (from, _packet, now) => {
    if (from === 'server') answers.push(now);
    return 'deliver';
  };
  const start = pair.now;
  for (let ms = 0; ms < 5000; ms++) {
    pair.server.ingress(pair.now, 0, forge(server, rng));
    pair.run(millis(1));
  }
  expect(server.state).toBe('ESTABLISHED');
  expect(client.state).toBe('ESTABLISHED');
  expect(pair.server.stats.get('tcp.resets-received')).toBe(0);
  const perSecond = [0, 0, 0, 0, 0];
  for (const at of answers) perSecond[Math.min(4, Math.floor((at - start) / 1_000_000))]!++;
  const challengeAcks = pair.server.stats.get('tcp.challenge-acks');
  console.log(
    `blind attack: 5000 segments, answers per second ${perSecond.join('/')}, challenge ACKs ${challengeAcks}`,
  );
  return { perSecond, challengeAcks };
}
