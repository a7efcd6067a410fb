/* The benchmark's services on lwIP (Debian's liblwipv6), so that lwIP is measured over the same TUN path
 * and by the same kernel-side client as ustack: discard (RFC 863, port 9), source (port 19: one reused
 * 1 MiB buffer sent for as long as the client asks), TCP echo and UDP echo (RFC 862, port 7).
 *
 *   lwip-peer IFNAME ADDR      e.g. lwip-peer lwip0 198.18.0.2 (run inside the lab namespace)
 *
 * lwipv6 creates the TUN device IFNAME in the caller's namespace; the benchmark then gives the kernel side
 * its address. The sockets API is lwipv6's blocking one, so each connection gets a thread with a small
 * stack. Prints "ready max-connections=N" once every listener is up; runs until killed.
 * Built by the benchmark: cc -O2 -o lwip-peer lwip-peer.c -llwipv6 -lpthread
 *
 * Limits of lwipv6 1.5a that shape the benchmark (found with gdb and valgrind on this peer):
 * - Every connection holds FDS_PER_CONNECTION descriptors (a placeholder socket and two mailboxes, each a
 *   pipe), and lwipv6 waits on its mailboxes with select(), whose fd_set ends at FD_SETSIZE (1024): a
 *   descriptor past it overwrites the waiting thread's stack. The ready line says how many connections
 *   fit below that bound; the benchmark opens no more.
 * - lwip_close holds the socket table's semaphore while it waits for lwipv6's TCP thread to delete the
 *   connection, and that thread takes the same semaphore to give an accepted connection its socket: a
 *   close that overlaps another connection's handshake deadlocks the whole stack. The connection-rate
 *   client therefore waits for our FIN before it connects again, and runs one client at a time here.
 * - Under connection churn lwipv6 corrupts its heap now and then (glibc aborts in a thread's tcache when
 *   an echo thread exits; valgrind shows its timers reading freed memory), so the benchmark restarts a
 *   peer that died and drops the run it died in.
 */
#include <lwipv6.h>

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define DISCARD_PORT 9
#define SOURCE_PORT 19
#define ECHO_PORT 7
#define RECV_BYTES (64 * 1024)
#define SOURCE_BYTES (1024 * 1024)
#define THREAD_STACK_BYTES (128 * 1024)
/* Descriptors one TCP connection holds in lwipv6 1.5a (counted in /proc/PID/fd with 10 held). */
#define FDS_PER_CONNECTION 5

static struct stack *stack;
static char source_chunk[SOURCE_BYTES];

struct service {
  int port;
  void *(*serve)(void *conn);
  int listener;
};

static void *discard(void *arg) {
  int conn = (int)(long)arg;
  char *buffer = malloc(RECV_BYTES);
  while (buffer && lwip_recv(conn, buffer, RECV_BYTES, 0) > 0) {
  }
  free(buffer);
  lwip_close(conn);
  return NULL;
}

/* The client asks for a duration in milliseconds (one ASCII line); we send until it has passed, then
 * close. The server ends the transfer: a client closing first would reset the connection under a blocked
 * send, and a second thread watching for the client's FIN would use one lwipv6 socket from two threads. */
static void *source(void *arg) {
  int conn = (int)(long)arg;
  char request[32] = {0};
  struct timespec now, deadline;
  if (lwip_recv(conn, request, sizeof request - 1, 0) > 0) {
    long ms = atol(request);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    for (;;) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec * 1000000000L + now.tv_nsec >= deadline.tv_sec * 1000000000L + deadline.tv_nsec) break;
      if (lwip_send(conn, source_chunk, sizeof source_chunk, 0) <= 0) break;
    }
  }
  lwip_close(conn);
  return NULL;
}

static void *echo(void *arg) {
  int conn = (int)(long)arg;
  int one = 1;
  char buffer[4096];
  ssize_t n;
  lwip_setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  while ((n = lwip_recv(conn, buffer, sizeof buffer, 0)) > 0) {
    for (ssize_t sent = 0; sent < n;) {
      ssize_t w = lwip_send(conn, buffer + sent, (int)(n - sent), 0);
      if (w <= 0) goto done;
      sent += w;
    }
  }
done:
  lwip_close(conn);
  return NULL;
}

static void spawn(void *(*body)(void *), void *arg) {
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, THREAD_STACK_BYTES);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attr, body, arg) != 0) perror("pthread_create");
  pthread_attr_destroy(&attr);
}

static int bound_socket(int type, int port) {
  struct sockaddr_in addr;
  int s = lwip_msocket(stack, AF_INET, type, 0);
  if (s < 0) return -1;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (lwip_bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) return -1;
  return s;
}

static void *accept_loop(void *arg) {
  struct service *service = arg;
  for (;;) {
    int conn = lwip_accept(service->listener, NULL, NULL);
    if (conn >= 0) spawn(service->serve, (void *)(long)conn);
  }
  return NULL;
}

/* Every socket is made here, one after the other, before any thread runs: lwipv6 creates its socket
 * table's semaphore on first use without a lock, so sockets made at once by several threads could each
 * get a semaphore of their own and grow the table together. */
static int listening_socket(int port) {
  int s = bound_socket(SOCK_STREAM, port);
  if (s < 0 || lwip_listen(s, 1024) < 0) {
    fprintf(stderr, "lwip-peer: cannot listen on port %d\n", port);
    exit(1);
  }
  return s;
}

/* How many connections fit below FD_SETSIZE after the descriptors the peer holds already. */
static int connection_limit(void) {
  int lowest_free = dup(0);
  close(lowest_free);
  return (FD_SETSIZE - lowest_free) / FDS_PER_CONNECTION;
}

static void *udp_echo(void *arg) {
  int s = (int)(long)arg;
  char buffer[65536];
  for (;;) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = lwip_recvfrom(s, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &len);
    if (n >= 0) lwip_sendto(s, buffer, (int)n, 0, (struct sockaddr *)&from, len);
  }
  return NULL;
}

int main(int argc, char **argv) {
  static struct service services[] = {
      {DISCARD_PORT, discard, -1},
      {SOURCE_PORT, source, -1},
      {ECHO_PORT, echo, -1},
  };
  struct ip_addr addr, mask;
  unsigned a, b, c, d;
  struct netif *netif;
  int udp;

  if (argc != 3 || sscanf(argv[2], "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
    fprintf(stderr, "usage: lwip-peer IFNAME ADDR\n");
    return 2;
  }
  memset(source_chunk, 0x5a, sizeof source_chunk);
  stack = lwip_stack_new();
  netif = stack ? lwip_add_tunif(stack, argv[1], NETIF_STD_FLAGS) : NULL;
  if (!netif) {
    fprintf(stderr, "lwip-peer: cannot create TUN device %s\n", argv[1]);
    return 1;
  }
  IP64_ADDR(&addr, a, b, c, d);
  IP64_MASKADDR(&mask, 255, 255, 255, 0);
  lwip_add_addr(netif, &addr, &mask);
  lwip_ifup(netif);
  for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
    services[i].listener = listening_socket(services[i].port);
  udp = bound_socket(SOCK_DGRAM, ECHO_PORT);
  if (udp < 0) {
    fprintf(stderr, "lwip-peer: cannot bind UDP port %d\n", ECHO_PORT);
    return 1;
  }
  for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) spawn(accept_loop, &services[i]);
  spawn(udp_echo, (void *)(long)udp);
  usleep(100 * 1000);
  printf("ready max-connections=%d\n", connection_limit());
  fflush(stdout);
  for (;;) pause();
}
