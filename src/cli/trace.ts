// `ustack trace CAPTURE.pcap`: every packet of a capture as `tcpdump -nn -r` prints it (ustack's captures or
// tcpdump's, any link type the pcap reader strips), then what happened on each connection.

import { readFile } from 'node:fs/promises';
import { type PcapError, type PcapFile, readPcap } from '../link/pcap.ts';
import { formatCaptureSummary, summarizeCapture } from '../trace/summary.ts';
import { TcpdumpFormatter } from '../trace/tcpdump.ts';
import { CliError, parseCommandArgs } from './args.ts';
import { style } from './style.ts';

const HELP = `usage: ustack trace CAPTURE.pcap [-S]

Prints every packet of a pcap file as 'tcpdump -nn -r' does (time of day in UTC, then the packet), then
a summary of each TCP connection and UDP flow: packets, data bytes and retransmissions each way, how long
it lasted and how it ended (closed by FIN, reset, refused, still open).

Reads classic pcap files with raw IP, Ethernet or Linux cooked (tcpdump -i any) link headers, in either
byte order, with micro- or nanosecond time stamps: what ustack --pcap, tcpdump -w and tshark -F pcap write.

options:
  -S, --absolute  print absolute TCP sequence numbers (tcpdump -S); the default is relative to the ISN
  -h, --help      show this help`;

const PCAP_PROBLEMS: Record<PcapError, string> = {
  'pcap.truncated': 'too short to be a pcap file',
  'pcap.bad-magic': 'not a pcap file (its first bytes are not a pcap magic number)',
  'pcap.pcapng-unsupported':
    "a pcapng file, which ustack does not read: convert it with 'editcap -F pcap IN OUT' (Wireshark)",
  'pcap.unsupported-link-type': 'its link type is not raw IP, Ethernet or Linux cooked capture',
  'pcap.truncated-record': 'it ends in the middle of a packet (a capture cut short?)',
  'pcap.bad-record-length': 'a packet record claims an impossible length (a damaged file?)',
};

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error).message;
}

/**
 * Reads and decodes a capture. An unreadable one is reported on stderr as one line naming the file and
 * the problem, and gives undefined: the caller exits with status 1.
 */
export async function readCapture(command: string, path: string): Promise<PcapFile | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    console.error(`ustack ${command}: cannot read ${path}: ${readProblem(error)}`);
    return undefined;
  }
  const capture = readPcap(bytes);
  if (typeof capture === 'string') {
    console.error(`ustack ${command}: cannot read ${path}: ${PCAP_PROBLEMS[capture]} (${capture})`);
    return undefined;
  }
  return capture;
}

export async function runTrace(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { absolute: { type: 'boolean', short: 'S' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new CliError(`expected one capture file, got ${positionals.length} (see --help)`);
  }
  const path = positionals[0]!;
  const capture = await readCapture('trace', path);
  if (capture === undefined) return 1;
  const formatter = new TcpdumpFormatter({ absolute: values.absolute === true });
  const lines: string[] = [];
  for (const record of capture.records) lines.push(formatter.line(record.timestampMicros, record.packet));
  if (capture.skipped > 0) lines.push(`(${capture.skipped} non-IPv4 frames left out)`);
  lines.push('', style.title('summary'), ...formatCaptureSummary(summarizeCapture(capture.records)));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
