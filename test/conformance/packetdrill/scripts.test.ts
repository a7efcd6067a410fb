// Every packetdrill script in ../shared/packetdrill/tcp parses. The scripts are GPL-2.0 test data kept
// outside the repository; without that folder these tests are skipped.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Event, formatScriptError, type Script } from '../../../src/conformance/packetdrill/ast.ts';
import { parseScript, splitCommandLines } from '../../../src/conformance/packetdrill/parser.ts';
import { printScript } from '../../../src/conformance/packetdrill/print.ts';

const ROOT = path.resolve(process.cwd(), '../shared/packetdrill');
const TCP = path.join(ROOT, 'tcp');
const present = existsSync(TCP);

/** Events per script as [total, packets, system calls]: a sanity snapshot of what the parser found. */
const EVENT_COUNTS: Record<string, [number, number, number]> = {
  'blocking/blocking-connect.pkt': [5, 3, 2],
  'blocking/blocking-read.pkt': [18, 9, 9],
  'blocking/blocking-write.pkt': [14, 6, 8],
  'close/close-on-syn-sent.pkt': [7, 3, 4],
  'eor/no-coalesce-large.pkt': [17, 9, 8],
  'eor/no-coalesce-retrans.pkt': [45, 28, 17],
  'eor/no-coalesce-small.pkt': [18, 10, 8],
  'eor/no-coalesce-subsequent.pkt': [45, 28, 17],
  'fast_recovery/prr-ss-30pkt-lost-1_4-11_16.pkt': [35, 29, 6],
  'fast_recovery/prr-ss-30pkt-lost1_4.pkt': [26, 19, 7],
  'fast_retransmit/fr-4pkt-fack-last-byte.pkt': [22, 15, 7],
  'fast_retransmit/fr-4pkt-fack-last-mss.pkt': [12, 6, 6],
  'fast_retransmit/fr-4pkt-sack.pkt': [19, 12, 7],
  'fast_retransmit/fr-4pkt.pkt': [19, 12, 7],
  'ioctl/ioctl-siocinq-fin.pkt': [18, 7, 11],
  'limited_transmit/limited-transmit-no-sack.pkt': [27, 20, 7],
  'linux-selftests/tcp_basic_client.pkt': [12, 8, 4],
  'linux-selftests/tcp_close_no_rst.pkt': [15, 8, 7],
  'linux-selftests/tcp_disorder_fin_in_FIN_WAIT.pkt': [13, 7, 6],
  'linux-selftests/tcp_dsack_mult.pkt': [22, 17, 5],
  'nagle/https_client.pkt': [20, 12, 8],
  'notsent_lowat/notsent-lowat-default.pkt': [16, 7, 9],
  'sack/sack-route-refresh-ip-tos.pkt': [20, 12, 8],
  'shutdown/shutdown-rd-close.pkt': [18, 9, 9],
  'shutdown/shutdown-rd-wr-close.pkt': [23, 11, 12],
  'shutdown/shutdown-wr-close.pkt': [18, 9, 9],
  'syscall_bad_arg/syscall-invalid-buf-ptr.pkt': [16, 4, 12],
  'ts_recent/invalid_ack.pkt': [11, 6, 5],
  'validate/validate-established-no-flags.pkt': [12, 5, 7],
};

function scriptFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return scriptFiles(full);
      return name.endsWith('.pkt') ? [full] : [];
    })
    .sort();
}

function parseFile(file: string): Script {
  const result = parseScript(readFileSync(file, 'utf8'), { file: path.relative(TCP, file) });
  if (!result.ok) throw new Error(formatScriptError(result.error));
  return result.value;
}

/** Line numbers are the one thing a reprinted script changes. */
function withoutLines(script: Script): unknown {
  const strip = <T extends { line: number }>(item: T): T => ({ ...item, line: 0 });
  return {
    ...script,
    options: script.options.map(strip),
    events: script.events.map((event: Event) => strip(event)),
    ...(script.initCommand && { initCommand: strip(script.initCommand) }),
    ...(script.cleanupCommand && { cleanupCommand: strip(script.cleanupCommand) }),
  };
}

describe.skipIf(!present)(`packetdrill scripts in ${ROOT} (skipped when that folder is absent)`, () => {
  const files = present ? scriptFiles(TCP) : [];

  it('finds every script listed in the snapshot', () => {
    const found = new Set(files.map((file) => path.relative(TCP, file)));
    expect(Object.keys(EVENT_COUNTS).filter((name) => !found.has(name))).toEqual([]);
  });

  it.each(files.map((file) => [path.relative(TCP, file), file]))('parses %s', (name, file) => {
    const script = parseFile(file);
    const packets = script.events.filter(
      (e) => e.kind === 'tcp' || e.kind === 'udp' || e.kind === 'icmp',
    ).length;
    const syscalls = script.events.filter((e) => e.kind === 'syscall').length;
    const expected = EVENT_COUNTS[name];
    if (expected) expect([script.events.length, packets, syscalls]).toEqual(expected);
    // NOTES.md 8.1: the init command runs defaults.sh first, and run.c wants the first event at time 0.
    expect(splitCommandLines(script.initCommand?.command ?? '')[0]).toMatch(/defaults\.sh$/);
    expect(script.events[0]!.time).toEqual({ kind: 'absolute', usecs: 0 });
  });

  it('reads script options and multi-line init commands', () => {
    const read = parseFile(path.join(TCP, 'blocking/blocking-read.pkt'));
    expect(read.options).toEqual([{ name: 'tolerance_usecs', value: '10000', line: 2 }]);
    const lowat = parseFile(path.join(TCP, 'notsent_lowat/notsent-lowat-default.pkt'));
    expect(splitCommandLines(lowat.initCommand!.command)).toEqual([
      '../../common/defaults.sh',
      '../common/set_sysctls.py /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304" ' +
        '                         /proc/sys/net/ipv4/tcp_min_tso_segs=10',
    ]);
    expect(lowat.cleanupCommand?.command).toBe(`/tmp/sysctl_restore_\${PPID}.sh`);
  });

  it('reprints every script so that it parses to the same script', () => {
    for (const file of files) {
      const script = parseFile(file);
      const again = parseScript(printScript(script), { file: script.file });
      if (!again.ok) throw new Error(formatScriptError(again.error));
      expect(withoutLines(again.value)).toEqual(withoutLines(script));
    }
  });
});
