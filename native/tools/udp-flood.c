// A UDP flood for bench/tun-pps.ts: sends small datagrams to ADDR:PORT for SECONDS as fast as sendmmsg(2)
// allows, then prints how many the kernel accepted. Run inside the lab namespace; ADDR must be in
// 198.18.0.0/15 (the lab's benchmarking range, RFC 2544), which this program checks before sending.
//
//   udp-flood ADDR PORT PAYLOAD_BYTES SECONDS [DEVICE]
//
// With DEVICE, the datagrams (from 198.18.0.1) go straight out of that device through an AF_PACKET socket
// with PACKET_QDISC_BYPASS, skipping the kernel's UDP, routing and qdisc work per packet: a sender about
// twice as fast, so that a reader on the other end of a TUN, not the sender, sets the rate.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_PAYLOAD 1472
#define HEADERS 28
#define SOURCE_ADDR 0xc6120001u

static uint16_t internet_checksum(const uint8_t *bytes, size_t length, uint32_t sum) {
  for (size_t i = 0; i + 1 < length; i += 2) sum += (uint32_t)(bytes[i] << 8 | bytes[i + 1]);
  if (length & 1) sum += (uint32_t)bytes[length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(uint8_t *at, uint32_t value) {
  at[0] = (uint8_t)(value >> 8);
  at[1] = (uint8_t)value;
}

static void put32(uint8_t *at, uint32_t value) {
  put16(at, value >> 16);
  put16(at + 2, value);
}

// An IPv4 + UDP datagram (RFC 791, RFC 768) with both checksums, for the AF_PACKET path.
static size_t build_datagram(uint8_t *out, uint32_t dst, uint16_t port, int payload) {
  size_t total = HEADERS + (size_t)payload;
  uint32_t udp_length = (uint32_t)(total - 20);
  memset(out, 0, HEADERS);
  memset(out + HEADERS, 0x5a, (size_t)payload);
  out[0] = 0x45;
  put16(out + 2, (uint32_t)total);
  out[8] = 64;
  out[9] = IPPROTO_UDP;
  put32(out + 12, SOURCE_ADDR);
  put32(out + 16, dst);
  put16(out + 10, internet_checksum(out, 20, 0));
  put16(out + 20, 9999);
  put16(out + 22, port);
  put16(out + 24, udp_length);
  uint32_t pseudo =
      (SOURCE_ADDR >> 16) + (SOURCE_ADDR & 0xffff) + (dst >> 16) + (dst & 0xffff) + IPPROTO_UDP + udp_length;
  uint16_t sum = internet_checksum(out + 20, udp_length, pseudo);
  put16(out + 26, sum == 0 ? 0xffff : sum);
  return total;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: %s ADDR PORT PAYLOAD_BYTES SECONDS [DEVICE]\n", argv[0]);
    return 2;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
    fprintf(stderr, "not an IPv4 address: %s\n", argv[1]);
    return 2;
  }
  // 198.18.0.0/15 only: never flood anything outside the lab.
  if ((ntohl(to.sin_addr.s_addr) & 0xfffe0000u) != 0xc6120000u) {
    fprintf(stderr, "%s is outside the lab range 198.18.0.0/15\n", argv[1]);
    return 2;
  }
  int payload = atoi(argv[3]);
  double seconds = atof(argv[4]);
  if (payload < 0 || payload > MAX_PAYLOAD || seconds <= 0) {
    fprintf(stderr, "payload must be 0..%d bytes and seconds > 0\n", MAX_PAYLOAD);
    return 2;
  }

  static uint8_t data[HEADERS + MAX_PAYLOAD];
  struct iovec iov = {.iov_base = data};
  struct sockaddr_ll device = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP)};
  int sock;
  if (argc == 6) {
    device.sll_ifindex = (int)if_nametoindex(argv[5]);
    sock = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
    int bypass = 1;
    if (device.sll_ifindex == 0 || sock < 0 ||
        setsockopt(sock, SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof bypass) < 0) {
      perror(argv[5]);
      return 1;
    }
    iov.iov_len = build_datagram(data, ntohl(to.sin_addr.s_addr), ntohs(to.sin_port), payload);
  } else {
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || connect(sock, (struct sockaddr *)&to, sizeof to) < 0) {
      perror("socket/connect");
      return 1;
    }
    memset(data, 0x5a, (size_t)payload);
    iov.iov_len = (size_t)payload;
  }
  struct mmsghdr messages[BATCH];
  memset(messages, 0, sizeof messages);
  for (int i = 0; i < BATCH; i++) {
    messages[i].msg_hdr.msg_iov = &iov;
    messages[i].msg_hdr.msg_iovlen = 1;
    if (argc == 6) {
      messages[i].msg_hdr.msg_name = &device;
      messages[i].msg_hdr.msg_namelen = sizeof device;
    }
  }

  unsigned long long sent = 0, refused = 0;
  double end = now_seconds() + seconds;
  while (now_seconds() < end) {
    for (int round = 0; round < 16; round++) {
      int n = sendmmsg(sock, messages, BATCH, 0);
      // A full device queue answers ENOBUFS or EAGAIN; count it and keep going.
      if (n < 0) {
        if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
          perror("sendmmsg");
          return 1;
        }
        refused++;
      } else {
        sent += (unsigned long long)n;
      }
    }
  }
  printf("sent %llu refused %llu\n", sent, refused);
  return 0;
}
