// Real IPv4 packets, link headers stripped, for the wire-layer tests. Where each came from:
//  - KERNEL_*: Linux 6.x kernel traffic in test/fixtures/icmp.pcap and fragments.pcap (made by
//    test/fixtures/capture.sh: two lab namespaces, 198.18.0.1 ↔ 198.18.0.2 over veth).
//  - TIMESTAMP_*: `ping -T tsonly|tsandaddr|tsprespec 198.18.0.1` over lo inside `unshare -n`, captured
//    with `tcpdump -i lo -w` (the kernel answers itself, filling the timestamp slots).
//  - SCAPY_*: built with Debian's python3-scapy 2.5.0 (`raw(IP(...)/...)`), for what a Linux host will not
//    send on its own (router alert on a unicast packet, loose source route, routers' ICMP errors).

import { fromHex } from '../../src/base/bytes.ts';

/** ping 198.18.0.2: DF, TTL 64, id 0xae5a, ICMP echo id 11653 seq 1, 56 data octets. */
export const KERNEL_ECHO_REQUEST = fromHex(
  '45000054 ae5a4000 40010027 c6120001 c6120002 0800a561 2d850001 e72e026b 00000000 7cab0000 ' +
    '00000000 10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 ' +
    '34353637',
);

/** The reply to KERNEL_ECHO_REQUEST: no DF, id 0xd5b2. */
export const KERNEL_ECHO_REPLY = fromHex(
  '45000054 d5b20000 400118cf c6120002 c6120001 0000ad61 2d850001 e72e026b 00000000 7cab0000 ' +
    '00000000 10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 ' +
    '34353637',
);

/** `ping -R`: IHL 15, options NOP + record route (len 39, ptr 8, first slot 198.18.0.1). */
export const KERNEL_RECORD_ROUTE_REQUEST = fromHex(
  '4f00007c ae874000 400107af c6120001 c6120002 01072708 c6120001 00000000 00000000 00000000 ' +
    '00000000 00000000 00000000 00000000 00000000 08007c0e 2db60001 e72e026b 00000000 a2cd0300 ' +
    '00000000 10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 ' +
    '34353637',
);

/** Its reply: record route (len 39, ptr 16) with 198.18.0.1, 198.18.0.2, 198.18.0.2 filled, then EOL. */
export const KERNEL_RECORD_ROUTE_REPLY = fromHex(
  '4f00007c d5dd0000 4001ba02 c6120002 c6120001 072710c6 120001c6 120002c6 12000200 00000000 ' +
    '00000000 00000000 00000000 00000000 00000000 0000840e 2db60001 e72e026b 00000000 a2cd0300 ' +
    '00000000 10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 ' +
    '34353637',
);

/** The last fragment of a 3008-octet ping: offset 2960, MF clear, 48 data octets. */
export const KERNEL_LAST_FRAGMENT = fromHex(
  '45000044 aee60172 40013e39 c6120001 c6120002 88898a8b 8c8d8e8f 90919293 94959697 98999a9b ' +
    '9c9d9e9f a0a1a2a3 a4a5a6a7 a8a9aaab acadaeaf b0b1b2b3 b4b5b6b7',
);

/** UDP to a closed port 9: Linux quotes 548 octets of the datagram (tos 0xc0, total 576). */
export const KERNEL_PORT_UNREACHABLE = fromHex(
  '45c00240 d6240000 400115b1 c6120002 c6120001 0303ee4c 00000000 450007ec ba570000 40112c82 ' +
    'c6120001 c6120002 9c430009 07d87d9b 00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 ' +
    '18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637 38393a3b 3c3d3e3f ' +
    '40414243 44454647 48494a4b 4c4d4e4f 50515253 54555657 58595a5b 5c5d5e5f 60616263 64656667 ' +
    '68696a6b 6c6d6e6f 70717273 74757677 78797a7b 7c7d7e7f 80818283 84858687 88898a8b 8c8d8e8f ' +
    '90919293 94959697 98999a9b 9c9d9e9f a0a1a2a3 a4a5a6a7 a8a9aaab acadaeaf b0b1b2b3 b4b5b6b7 ' +
    'b8b9babb bcbdbebf c0c1c2c3 c4c5c6c7 c8c9cacb cccdcecf d0d1d2d3 d4d5d6d7 d8d9dadb dcdddedf ' +
    'e0e1e2e3 e4e5e6e7 e8e9eaeb ecedeeef f0f1f2f3 f4f5f6f7 f8f90001 02030405 06070809 0a0b0c0d ' +
    '0e0f1011 12131415 16171819 1a1b1c1d 1e1f2021 22232425 26272829 2a2b2c2d 2e2f3031 32333435 ' +
    '36373839 3a3b3c3d 3e3f4041 42434445 46474849 4a4b4c4d 4e4f5051 52535455 56575859 5a5b5c5d ' +
    '5e5f6061 62636465 66676869 6a6b6c6d 6e6f7071 72737475 76777879 7a7b7c7d 7e7f8081 82838485 ' +
    '86878889 8a8b8c8d 8e8f9091 92939495 96979899 9a9b9c9d 9e9fa0a1 a2a3a4a5 a6a7a8a9 aaabacad ' +
    'aeafb0b1 b2b3b4b5 b6b7b8b9 babbbcbd bebfc0c1 c2c3c4c5 c6c7c8c9 cacbcccd cecfd0d1 d2d3d4d5 ' +
    'd6d7d8d9 dadbdcdd dedfe0e1 e2e3e4e5 e6e7e8e9 eaebeced eeeff0f1 f2f3f4f5 f6f7f8f9 00010203 ' +
    '04050607 08090a0b 0c0d0e0f 10111213',
);

/** `ping -T tsonly` reply: timestamp len 40, ptr 17, flags 0, three of nine slots filled. */
export const TIMESTAMP_ONLY_REPLY = fromHex(
  '4f00007c 71960000 400110b5 c6120001 c6120001 44281100 0520ff2c 0520ff2c 0520ff2c 00000000 ' +
    '00000000 00000000 00000000 00000000 00000000 0000ed8d 35860001 202f026b 00000000 f37d0800 ' +
    '00000000 10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 ' +
    '34353637',
);

/** `ping -T tsandaddr` reply: timestamp len 36, ptr 29, flags 1, three of four pairs filled. */
export const TIMESTAMP_AND_ADDRESS_REPLY = fromHex(
  '4e000078 71980000 4001b375 c6120001 c6120001 44241d01 c6120001 0520ff2f c6120001 0520ff2f ' +
    'c6120001 0520ff2f 00000000 00000000 00005f81 35870001 202f026b 00000000 81890800 00000000 ' +
    '10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637',
);

/** `ping -T tsprespec 198.18.0.1`: timestamp len 12, ptr 13 (full), flags 3. */
export const TIMESTAMP_PRESPECIFIED_REQUEST = fromHex(
  '48000060 71994000 40011e67 c6120001 c6120001 440c0d03 c6120001 0520ff32 08009875 35880001 ' +
    '202f026b 00000000 40940800 00000000 10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627 ' +
    '28292a2b 2c2d2e2f 30313233 34353637',
);

/** IP(ttl=1, proto=2, options=[IPOption_Router_Alert()]) / 8 zero octets. */
export const SCAPY_ROUTER_ALERT = fromHex(
  '46000020 12340000 0102867c c6120001 c6120002 94040000 00000000 00000000',
);

/** IP(options=[IPOption_LSRR(routers=[198.18.1.1, 198.19.0.1])]) / UDP(1234 → 7) / "hi": one pad octet. */
export const SCAPY_LOOSE_SOURCE_ROUTE = fromHex(
  '4800002a 43210000 4011f8e1 c6120001 c6120002 830b04c6 120101c6 13000100 04d20007 000a0670 6869',
);

/** ICMP 3/4 next-hop MTU 1280, quoting a DF UDP datagram 198.18.0.2:40000 → 198.19.0.9:53 (header + 8). */
export const SCAPY_FRAG_NEEDED = fromHex(
  '45000038 00070000 4001ee96 c6120001 c6120002 0304f327 00000500 45000594 beef4000 4011ea38 ' +
    'c6120002 c6130009 9c400035 058062de',
);

/** ICMP 11/0 quoting a TTL-1 UDP probe 198.18.0.2:33434 → 198.19.0.9:33435. */
export const SCAPY_TIME_EXCEEDED = fromHex(
  '45000038 00080000 4001ee95 c6120001 c6120002 0b00a077 00000000 45000026 cafe0000 01116298 ' +
    'c6120002 c6130009 829a829b 00124f40',
);
