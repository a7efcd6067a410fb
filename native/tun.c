// ustack's TUN addon: a Linux TUN device (IPv4 packets, no link header) driven by libuv readiness.
//
// Call chain:
//   open(name, netnsPath, mtu, batch, queueLimit, offload) → [setns into netnsPath] → open /dev/net/tun →
//     [TUNGETFEATURES] → TUNSETIFF → [TUNSETVNETHDRSZ, TUNSETOFFLOAD] → SIOCSIFMTU/SIOCGIFMTU →
//     [setns back] → a device object
//   device.start(handler) → uv_poll(UV_READABLE) → on_poll → read_batch: read() until EAGAIN or `batch`
//     packets into one slab → handler(count) ONCE per wake-up; frames[2i], frames[2i+1] = offset, length
//     of the IPv4 packet (with offloads, its virtio_net_hdr is the VNET_HDR_LEN bytes before `offset`)
//   device.write(packet) → write() now (with offloads, writev() of `txHeader` then the packet); on EAGAIN
//     copy into the queue and poll UV_WRITABLE → flush_queue
//   device.close() → stop the poll, drop the queue (counted), close the fd (the device goes with it unless
//     it was made persistent with `ip tuntap`)
//
// Why readiness and a slab: one JS call per wake-up instead of one per packet, and no allocation per
// packet (building the views in JS from an Int32Array of frames measured ~3.5x cheaper than creating
// typed arrays here with napi_create_typedarray).
//
// Offloads (IFF_VNET_HDR + TUNSETOFFLOAD with TUN_F_CSUM | TUN_F_TSO4): every packet, both ways, starts
// with a struct virtio_net_hdr saying whether its TCP/UDP checksum is partial or verified and whether it
// is a TSO super-segment of up to 64 KB. This file only moves those header bytes: JS reads them in front
// of each received packet and fills `txHeader` before each write (src/link/virtio-net.ts), so the rules
// live in one tested place and a write stays one N-API call.
//
// Malformed packets are the stack's business; this file only counts what it cannot hand on: write
// errors by errno, a full queue, a queue dropped at close, and a read error that stops reading.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

// The largest IPv4 packet (total length is 16 bits): every read gets at least this much room, so the
// kernel never truncates a packet whatever MTU is set on the device later.
#define FRAME_CAPACITY 65536
// TUNSETVNETHDRSZ: struct virtio_net_hdr (10 bytes) padded to 12 (the size of virtio_net_hdr_mrg_rxbuf,
// whose num_buffers field TUN leaves zero), so the IPv4 header after it stays 4-byte aligned in the slab.
#define VNET_HDR_LEN 12
// With offloads one read may be a 64 KB super-segment: the slab holds at least this much beyond the
// `batch` MTU-sized frames, so a batch of GRO-sized packets is not cut short after two reads.
#define OFFLOAD_SLAB_EXTRA (16 * FRAME_CAPACITY)
#define FRAME_ALIGN 8
#define FRAME_STRIDE 2
#define MAX_BATCH 1024
// errno values are below this on Linux; the counters keep one slot per errno.
#define ERRNO_SLOTS 134

#define WRITE_SENT 0
#define WRITE_QUEUED 1

// The `offload` argument of open(): use offloads if the kernel offers IFF_VNET_HDR, never, or always.
#define OFFLOAD_AUTO -1
#define OFFLOAD_OFF 0
#define OFFLOAD_ON 1

typedef struct queued_packet {
  struct queued_packet *next;
  size_t length;
  uint8_t data[];
} queued_packet;

typedef struct {
  napi_env env;
  int fd;
  char name[IFNAMSIZ];
  int mtu;
  // VNET_HDR_LEN with offloads, else 0: the bytes in front of every packet read or written.
  size_t vnet_hdr_len;
  // Filled by JS before each write(); napi-owned (tx_header_ref) so JS writes it without a call.
  napi_ref tx_header_ref;
  uint8_t *tx_header;

  uv_poll_t *poll;
  int poll_events;
  // Strong while the poll is active, so a device in use is never collected; weak otherwise.
  napi_ref self;
  napi_ref handler;
  napi_async_context async_context;

  napi_ref slab_ref;
  napi_ref frames_ref;
  uint8_t *slab;
  size_t slab_size;
  int32_t *frames;
  uint32_t batch;

  queued_packet *queue_head;
  queued_packet *queue_tail;
  uint32_t queue_length;
  uint32_t queue_limit;
  // The JS object plus each of its functions; the memory goes when the last of them is collected.
  uint32_t holders;

  double rx_packets;
  double rx_batches;
  double tx_packets;
  double tx_queued;
  double tx_queue_full;
  double tx_dropped_at_close;
  double rx_errors[ERRNO_SLOTS];
  double tx_errors[ERRNO_SLOTS];
} tun_device;

#define NAPI_CALL(env, call)                                                                       \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      const napi_extended_error_info *info;                                                        \
      napi_get_last_error_info((env), &info);                                                      \
      bool pending;                                                                                \
      napi_is_exception_pending((env), &pending);                                                  \
      if (!pending) napi_throw_error((env), NULL, info->error_message ? info->error_message : #call); \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static size_t align_frame(size_t n) {
  return (n + FRAME_ALIGN - 1) & ~(size_t)(FRAME_ALIGN - 1);
}

static void count_errno(double *slots, int err) {
  slots[err > 0 && err < ERRNO_SLOTS ? err : 0] += 1;
}

// Throws an Error shaped like Node's system errors: code ('ENOENT'), errno, syscall, path.
static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  const char *code = uv_err_name(-err);
  char message[256];
  snprintf(message, sizeof message, "%s %s: %s", syscall, path, strerror(err));
  napi_value code_value, message_value, error, errno_value, syscall_value, path_value;
  NAPI_CALL(env, napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value));
  NAPI_CALL(env, napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value));
  NAPI_CALL(env, napi_create_error(env, code_value, message_value, &error));
  NAPI_CALL(env, napi_create_int32(env, -err, &errno_value));
  NAPI_CALL(env, napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value));
  NAPI_CALL(env, napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &path_value));
  NAPI_CALL(env, napi_set_named_property(env, error, "errno", errno_value));
  NAPI_CALL(env, napi_set_named_property(env, error, "syscall", syscall_value));
  NAPI_CALL(env, napi_set_named_property(env, error, "path", path_value));
  napi_throw(env, error);
  return NULL;
}

// ---- opening ---------------------------------------------------------------------------------------

typedef struct {
  int fd;
  char name[IFNAMSIZ];
  int mtu;
  bool offload;
  int err;
  const char *failed_syscall;
  const char *failed_path;
} open_result;

static void open_failed(open_result *out, const char *syscall, const char *path) {
  out->err = errno;
  out->failed_syscall = syscall;
  out->failed_path = path;
}

// Whether to ask for IFF_VNET_HDR: OFFLOAD_AUTO asks the kernel (TUNGETFEATURES lists the flags
// TUNSETIFF accepts); OFFLOAD_ON asks regardless, so an old kernel's refusal surfaces as TUNSETIFF's errno.
static bool wants_vnet_header(int fd, int offload) {
  if (offload == OFFLOAD_OFF) return false;
  if (offload == OFFLOAD_ON) return true;
  unsigned int features = 0;
  return ioctl(fd, TUNGETFEATURES, &features) == 0 && (features & IFF_VNET_HDR) != 0;
}

// After TUNSETIFF with IFF_VNET_HDR: a 12-byte header, little-endian fields, and the offloads we take.
// TUN_F_CSUM: the kernel may hand us packets whose TCP/UDP checksum is partial (NEEDS_CSUM) and finishes
// the ones we mark so. TUN_F_TSO4: it may hand us TCP super-segments (GRO/GSO, up to 64 KB) and cuts the
// ones we write into MSS-sized segments (gso_size).
static void enable_offloads(open_result *out, const char *path) {
  int header_len = VNET_HDR_LEN;
  if (ioctl(out->fd, TUNSETVNETHDRSZ, &header_len) < 0) {
    open_failed(out, "ioctl(TUNSETVNETHDRSZ)", path);
    return;
  }
  // virtio 1.0 headers are little-endian; a little-endian host is that already, and a big-endian one
  // needs TUNSETVNETLE (present when the kernel was built with CONFIG_TUN_VNET_CROSS_LE).
  int little_endian = 1;
  bool host_little_endian = *(const uint8_t *)&little_endian == 1;
  if (ioctl(out->fd, TUNSETVNETLE, &little_endian) < 0 && !host_little_endian) {
    open_failed(out, "ioctl(TUNSETVNETLE)", path);
    return;
  }
  if (ioctl(out->fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) < 0) {
    open_failed(out, "ioctl(TUNSETOFFLOAD)", path);
    return;
  }
  out->offload = true;
}

// Creates (or attaches to) the device in the calling thread's current network namespace.
// IFF_NO_PI: packets are bare IPv4, no 4-byte protocol-information prefix.
static void open_device(const char *requested_name, int mtu, int offload, open_result *out) {
  out->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (out->fd < 0) {
    open_failed(out, "open", "/dev/net/tun");
    return;
  }
  bool vnet_header = wants_vnet_header(out->fd, offload);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet_header ? IFF_VNET_HDR : 0);
  // An empty name lets the kernel pick "tun%d"; a name with "%d" picks the next free number.
  strncpy(ifr.ifr_name, requested_name, IFNAMSIZ - 1);
  if (ioctl(out->fd, TUNSETIFF, &ifr) < 0) {
    open_failed(out, "ioctl(TUNSETIFF)", requested_name[0] != '\0' ? requested_name : "/dev/net/tun");
    return;
  }
  memcpy(out->name, ifr.ifr_name, IFNAMSIZ);
  out->name[IFNAMSIZ - 1] = '\0';
  if (vnet_header) {
    enable_offloads(out, out->name);
    if (out->err != 0) return;
  }

  // The MTU ioctls go through any socket of the device's namespace, which is the current one here.
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    open_failed(out, "socket", "AF_INET");
    return;
  }
  struct ifreq mtu_req;
  memset(&mtu_req, 0, sizeof mtu_req);
  memcpy(mtu_req.ifr_name, out->name, IFNAMSIZ);
  if (mtu > 0) {
    mtu_req.ifr_mtu = mtu;
    if (ioctl(sock, SIOCSIFMTU, &mtu_req) < 0) {
      open_failed(out, "ioctl(SIOCSIFMTU)", out->name);
      close(sock);
      return;
    }
  }
  if (ioctl(sock, SIOCGIFMTU, &mtu_req) < 0) {
    open_failed(out, "ioctl(SIOCGIFMTU)", out->name);
    close(sock);
    return;
  }
  out->mtu = mtu_req.ifr_mtu;
  close(sock);
}

// setns(2) with CLONE_NEWNET moves only the calling thread, so the main thread steps into the target
// namespace, creates the device there (a TUN belongs to the namespace its fd was opened in), and steps
// back. Nothing else runs on this thread meanwhile.
static void open_in_namespace(const char *netns_path, const char *name, int mtu, int offload,
                              open_result *out) {
  int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) {
    open_failed(out, "open", "/proc/thread-self/ns/net");
    return;
  }
  int target = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    open_failed(out, "open", netns_path);
    close(original);
    return;
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    open_failed(out, "setns", netns_path);
    close(target);
    close(original);
    return;
  }
  close(target);
  open_device(name, mtu, offload, out);
  // Staying in the wrong namespace would silently move every later socket of this thread.
  if (setns(original, CLONE_NEWNET) < 0) {
    napi_fatal_error("ustack tun", NAPI_AUTO_LENGTH, "setns back to the original namespace failed",
                     NAPI_AUTO_LENGTH);
  }
  close(original);
}

// ---- the poll: reads and queued writes -------------------------------------------------------------

static void on_poll(uv_poll_t *handle, int status, int events);

static void free_poll(uv_handle_t *handle) {
  free(handle);
}

// Polls for exactly what is needed: readable while a handler is set, writable while packets wait.
static int update_poll(tun_device *dev) {
  int events = (dev->handler != NULL ? UV_READABLE : 0) | (dev->queue_head != NULL ? UV_WRITABLE : 0);
  if (events == dev->poll_events) return 0;
  if (events == 0) {
    uv_poll_stop(dev->poll);
    napi_reference_unref(dev->env, dev->self, NULL);
    dev->poll_events = 0;
    return 0;
  }
  if (dev->poll == NULL) {
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(dev->env, &loop) != napi_ok) return UV_EINVAL;
    dev->poll = malloc(sizeof *dev->poll);
    if (dev->poll == NULL) return UV_ENOMEM;
    int err = uv_poll_init(loop, dev->poll, dev->fd);
    if (err < 0) {
      free(dev->poll);
      dev->poll = NULL;
      return err;
    }
    dev->poll->data = dev;
  }
  int err = uv_poll_start(dev->poll, events, on_poll);
  if (err < 0) return err;
  if (dev->poll_events == 0) napi_reference_ref(dev->env, dev->self, NULL);
  dev->poll_events = events;
  return 0;
}

// The async context stays until the object is collected: the handler may close the device while
// napi_make_callback is still running with that context.
static void forget_handler(tun_device *dev) {
  if (dev->handler == NULL) return;
  napi_delete_reference(dev->env, dev->handler);
  dev->handler = NULL;
}

// Calls the JS handler with the batch size, as a top-level callback (async hooks, nextTick and
// microtasks run after it, as for any I/O callback). An exception goes to 'uncaughtException'.
static void deliver(tun_device *dev, uint32_t count) {
  napi_env env = dev->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value recv, handler, argv[1], result;
  if (napi_get_reference_value(env, dev->self, &recv) == napi_ok &&
      napi_get_reference_value(env, dev->handler, &handler) == napi_ok &&
      napi_create_uint32(env, count, &argv[0]) == napi_ok) {
    napi_make_callback(env, dev->async_context, recv, handler, 1, argv, &result);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void read_batch(tun_device *dev) {
  size_t offset = 0;
  uint32_t count = 0;
  int fatal = 0;
  size_t header = dev->vnet_hdr_len;
  size_t capacity = header + FRAME_CAPACITY;
  while (count < dev->batch && dev->slab_size - offset >= capacity) {
    ssize_t n = read(dev->fd, dev->slab + offset, capacity);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fatal = errno;
      break;
    }
    // The kernel always writes the whole header; a shorter read cannot happen, and carries no packet.
    if ((size_t)n < header) continue;
    dev->frames[FRAME_STRIDE * count] = (int32_t)(offset + header);
    dev->frames[FRAME_STRIDE * count + 1] = (int32_t)((size_t)n - header);
    count++;
    offset += align_frame((size_t)n);
  }
  if (count > 0) {
    dev->rx_packets += count;
    dev->rx_batches += 1;
    deliver(dev, count);
  }
  // Any other error (EBADFD once the device is gone) would repeat on every wake-up: stop reading.
  if (fatal != 0) {
    count_errno(dev->rx_errors, fatal);
    forget_handler(dev);
    if (dev->fd >= 0) update_poll(dev);
  }
}

static void drop_queue(tun_device *dev) {
  while (dev->queue_head != NULL) {
    queued_packet *packet = dev->queue_head;
    dev->queue_head = packet->next;
    free(packet);
  }
  dev->queue_tail = NULL;
  dev->queue_length = 0;
}

static void flush_queue(tun_device *dev) {
  while (dev->queue_head != NULL) {
    queued_packet *packet = dev->queue_head;
    ssize_t n = write(dev->fd, packet->data, packet->length);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      count_errno(dev->tx_errors, errno);
    } else {
      dev->tx_packets += 1;
    }
    dev->queue_head = packet->next;
    dev->queue_length--;
    free(packet);
  }
  if (dev->queue_head == NULL) dev->queue_tail = NULL;
  update_poll(dev);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  tun_device *dev = handle->data;
  if (status < 0) {
    // The fd can no longer be polled: stop reading, and count what waited to be written as dropped.
    count_errno(dev->rx_errors, -status);
    if (-status > 0 && -status < ERRNO_SLOTS) dev->tx_errors[-status] += dev->queue_length;
    forget_handler(dev);
    drop_queue(dev);
    update_poll(dev);
    return;
  }
  if (events & UV_WRITABLE) flush_queue(dev);
  // The handler may have closed the device.
  if ((events & UV_READABLE) && dev->fd >= 0 && dev->handler != NULL) read_batch(dev);
}

// ---- writes ----------------------------------------------------------------------------------------

// Queues the virtio_net_hdr (if any) and the packet as one buffer, written later with one write().
static int enqueue(tun_device *dev, const uint8_t *data, size_t length) {
  if (dev->queue_length >= dev->queue_limit) {
    dev->tx_queue_full += 1;
    return -ENOBUFS;
  }
  size_t header = dev->vnet_hdr_len;
  queued_packet *packet = malloc(sizeof *packet + header + length);
  if (packet == NULL) {
    count_errno(dev->tx_errors, ENOMEM);
    return -ENOMEM;
  }
  packet->next = NULL;
  packet->length = header + length;
  memcpy(packet->data, dev->tx_header, header);
  memcpy(packet->data + header, data, length);
  if (dev->queue_tail != NULL) dev->queue_tail->next = packet;
  else dev->queue_head = packet;
  dev->queue_tail = packet;
  dev->queue_length++;
  dev->tx_queued += 1;
  int err = update_poll(dev);
  if (err < 0) count_errno(dev->tx_errors, -err);
  return WRITE_QUEUED;
}

// WRITE_SENT, WRITE_QUEUED, or -errno for a dropped packet (also counted).
static int write_packet(tun_device *dev, const uint8_t *data, size_t length) {
  if (dev->fd < 0) {
    count_errno(dev->tx_errors, EBADF);
    return -EBADF;
  }
  // Packets queued earlier go first: a TUN write is delivered in order, and so must ours be.
  if (dev->queue_head != NULL) return enqueue(dev, data, length);
  // The header and the packet go out as one TUN frame without copying them together.
  struct iovec parts[2] = {
      {.iov_base = dev->tx_header, .iov_len = dev->vnet_hdr_len},
      {.iov_base = (void *)data, .iov_len = length},
  };
  for (;;) {
    ssize_t n = dev->vnet_hdr_len > 0 ? writev(dev->fd, parts, 2) : write(dev->fd, data, length);
    if (n >= 0) {
      dev->tx_packets += 1;
      return WRITE_SENT;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return enqueue(dev, data, length);
    count_errno(dev->tx_errors, errno);
    return -errno;
  }
}

static void close_device(tun_device *dev) {
  if (dev->fd < 0) return;
  forget_handler(dev);
  dev->tx_dropped_at_close += dev->queue_length;
  drop_queue(dev);
  update_poll(dev);
  if (dev->poll != NULL) {
    uv_close((uv_handle_t *)dev->poll, free_poll);
    dev->poll = NULL;
  }
  close(dev->fd);
  dev->fd = -1;
}

// ---- the JS surface --------------------------------------------------------------------------------
//
// open() returns a plain object whose functions carry the device pointer as their napi data: measured,
// that makes write() ~30 ns of overhead instead of ~75 ns through a class method and napi_unwrap (and
// cheaper per packet than a writeMany(array) that fetches each element through N-API, ~50 ns).
// The object and each function are "holders" of the device: the object's finalizer closes the fd (the
// user let go of the device), the last holder's finalizer frees the memory.

static tun_device *device_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  void *data;
  if (napi_get_cb_info(env, info, argc, argv, NULL, &data) != napi_ok) return NULL;
  return data;
}

static void release_holder(tun_device *dev) {
  if (--dev->holders > 0) return;
  if (dev->slab_ref != NULL) napi_delete_reference(dev->env, dev->slab_ref);
  if (dev->frames_ref != NULL) napi_delete_reference(dev->env, dev->frames_ref);
  if (dev->tx_header_ref != NULL) napi_delete_reference(dev->env, dev->tx_header_ref);
  free(dev);
}

static void finalize_function(napi_env env, void *data, void *hint) {
  release_holder(data);
}

static void finalize_object(napi_env env, void *data, void *hint) {
  tun_device *dev = data;
  // Reached only when no poll is active (an active poll holds `self` strongly), or at env teardown.
  close_device(dev);
  if (dev->async_context != NULL) napi_async_destroy(env, dev->async_context);
  napi_delete_reference(env, dev->self);
  dev->self = NULL;
  release_holder(dev);
}

static bool packet_bytes(napi_env env, napi_value value, const uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t byte_offset;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &byte_offset) != napi_ok ||
      type != napi_uint8_array) {
    bool pending;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    napi_throw_type_error(env, NULL, "a packet must be a Uint8Array");
    return false;
  }
  *data = raw;
  return true;
}

/**
 * write(packet: Uint8Array): 0 sent, 1 queued, -errno dropped (and counted). With offloads the packet goes
 * out behind the virtio_net_hdr the caller has just written into `txHeader`.
 */
static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  tun_device *dev = device_of(env, info, &argc, argv);
  const uint8_t *data;
  size_t length;
  if (dev == NULL || argc < 1 || !packet_bytes(env, argv[0], &data, &length)) return NULL;
  napi_value result;
  NAPI_CALL(env, napi_create_int32(env, write_packet(dev, data, length), &result));
  return result;
}

/** start(handler: (count: number) => void): reads from now on; `frames` and `slab` hold each batch. */
static napi_value tun_start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  tun_device *dev = device_of(env, info, &argc, argv);
  if (dev == NULL) return NULL;
  napi_valuetype type = napi_undefined;
  if (argc >= 1) NAPI_CALL(env, napi_typeof(env, argv[0], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, NULL, "start(handler) needs a function");
    return NULL;
  }
  if (dev->fd < 0) return throw_errno(env, EBADF, "start", dev->name);
  forget_handler(dev);
  if (dev->async_context == NULL) {
    napi_value resource_name;
    NAPI_CALL(env, napi_create_string_utf8(env, "ustack:tun", NAPI_AUTO_LENGTH, &resource_name));
    NAPI_CALL(env, napi_async_init(env, NULL, resource_name, &dev->async_context));
  }
  NAPI_CALL(env, napi_create_reference(env, argv[0], 1, &dev->handler));
  int err = update_poll(dev);
  if (err < 0) return throw_errno(env, -err, "uv_poll_start", dev->name);
  return NULL;
}

/** close(): idempotent; packets still queued are dropped and counted. */
static napi_value tun_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device *dev = device_of(env, info, &argc, NULL);
  if (dev != NULL) close_device(dev);
  return NULL;
}

/** queued(): packets waiting for the fd to become writable. */
static napi_value tun_queued(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device *dev = device_of(env, info, &argc, NULL);
  if (dev == NULL) return NULL;
  napi_value result;
  NAPI_CALL(env, napi_create_uint32(env, dev->queue_length, &result));
  return result;
}

static napi_value set_number(napi_env env, napi_value object, const char *key, double value) {
  napi_value number;
  NAPI_CALL(env, napi_create_double(env, value, &number));
  NAPI_CALL(env, napi_set_named_property(env, object, key, number));
  return object;
}

static napi_value set_errno_counters(napi_env env, napi_value object, const char *prefix,
                                     const double *slots) {
  char key[64];
  for (int err = 0; err < ERRNO_SLOTS; err++) {
    if (slots[err] == 0) continue;
    snprintf(key, sizeof key, "%s%s", prefix, err == 0 ? "EUNKNOWN" : uv_err_name(-err));
    if (set_number(env, object, key, slots[err]) == NULL) return NULL;
  }
  return object;
}

/** counters(): netstat-style counts; drops under 'drop.<reason>' as in base/stats.ts. */
static napi_value tun_counters(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device *dev = device_of(env, info, &argc, NULL);
  if (dev == NULL) return NULL;
  napi_value object;
  NAPI_CALL(env, napi_create_object(env, &object));
  if (set_number(env, object, "tun.rx.packets", dev->rx_packets) == NULL ||
      set_number(env, object, "tun.rx.batches", dev->rx_batches) == NULL ||
      set_number(env, object, "tun.tx.packets", dev->tx_packets) == NULL ||
      set_number(env, object, "tun.tx.queued", dev->tx_queued) == NULL)
    return NULL;
  if (dev->tx_queue_full > 0 &&
      set_number(env, object, "drop.tun.tx-queue-full", dev->tx_queue_full) == NULL)
    return NULL;
  if (dev->tx_dropped_at_close > 0 &&
      set_number(env, object, "drop.tun.tx-closed", dev->tx_dropped_at_close) == NULL)
    return NULL;
  if (set_errno_counters(env, object, "drop.tun.tx-", dev->tx_errors) == NULL) return NULL;
  if (set_errno_counters(env, object, "tun.rx-error.", dev->rx_errors) == NULL) return NULL;
  return object;
}

static napi_value set_value(napi_env env, napi_value object, const char *key, napi_value value) {
  napi_property_descriptor descriptor = {key, NULL, NULL, NULL, NULL, value, napi_enumerable, NULL};
  NAPI_CALL(env, napi_define_properties(env, object, 1, &descriptor));
  return object;
}

static napi_value set_function(napi_env env, napi_value object, const char *key, napi_callback callback,
                               tun_device *dev) {
  napi_value function;
  NAPI_CALL(env, napi_create_function(env, key, NAPI_AUTO_LENGTH, callback, dev, &function));
  NAPI_CALL(env, napi_add_finalizer(env, function, dev, finalize_function, NULL, NULL));
  dev->holders++;
  return set_value(env, object, key, function);
}

// The read slab, the frame table and the transmit header live in V8's heap, so JS uses them without a
// copy or a call.
static napi_value describe_device(napi_env env, napi_value object, tun_device *dev) {
  napi_value slab_buffer, slab, frames_buffer, frames, name, mtu, stride, header_buffer, tx_header,
      header_len;
  void *raw;
  NAPI_CALL(env, napi_create_arraybuffer(env, dev->slab_size, &raw, &slab_buffer));
  dev->slab = raw;
  NAPI_CALL(env, napi_create_typedarray(env, napi_uint8_array, dev->slab_size, slab_buffer, 0, &slab));
  size_t frame_fields = (size_t)dev->batch * FRAME_STRIDE;
  NAPI_CALL(env, napi_create_arraybuffer(env, frame_fields * sizeof(int32_t), &raw, &frames_buffer));
  dev->frames = raw;
  NAPI_CALL(env, napi_create_typedarray(env, napi_int32_array, frame_fields, frames_buffer, 0, &frames));
  NAPI_CALL(env, napi_create_reference(env, slab_buffer, 1, &dev->slab_ref));
  NAPI_CALL(env, napi_create_reference(env, frames_buffer, 1, &dev->frames_ref));
  NAPI_CALL(env, napi_create_arraybuffer(env, VNET_HDR_LEN, &raw, &header_buffer));
  dev->tx_header = raw;
  memset(dev->tx_header, 0, VNET_HDR_LEN);
  NAPI_CALL(env, napi_create_typedarray(env, napi_uint8_array, VNET_HDR_LEN, header_buffer, 0, &tx_header));
  NAPI_CALL(env, napi_create_reference(env, header_buffer, 1, &dev->tx_header_ref));
  NAPI_CALL(env, napi_create_uint32(env, (uint32_t)dev->vnet_hdr_len, &header_len));
  NAPI_CALL(env, napi_create_string_utf8(env, dev->name, NAPI_AUTO_LENGTH, &name));
  NAPI_CALL(env, napi_create_int32(env, dev->mtu, &mtu));
  NAPI_CALL(env, napi_create_uint32(env, FRAME_STRIDE, &stride));
  if (set_value(env, object, "name", name) == NULL || set_value(env, object, "mtu", mtu) == NULL ||
      set_value(env, object, "slab", slab) == NULL || set_value(env, object, "frames", frames) == NULL ||
      set_value(env, object, "frameStride", stride) == NULL ||
      set_value(env, object, "vnetHeaderLength", header_len) == NULL ||
      set_value(env, object, "txHeader", tx_header) == NULL ||
      set_function(env, object, "start", tun_start, dev) == NULL ||
      set_function(env, object, "write", tun_write, dev) == NULL ||
      set_function(env, object, "close", tun_close, dev) == NULL ||
      set_function(env, object, "queued", tun_queued, dev) == NULL ||
      set_function(env, object, "counters", tun_counters, dev) == NULL)
    return NULL;
  return object;
}

static bool get_string_arg(napi_env env, napi_value value, char *out, size_t size) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return false;
  }
  if (length >= size - 1) {
    napi_throw_range_error(env, NULL, "string too long");
    return false;
  }
  return true;
}

/**
 * open(name: string, netnsPath: string, mtu: number, batch: number, queueLimit: number, offload: number):
 * offload -1 = when the kernel offers IFF_VNET_HDR, 0 = never, 1 = always (an error if refused).
 */
static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "open(name, netnsPath, mtu, batch, queueLimit, offload)");
    return NULL;
  }
  char name[IFNAMSIZ + 1];
  char netns_path[4096];
  int32_t mtu, batch, offload;
  uint32_t queue_limit;
  if (!get_string_arg(env, argv[0], name, sizeof name) ||
      !get_string_arg(env, argv[1], netns_path, sizeof netns_path))
    return NULL;
  NAPI_CALL(env, napi_get_value_int32(env, argv[2], &mtu));
  NAPI_CALL(env, napi_get_value_int32(env, argv[3], &batch));
  NAPI_CALL(env, napi_get_value_uint32(env, argv[4], &queue_limit));
  NAPI_CALL(env, napi_get_value_int32(env, argv[5], &offload));
  if (batch < 1 || batch > MAX_BATCH || mtu < 0 || mtu >= FRAME_CAPACITY || offload < OFFLOAD_AUTO ||
      offload > OFFLOAD_ON) {
    napi_throw_range_error(env, NULL, "batch must be 1..1024, mtu 0..65535 and offload -1, 0 or 1");
    return NULL;
  }

  open_result opened = {.fd = -1};
  if (netns_path[0] != '\0') open_in_namespace(netns_path, name, mtu, offload, &opened);
  else open_device(name, mtu, offload, &opened);
  if (opened.err != 0) {
    if (opened.fd >= 0) close(opened.fd);
    return throw_errno(env, opened.err, opened.failed_syscall, opened.failed_path);
  }

  tun_device *dev = calloc(1, sizeof *dev);
  if (dev == NULL) {
    close(opened.fd);
    return throw_errno(env, ENOMEM, "calloc", "tun_device");
  }
  dev->env = env;
  dev->fd = opened.fd;
  memcpy(dev->name, opened.name, IFNAMSIZ);
  dev->mtu = opened.mtu;
  dev->batch = (uint32_t)batch;
  dev->queue_limit = queue_limit;
  dev->vnet_hdr_len = opened.offload ? VNET_HDR_LEN : 0;
  dev->slab_size = (size_t)dev->batch * align_frame(dev->vnet_hdr_len + (size_t)dev->mtu) +
                   (opened.offload ? OFFLOAD_SLAB_EXTRA : 0) + dev->vnet_hdr_len + FRAME_CAPACITY;

  napi_value object;
  if (napi_create_object(env, &object) != napi_ok ||
      napi_add_finalizer(env, object, dev, finalize_object, NULL, NULL) != napi_ok) {
    close(dev->fd);
    free(dev);
    napi_throw_error(env, NULL, "cannot create the device object");
    return NULL;
  }
  dev->holders = 1;
  // Weak until a poll starts; from then on strong, so an active device is never collected.
  NAPI_CALL(env, napi_create_reference(env, object, 0, &dev->self));
  return describe_device(env, object, dev);
}

NAPI_MODULE_INIT() {
  napi_value open_function;
  NAPI_CALL(env, napi_create_function(env, "open", NAPI_AUTO_LENGTH, tun_open, NULL, &open_function));
  NAPI_CALL(env, napi_set_named_property(env, exports, "open", open_function));
  return exports;
}
