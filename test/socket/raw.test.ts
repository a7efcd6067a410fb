import { afterEach, describe, expect, it } from 'vitest';
import { checksum } from '../../src/base/checksum.ts';
import {
  AF_INET,
  IP_HDRINCL,
  IPPROTO_ICMP,
  IPPROTO_IP,
  IPPROTO_RAW,
  SOCK_DGRAM,
  SOCK_RAW,
  Stack,
} from '../../src/index.ts';

let stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

function echoRequest(ident: number, seq: number, data: Uint8Array): Uint8Array {
  const icmp = new Uint8Array(8 + data.length);
  icmp[0] = 8;
  icmp[4] = ident >> 8;
  icmp[5] = ident & 0xff;
  icmp[6] = seq >> 8;
  icmp[7] = seq & 0xff;
  icmp.set(data, 8);
  const sum = checksum(icmp, 0, icmp.length);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return icmp;
}

describe('raw sockets', () => {
  it('an ICMP raw socket pings the other stack and reads the whole reply packet', async () => {
    stacks = await Stack.memoryPair({ seed: 1 });
    const [a] = stacks as [Stack, Stack];
    const s = a.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    await s.sendto(echoRequest(0x1234, 1, Buffer.from('ping!')), ['198.18.0.2', 0]);
    const [packet, from] = await s.recvfrom(1500);
    expect(from?.[0]).toBe('198.18.0.2');
    expect(packet[0]! >> 4).toBe(4);
    expect(packet[9]).toBe(1);
    const icmp = packet.subarray((packet[0]! & 0xf) * 4);
    expect(icmp[0]).toBe(0);
    expect((icmp[4]! << 8) | icmp[5]!).toBe(0x1234);
    expect(icmp.subarray(8).toString()).toBe('ping!');
    expect(checksum(icmp, 0, icmp.length)).toBe(0);
  });

  it('IP_HDRINCL completes length, id, source and checksum as Linux does', async () => {
    stacks = await Stack.memoryPair({ seed: 2 });
    const [a, b] = stacks as [Stack, Stack];
    const server = b.socket(AF_INET, SOCK_DGRAM);
    server.bind(['', 4000]);
    const raw = a.socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    expect(raw.getsockopt(IPPROTO_IP, IP_HDRINCL)).toBe(1);
    const payload = Buffer.from('handmade');
    const packet = new Uint8Array(20 + 8 + payload.length);
    packet.set([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0xde, 0xad, 0, 0, 0, 0, 198, 18, 0, 2]);
    packet.set([0x0f, 0xa0, 0x0f, 0xa0, 0, 8 + payload.length, 0, 0], 20);
    packet.set(payload, 28);
    await raw.sendto(packet, ['198.18.0.2', 0]);
    const [data, from] = await server.recvfrom(100);
    expect(data.toString()).toBe('handmade');
    expect(from).toEqual(['198.18.0.1', 4000]);
  });
});
