// `ustack ping`: ICMP echo from the stack through a raw ICMP socket, with ping(8)'s output format.

import { checksum } from '../base/checksum.ts';
import { AF_INET, IPPROTO_ICMP, SOCK_RAW } from '../socket/constants.ts';
import { TimeoutError } from '../socket/errors.ts';
import { CliError, numberOption, parseCommandArgs } from './args.ts';
import { closeLabStack, LAB_HELP, LAB_OPTIONS, openLabStack } from './lab.ts';

const HELP = `usage: ustack ping HOST [-c COUNT] [-s SIZE] [-i INTERVAL] [-W TIMEOUT] [common options]

Sends ICMP echo requests from the stack and prints the replies as ping(8) does.
  -c COUNT     stop after COUNT requests (default 4)
  -s SIZE      bytes of data per request (default 56)
  -i INTERVAL  seconds between requests (default 1)
  -W TIMEOUT   seconds to wait for the last reply (default 2)

${LAB_HELP}`;

export async function runPing(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      ...LAB_OPTIONS,
      count: { type: 'string', short: 'c' },
      size: { type: 'string', short: 's' },
      interval: { type: 'string', short: 'i' },
      wait: { type: 'string', short: 'W' },
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const host = positionals[0];
  if (host === undefined || positionals.length > 1) throw new CliError('expected one HOST');
  const count = numberOption('count', values.count, 4, 1, 1_000_000);
  const size = numberOption('size', values.size, 56, 0, 65507);
  const interval = numberOption('interval', values.interval, 1, 0.01, 3600);
  const wait = numberOption('wait', values.wait, 2, 0.01, 3600);

  const stack = await openLabStack(values);
  const s = stack.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const ident = process.pid & 0xffff;
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  console.log(`PING ${host} (${host}) ${size}(${size + 28}) bytes of data.`);
  const started = performance.now();

  const receiving = (async () => {
    while (rtts.length < count) {
      const lastSent = Math.max(0, ...sentAt.values());
      s.settimeout(
        sentAt.size === count ? Math.max(0.001, wait - (performance.now() - lastSent) / 1000) : null,
      );
      let packet: Buffer;
      try {
        [packet] = await s.recvfrom(65535);
      } catch (error) {
        if (error instanceof TimeoutError) return;
        throw error;
      }
      const headerLen = (packet[0]! & 0x0f) * 4;
      const icmp = packet.subarray(headerLen);
      if (icmp[0] !== 0 || icmp.readUInt16BE(4) !== ident) continue;
      const seq = icmp.readUInt16BE(6);
      const sent = sentAt.get(seq);
      if (sent === undefined) continue;
      const rtt = performance.now() - sent;
      rtts.push(rtt);
      const from = `${packet[12]}.${packet[13]}.${packet[14]}.${packet[15]}`;
      console.log(
        `${icmp.length} bytes from ${from}: icmp_seq=${seq} ttl=${packet[8]} time=${formatMs(rtt)} ms`,
      );
    }
  })();

  for (let seq = 1; seq <= count; seq++) {
    sentAt.set(seq, performance.now());
    await s.sendto(echoRequest(ident, seq, size), [host, 0]);
    if (seq < count) await new Promise((resolve) => setTimeout(resolve, interval * 1000));
  }
  await receiving;
  s.close();

  const elapsed = Math.round(performance.now() - started);
  const loss = Math.round(((count - rtts.length) / count) * 100);
  console.log(`\n--- ${host} ping statistics ---`);
  console.log(
    `${count} packets transmitted, ${rtts.length} received, ${loss}% packet loss, time ${elapsed}ms`,
  );
  if (rtts.length > 0) {
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / rtts.length);
    console.log(
      `rtt min/avg/max/mdev = ${[Math.min(...rtts), avg, Math.max(...rtts), mdev].map((v) => v.toFixed(3)).join('/')} ms`,
    );
  }
  await closeLabStack(stack, values);
  return rtts.length === count ? 0 : 1;
}

function echoRequest(ident: number, seq: number, size: number): Buffer {
  const packet = Buffer.alloc(8 + size);
  packet[0] = 8;
  packet.writeUInt16BE(ident, 4);
  packet.writeUInt16BE(seq, 6);
  for (let i = 0; i < size; i++) packet[8 + i] = i & 0xff;
  packet.writeUInt16BE(checksum(packet, 0, packet.length), 2);
  return packet;
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3);
}
