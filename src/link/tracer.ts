// A Link decorator that writes one tcpdump-style line per packet, both directions, in the layout of
// `tcpdump -i any -nn` (time, interface, In/Out, then the packet):
//   12:00:00.000123 tun0  Out IP 198.18.0.2.80 > 198.18.0.1.41234: Flags [S.], seq 1, ack 2, ...
// One formatter serves both directions, so relative sequence numbers follow each connection as tcpdump's
// do. Lines are formatted before the packet moves on: a sent packet belongs to the inner link afterwards,
// and a received one is valid only during the handler call.

import { formatTimestamp, TcpdumpFormatter } from '../trace/tcpdump.ts';
import type { Link } from './link.ts';
import { type TapOptions, withTap } from './tap.ts';

/**
 * Wraps `link` so that every packet it sends or receives is also written as a line to `write`, stamped
 * with `clock()` (microseconds; printed as UTC time of day). `label` names the interface column.
 */
export function withTracer(
  link: Link,
  write: (line: string) => void,
  clock: () => number,
  label?: string,
  options: TapOptions = {},
): Link {
  const formatter = new TcpdumpFormatter();
  // tcpdump pads the interface name to 5 columns and the direction to 3.
  const prefix = label === undefined ? '' : `${label.padEnd(5)} `;
  const trace = (direction: 'In ' | 'Out', at: number, packet: Uint8Array) =>
    write(`${formatTimestamp(at)} ${prefix}${direction} ${formatter.format(packet)}`);
  return withTap(
    link,
    {
      sent: (packet) => trace('Out', clock(), packet),
      received: (packets) => {
        const now = clock();
        for (const packet of packets) trace('In ', now, packet);
      },
    },
    options,
  );
}
