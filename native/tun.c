// tcpwasm_tun: the native half of TunDevice (src/link/tun-device.ts).
//
// A Linux TUN device (IFF_TUN | IFF_NO_PI, and IFF_VNET_HDR when asked) opened non-blocking, watched by a libuv poll handle on
// Node's own event loop: no thread blocks on a read. When the fd is readable the handle drains
// packets until EAGAIN (or until the region or the packet budget is full) straight into a region
// of the caller's WebAssembly memory, records each packet's offset and length in a Uint32Array
// the caller gave, and calls back into JS once for the whole batch. Writes take a list of
// packets in one call. Nothing here shells out or allocates per packet.
//
// JS API (all functions throw Error with .code = the errno name on failure):
//   open(name, vnetHeader, receiveOffload) -> [handle, ifname]  create the device (name may
//       contain %d); with vnetHeader every packet crosses the fd behind a struct virtio_net_hdr,
//       which lets writes hand the kernel TCP super-packets for it to treat as a train of
//       MSS-sized segments (GSO); receiveOffload (needs vnetHeader) also lets the kernel hand us
//       TCP super-packets and partial checksums (TUNSETOFFLOAD): see check_vnet
//   start(handle, memory, offset, capacity, slot, maxPackets, meta, onBatch)
//       memory: a WebAssembly.Memory (its .buffer is re-read on every wake-up: memory may grow);
//       [offset, offset + capacity) of it receives packets, `slot` bytes of room needed per read;
//       meta: Uint32Array of at least 2 * maxPackets: offset (into memory.buffer) and length of
//       each packet; onBatch(count, errno, dropped, offloaded, offloadedSegments): count packets
//       are described in meta; errno != 0 reports a read error (fatal ones also stop the
//       polling: see is_fatal); dropped counts packets read and discarded because their
//       virtio_net_hdr asked for an offload we never enabled or did not hold together (see
//       check_vnet); offloaded counts the GSO super-packets among the count, offloadedSegments
//       the wire segments they stand for. `slot` must hold the largest packet: 64 KB with
//       receiveOffload.
//   stop(handle)                           stop polling (start again with start)
//   poll(handle)                           read now, synchronously, what a wake-up would read;
//                                          onBatch runs before poll returns (no-op when stopped)
//   write(handle, packets, count, segmentSizes)  one write() per
//       packet, never blocks; packets that could not be written are dropped, errno is the last
//       failure (0 if none), bytes the total written (virtio headers not counted); returns
//       [written, errno, bytes, offloaded, offloadedSegments]: the packets of those written that
//       went as GSO super-packets, and the wire segments they stand for.
//       segmentSizes: null, or a Uint32Array of at least count entries: for a TCP packet whose
//       payload exceeds segmentSizes[i] (0 = none) on a vnetHeader device, the packet goes as
//       one GSO super-packet whose wire segments carry segmentSizes[i] payload bytes each.
//   ref(handle, on)                        whether the poll handle keeps the event loop alive
//                                          (uv_ref / uv_unref; on by default, as any libuv handle)
//   close(handle)                          stop polling, close the fd (the kernel then deletes the
//                                          device); idempotent
//   checkVnet(header, packet, receiveOffload)  the read path's header check, for tests (see there)

#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

// From <net/if.h>, which clashes with <linux/if.h>.
extern unsigned int if_nametoindex(const char* name);

typedef struct tun {
  napi_env env;
  int fd;
  uv_poll_t poll;
  int poll_initialized; // uv_poll_init done: the handle must go through uv_close before free
  int poll_closed;      // uv_close finished (or never needed)
  int polling;
  int unref;            // ref(handle, false): the poll handle does not hold the event loop
  int finalized;        // the JS handle is gone: free once the poll handle is closed too
  int hooked;           // env cleanup hook registered
  int teardown;         // the environment is being torn down: no more N-API calls
  int vnet;             // opened with IFF_VNET_HDR: a struct virtio_net_hdr before every packet
  int rx_offload;       // TUNSETOFFLOAD done: the kernel may send GSO super-packets, partial checksums
  napi_ref memory;      // WebAssembly.Memory
  napi_ref meta;        // Uint32Array
  napi_ref on_batch;    // function
  napi_async_context async;
  uint32_t offset, capacity, slot, max_packets;
} tun_t;

// ---- errors ------------------------------------------------------------------------------------

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, uv_err_name(-err), message);
  return NULL;
}

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      const napi_extended_error_info* info_ = NULL;                        \
      napi_get_last_error_info((env), &info_);                             \
      bool pending_ = false;                                               \
      napi_is_exception_pending((env), &pending_);                         \
      if (!pending_)                                                       \
        napi_throw_error((env), "EINVAL",                                  \
                         info_ && info_->error_message ? info_->error_message \
                                                        : "N-API call failed"); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

// ---- lifetime ----------------------------------------------------------------------------------

static void free_refs(tun_t* t) {
  if (t->memory) napi_delete_reference(t->env, t->memory);
  if (t->meta) napi_delete_reference(t->env, t->meta);
  if (t->on_batch) napi_delete_reference(t->env, t->on_batch);
  t->memory = t->meta = t->on_batch = NULL;
  if (t->async) napi_async_destroy(t->env, t->async);
  t->async = NULL;
}

static void on_poll_closed(uv_handle_t* handle) {
  tun_t* t = handle->data;
  t->poll_closed = 1;
  // Released here, on a later turn of the loop, not in close_tun: close() may be called from
  // inside the onBatch callback, whose async context must outlive that call.
  if (!t->teardown) free_refs(t);
  if (t->finalized) free(t);
}

static void cleanup_hook(void* arg);

// Stops polling, closes the fd and starts closing the poll handle. libuv requires the poll to be
// stopped before its fd is closed; uv_poll_stop does that at once, so the fd can go right after.
static void close_tun(tun_t* t, int in_teardown) {
  if (t->poll_initialized && !uv_is_closing((uv_handle_t*)&t->poll)) {
    uv_poll_stop(&t->poll);
    t->polling = 0;
  }
  if (t->fd >= 0) {
    close(t->fd);
    t->fd = -1;
  }
  if (in_teardown) t->teardown = 1;
  else if (!t->poll_initialized) free_refs(t);
  if (t->hooked) {
    t->hooked = 0;
    if (!in_teardown) napi_remove_env_cleanup_hook(t->env, cleanup_hook, t);
  }
  if (t->poll_initialized && !uv_is_closing((uv_handle_t*)&t->poll)) {
    uv_close((uv_handle_t*)&t->poll, on_poll_closed);
  }
}

// The environment is going away (a worker ends, or the process exits) with the device open.
static void cleanup_hook(void* arg) {
  tun_t* t = arg;
  t->hooked = 0;
  close_tun(t, 1);
}

static void finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  tun_t* t = data;
  close_tun(t, 0);
  t->finalized = 1;
  if (t->poll_closed) free(t);
}

static napi_value arg_handle(napi_env env, napi_value value, tun_t** out) {
  napi_valuetype type;
  CHECK(env, napi_typeof(env, value, &type));
  if (type != napi_external) return type_error(env, "expected a TUN handle");
  CHECK(env, napi_get_value_external(env, value, (void**)out));
  return value;
}

/** A boolean argument that may be undefined (false); NULL with a TypeError thrown otherwise. */
static napi_value optional_bool(napi_env env, napi_value value, bool* out, const char* message) {
  napi_valuetype type;
  CHECK(env, napi_typeof(env, value, &type));
  if (type != napi_undefined && type != napi_boolean) return type_error(env, message);
  if (type == napi_boolean) CHECK(env, napi_get_value_bool(env, value, out));
  return value;
}

// ---- open --------------------------------------------------------------------------------------

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return type_error(env, "open(name, vnetHeader, receiveOffload) needs a name");
  bool vnet = false, rx_offload = false;
  if (argc >= 2 && optional_bool(env, argv[1], &vnet, "vnetHeader must be a boolean") == NULL) return NULL;
  if (argc >= 3 && optional_bool(env, argv[2], &rx_offload, "receiveOffload must be a boolean") == NULL) return NULL;
  if (rx_offload && !vnet) return type_error(env, "receiveOffload needs vnetHeader");
  char name[IFNAMSIZ + 1];
  size_t length = 0;
  napi_valuetype type;
  CHECK(env, napi_typeof(env, argv[0], &type));
  if (type != napi_string) return type_error(env, "name must be a string");
  CHECK(env, napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length));
  if (length == 0 || length >= IFNAMSIZ) {
    napi_throw_error(env, "EINVAL", "interface name must be 1..15 bytes");
    return NULL;
  }

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  // With IFF_VNET_HDR the header is sizeof(struct virtio_net_hdr), 10 bytes, until
  // TUNSETVNETHDRSZ says otherwise; without TUNSETOFFLOAD the kernel sends us plain packets.
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
  memcpy(ifr.ifr_name, name, length);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    // An existing interface that is not a TUN device of ours answers EINVAL; say what it means.
    if (err == EINVAL && strchr(name, '%') == NULL && if_nametoindex(name) != 0) err = EBUSY;
    return throw_errno(env, "TUNSETIFF", err);
  }
  // Receive offload: the kernel may then hand us what it would hand a virtio NIC with these
  // features (drivers/net/tun.c set_offload -> netdev features CSUM, TSO, TSO6, TSO_ECN): TCP
  // packets with the checksum left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM) and TCP super-packets
  // of up to 64 KB (gso_type TCPV4/TCPV6, gso_size = the MSS), instead of cutting its own TSO
  // packets into MTU-sized ones in software before they reach us. TSO needs CSUM.
  if (rx_offload &&
      ioctl(fd, TUNSETOFFLOAD, (unsigned int)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "TUNSETOFFLOAD", err);
  }

  tun_t* t = calloc(1, sizeof *t);
  if (t == NULL) {
    close(fd);
    return throw_errno(env, "open", ENOMEM);
  }
  t->env = env;
  t->fd = fd;
  t->vnet = vnet;
  t->rx_offload = rx_offload;
  t->poll_closed = 1; // nothing to close until uv_poll_init
  napi_value handle, ifname, result;
  if (napi_create_external(env, t, finalize, NULL, &handle) != napi_ok) {
    close(fd);
    free(t);
    return throw_errno(env, "open", ENOMEM);
  }
  if (napi_add_env_cleanup_hook(env, cleanup_hook, t) == napi_ok) t->hooked = 1;
  ifr.ifr_name[IFNAMSIZ - 1] = 0;
  CHECK(env, napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &ifname));
  CHECK(env, napi_create_array_with_length(env, 2, &result));
  CHECK(env, napi_set_element(env, result, 0, handle));
  CHECK(env, napi_set_element(env, result, 1, ifname));
  return result;
}

// ---- receive offload ---------------------------------------------------------------------------

/**
 * One's-complement sum of `length` bytes as big-endian 16-bit words (odd tail padded), folded to
 * 16 bits. Summed in the machine's byte order, 8 bytes per load, and swapped at the end: the
 * one's-complement sum does not depend on byte order (RFC 1071 §2(B)), and a 64 KB super-packet
 * is summed in a few microseconds instead of the tens a byte loop takes.
 */
static uint16_t sum_bytes(const uint8_t* bytes, size_t length) {
  uint64_t sum = 0;
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    memcpy(&word, bytes + i, 8);
    // Two 32-bit halves into a 64-bit accumulator: 2^32 additions cannot overflow it.
    sum += (word & 0xffffffffu) + (word >> 32);
  }
  for (; i + 2 <= length; i += 2) {
    uint16_t half;
    memcpy(&half, bytes + i, 2);
    sum += half;
  }
  if (i < length) {
    uint8_t last[2] = {bytes[i], 0};
    uint16_t half;
    memcpy(&half, last, 2);
    sum += half;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t folded = (uint16_t)sum;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  folded = (uint16_t)((folded >> 8) | (folded << 8));
#endif
  return folded;
}

enum { VNET_OK = 0, VNET_DROP = 1 };

/**
 * Checks the virtio_net_hdr of a packet read from the device and completes what it left to us.
 * Returns VNET_DROP for anything not to be handed on as an ordinary packet; else VNET_OK with
 * `*segments` the wire segments a GSO super-packet stands for (0 for a plain packet).
 *
 * Without receive offload (no TUNSETOFFLOAD) only plain, fully checksummed packets may come.
 * With it, as the kernel fills the header (virtio_net_hdr_from_skb, include/linux/virtio_net.h):
 *  - NEEDS_CSUM: the checksum at csum_start + csum_offset holds only the pseudo-header sum
 *    (CHECKSUM_PARTIAL); it is completed here over [csum_start, end), as skb_checksum_help
 *    does, so the stack verifies it like any other. csum_start/csum_offset outside the packet:
 *    drop (virtio_net_hdr_to_skb refuses those too).
 *  - gso_type TCPV4/TCPV6 (+ ECN, which TUN_F_TSO_ECN enables): one TCP segment of up to 64 KB
 *    whose payload the kernel would have cut into gso_size pieces; the stack takes it whole, as
 *    Linux's own GRO hands its TCP one coalesced segment. It must be TCP over the IP version the
 *    type says, with NEEDS_CSUM pointing at the TCP checksum and gso_size non-zero.
 *  - any other gso_type (UDP, UDP_L4, ...) was not enabled: drop.
 */
static int check_vnet(const struct virtio_net_hdr* header, uint8_t* packet, size_t length, int rx_offload,
                      uint32_t* segments) {
  *segments = 0;
  uint8_t gso = header->gso_type;
  int needs_csum = (header->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
  if (!rx_offload) return gso == VIRTIO_NET_HDR_GSO_NONE && !needs_csum ? VNET_OK : VNET_DROP;
  if (gso != VIRTIO_NET_HDR_GSO_NONE) {
    uint8_t type = gso & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) || !needs_csum ||
        header->gso_size == 0 || length < 20)
      return VNET_DROP;
    size_t ip_length;
    if (type == VIRTIO_NET_HDR_GSO_TCPV4) {
      ip_length = (size_t)(packet[0] & 0x0f) * 4;
      if (packet[0] >> 4 != 4 || ip_length < 20 || packet[9] != 6 /* TCP */) return VNET_DROP;
    } else {
      ip_length = 40;
      if (packet[0] >> 4 != 6 || length < 40 || packet[6] != 6 /* TCP, no extension headers */) return VNET_DROP;
    }
    if (header->csum_start != ip_length || header->csum_offset != 16 /* offsetof(struct tcphdr, check) */ ||
        length < ip_length + 20)
      return VNET_DROP;
    size_t tcp_header = (size_t)(packet[ip_length + 12] >> 4) * 4;
    if (tcp_header < 20 || ip_length + tcp_header > length) return VNET_DROP;
    size_t payload = length - ip_length - tcp_header;
    *segments = payload == 0 ? 1 : (uint32_t)((payload + header->gso_size - 1) / header->gso_size);
  }
  if (needs_csum) {
    size_t start = header->csum_start, at = start + header->csum_offset;
    if (start < 20 || at + 2 > length) return VNET_DROP;
    // The field holds the pseudo-header sum; summing the field with the rest gives the total.
    uint16_t sum = sum_bytes(packet + start, length - start);
    uint16_t check = (uint16_t)~sum;
    packet[at] = (uint8_t)(check >> 8);
    packet[at + 1] = (uint8_t)check;
  }
  return VNET_OK;
}

// ---- receive -----------------------------------------------------------------------------------

// Errors after which the fd will never read again (the device is gone): stop polling, or a
// level-triggered poll would call us forever.
static int is_fatal(int err) {
  return err == EBADFD || err == EBADF || err == EIO || err == ENXIO || err == ENODEV;
}

static void deliver(tun_t* t, uint32_t count, int err, uint32_t dropped, uint32_t offloaded, uint32_t segments) {
  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, argv[5], result;
  if (t->on_batch != NULL && napi_get_reference_value(env, t->on_batch, &callback) == napi_ok &&
      callback != NULL && napi_get_global(env, &recv) == napi_ok &&
      napi_create_uint32(env, count, &argv[0]) == napi_ok &&
      napi_create_int32(env, err, &argv[1]) == napi_ok &&
      napi_create_uint32(env, dropped, &argv[2]) == napi_ok &&
      napi_create_uint32(env, offloaded, &argv[3]) == napi_ok &&
      napi_create_uint32(env, segments, &argv[4]) == napi_ok) {
    // make_callback (not call_function): runs inside an async context and drains the microtask
    // queue afterwards, as for any I/O callback.
    if (napi_make_callback(env, t->async, recv, callback, 5, argv, &result) == napi_pending_exception) {
      napi_value exception;
      if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  tun_t* t = handle->data;
  if (t->fd < 0 || !t->polling) return;
  if (status < 0) {
    uv_poll_stop(&t->poll);
    t->polling = 0;
    deliver(t, 0, -status, 0, 0, 0);
    return;
  }

  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  uint32_t count = 0;
  int err = 0;
  napi_value memory, buffer, meta_value;
  void* data = NULL;
  size_t bytes = 0;
  napi_typedarray_type meta_type;
  size_t meta_length = 0;
  void* meta_data = NULL;
  // memory.buffer again on every wake-up: a grow replaced (detached) the old one.
  if (napi_get_reference_value(env, t->memory, &memory) != napi_ok ||
      napi_get_named_property(env, memory, "buffer", &buffer) != napi_ok ||
      napi_get_arraybuffer_info(env, buffer, &data, &bytes) != napi_ok ||
      napi_get_reference_value(env, t->meta, &meta_value) != napi_ok ||
      napi_get_typedarray_info(env, meta_value, &meta_type, &meta_length, &meta_data, NULL, NULL) != napi_ok ||
      (uint64_t)t->offset + t->capacity > bytes || meta_length < 2 * (size_t)t->max_packets) {
    napi_close_handle_scope(env, scope);
    uv_poll_stop(&t->poll);
    t->polling = 0;
    deliver(t, 0, EFAULT, 0, 0, 0);
    return;
  }
  uint8_t* region = (uint8_t*)data + t->offset;
  uint32_t* meta = meta_data;
  uint32_t used = 0, dropped = 0, offloaded = 0, offloaded_segments = 0;
  // Dropped packets count against the budget too: bounded work per wake-up.
  while (count + dropped < t->max_packets && t->capacity - used >= t->slot) {
    ssize_t n;
    if (t->vnet) {
      // The header into a scratch struct, the packet where it would go without one: the
      // packet's alignment in the region does not change.
      struct virtio_net_hdr header;
      struct iovec iov[2] = {
        {.iov_base = &header, .iov_len = sizeof header},
        {.iov_base = region + used, .iov_len = t->capacity - used},
      };
      n = readv(t->fd, iov, 2);
      if (n >= 0) {
        uint32_t segments = 0;
        if ((size_t)n < sizeof header ||
            check_vnet(&header, region + used, (size_t)n - sizeof header, t->rx_offload, &segments) != VNET_OK) {
          dropped++;
          continue;
        }
        n -= (ssize_t)sizeof header;
        if (segments != 0) {
          offloaded++;
          offloaded_segments += segments;
        }
      }
    } else {
      n = read(t->fd, region + used, t->capacity - used);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
      break;
    }
    meta[2 * count] = t->offset + used;
    meta[2 * count + 1] = (uint32_t)n;
    count++;
    used += ((uint32_t)n + 15u) & ~15u; // 16-byte aligned starts: the SIMD checksum likes them
  }
  napi_close_handle_scope(env, scope);
  if (err != 0 && is_fatal(err)) {
    uv_poll_stop(&t->poll);
    t->polling = 0;
  }
  if (count > 0 || err != 0 || dropped != 0) deliver(t, count, err, dropped, offloaded, offloaded_segments);
}

static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) return type_error(env, "start(handle, memory, offset, capacity, slot, maxPackets, meta, onBatch)");
  tun_t* t;
  if (arg_handle(env, argv[0], &t) == NULL) return NULL;
  if (t->fd < 0) {
    napi_throw_error(env, "EBADF", "TUN device is closed");
    return NULL;
  }
  uint32_t offset, capacity, slot, max_packets;
  CHECK(env, napi_get_value_uint32(env, argv[2], &offset));
  CHECK(env, napi_get_value_uint32(env, argv[3], &capacity));
  CHECK(env, napi_get_value_uint32(env, argv[4], &slot));
  CHECK(env, napi_get_value_uint32(env, argv[5], &max_packets));
  bool is_typedarray;
  CHECK(env, napi_is_typedarray(env, argv[6], &is_typedarray));
  napi_typedarray_type meta_type;
  size_t meta_length = 0;
  if (is_typedarray) CHECK(env, napi_get_typedarray_info(env, argv[6], &meta_type, &meta_length, NULL, NULL, NULL));
  if (!is_typedarray || meta_type != napi_uint32_array || meta_length < 2 * (size_t)max_packets) {
    return type_error(env, "meta must be a Uint32Array of at least 2 * maxPackets");
  }
  napi_valuetype type;
  CHECK(env, napi_typeof(env, argv[7], &type));
  if (type != napi_function) return type_error(env, "onBatch must be a function");
  napi_value buffer;
  void* data;
  size_t bytes;
  bool is_arraybuffer = false;
  if (napi_get_named_property(env, argv[1], "buffer", &buffer) == napi_ok) {
    CHECK(env, napi_is_arraybuffer(env, buffer, &is_arraybuffer));
  }
  if (!is_arraybuffer) return type_error(env, "memory must be a WebAssembly.Memory");
  CHECK(env, napi_get_arraybuffer_info(env, buffer, &data, &bytes));
  if (slot == 0 || capacity < slot || max_packets == 0 || (uint64_t)offset + capacity > bytes) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "region outside memory, or smaller than one slot");
    return NULL;
  }

  // Started again (after stop): new references; the async context stays, since start may be
  // called from inside an onBatch callback that still runs in it.
  if (t->memory) napi_delete_reference(env, t->memory);
  if (t->meta) napi_delete_reference(env, t->meta);
  if (t->on_batch) napi_delete_reference(env, t->on_batch);
  t->memory = t->meta = t->on_batch = NULL;
  CHECK(env, napi_create_reference(env, argv[1], 1, &t->memory));
  CHECK(env, napi_create_reference(env, argv[6], 1, &t->meta));
  CHECK(env, napi_create_reference(env, argv[7], 1, &t->on_batch));
  if (t->async == NULL) {
    napi_value resource_name;
    CHECK(env, napi_create_string_utf8(env, "TunDevice", NAPI_AUTO_LENGTH, &resource_name));
    CHECK(env, napi_async_init(env, NULL, resource_name, &t->async));
  }
  t->offset = offset;
  t->capacity = capacity;
  t->slot = slot;
  t->max_packets = max_packets;

  if (!t->poll_initialized) {
    uv_loop_t* loop;
    CHECK(env, napi_get_uv_event_loop(env, &loop));
    int r = uv_poll_init(loop, &t->poll, t->fd);
    if (r < 0) return throw_errno(env, "uv_poll_init", -r);
    t->poll.data = t;
    t->poll_initialized = 1;
    t->poll_closed = 0;
    if (t->unref) uv_unref((uv_handle_t*)&t->poll);
  }
  int r = uv_poll_start(&t->poll, UV_READABLE, on_readable);
  if (r < 0) return throw_errno(env, "uv_poll_start", -r);
  t->polling = 1;
  return NULL;
}

/** The TUN handle that is a call's only argument; NULL with a TypeError thrown (`usage`) if not. */
static tun_t* only_handle(napi_env env, napi_callback_info info, const char* usage) {
  size_t argc = 1;
  napi_value argv[1];
  tun_t* t = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || arg_handle(env, argv[0], &t) == NULL) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) type_error(env, usage);
    return NULL;
  }
  return t;
}

static napi_value js_stop(napi_env env, napi_callback_info info) {
  tun_t* t = only_handle(env, info, "stop(handle)");
  if (t == NULL) return NULL;
  if (t->poll_initialized && t->polling && !uv_is_closing((uv_handle_t*)&t->poll)) uv_poll_stop(&t->poll);
  t->polling = 0;
  return NULL;
}

// poll(handle): reads what waits on the fd now, synchronously, as a wake-up would (the batch goes
// to onBatch before poll returns). The stack calls it before running its timers: after an
// event-loop stall libuv runs expired timers before it polls for I/O.
static napi_value js_poll(napi_env env, napi_callback_info info) {
  tun_t* t = only_handle(env, info, "poll(handle)");
  if (t == NULL) return NULL;
  if (t->fd >= 0 && t->polling && !t->teardown) on_readable(&t->poll, 0, UV_READABLE);
  return NULL;
}

// ---- send --------------------------------------------------------------------------------------

/** Folded 16-bit one's-complement sum of big-endian 16-bit words, added to `sum`. */
static uint32_t sum_words(uint32_t sum, const uint8_t* bytes, size_t length) {
  for (size_t i = 0; i + 1 < length; i += 2) sum += ((uint32_t)bytes[i] << 8) | bytes[i + 1];
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)sum;
}

/**
 * Prepares a TCP super-packet for the kernel's GSO: fills `header` (TCPV4/TCPV6, NEEDS_CSUM) and
 * copies the IP + TCP headers into `headers` with the TCP checksum field replaced by the
 * pseudo-header sum, uncomplemented (what the kernel's own stack leaves there for
 * CHECKSUM_PARTIAL: the checksum of each wire segment is completed from it). Returns the length
 * of the headers copied, or 0 when the packet is not one GSO applies to (not TCP, options we do
 * not parse, or a payload of at most one segment): it is then sent as it is.
 *
 * Why NEEDS_CSUM rather than flags 0 with the full checksum the stack already wrote over the
 * whole super-packet (which Linux 6.18 also takes, tried): Linux 6.11's "drop bad gso csum_start
 * and offset in virtio_net_hdr" (89add40066f9, backported to stable kernels) made
 * virtio_net_hdr_to_skb refuse with EINVAL a TCP GSO packet whose csum_offset is not that of the
 * TCP checksum field, which only NEEDS_CSUM sets; its follow-up limits that check to
 * CHECKSUM_PARTIAL packets, but kernels with the first and not the second still exist. With
 * NEEDS_CSUM the skb is CHECKSUM_PARTIAL, which the kernel's TCP takes as verified (it does not
 * sum 64 KB again), and whatever segments it (forwarding) completes each segment's checksum
 * from the seed: the same contract as a TSO packet from the kernel's own stack.
 */
static size_t prepare_gso(const uint8_t* packet, size_t length, uint32_t segment_size,
                          struct virtio_net_hdr* header, uint8_t* headers, size_t room) {
  if (segment_size == 0 || segment_size > 0xffff || length < 20) return 0;
  size_t ip_length;
  uint32_t sum = 0;
  uint8_t gso_type;
  int version = packet[0] >> 4;
  if (version == 4) {
    ip_length = (size_t)(packet[0] & 0x0f) * 4;
    if (ip_length < 20 || packet[9] != 6 /* TCP */) return 0;
    if ((packet[6] & 0x3f) != 0 || packet[7] != 0) return 0; // a fragment: not a whole segment
    sum = sum_words(sum, packet + 12, 8); // source and destination
    gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
  } else if (version == 6) {
    ip_length = 40;
    if (length < 40 || packet[6] != 6 /* TCP, no extension headers */) return 0;
    sum = sum_words(sum, packet + 8, 32);
    gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
  } else {
    return 0;
  }
  if (length < ip_length + 20) return 0;
  const uint8_t* tcp = packet + ip_length;
  size_t tcp_header = (size_t)(tcp[12] >> 4) * 4;
  size_t header_length = ip_length + tcp_header;
  if (tcp_header < 20 || header_length > length || header_length > room) return 0;
  if (length - header_length <= segment_size) return 0; // one segment: nothing to split
  size_t tcp_length = length - ip_length;
  if (tcp_length > 0xffff) return 0;
  sum += 6 + (uint32_t)tcp_length;
  memcpy(headers, packet, header_length);
  uint16_t seed = fold(sum);
  headers[ip_length + 16] = (uint8_t)(seed >> 8);
  headers[ip_length + 17] = (uint8_t)seed;
  memset(header, 0, sizeof *header);
  header->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  // CWR on a super-packet: the kernel must know it goes on the first wire segment only.
  header->gso_type = gso_type | ((tcp[13] & 0x80) ? VIRTIO_NET_HDR_GSO_ECN : 0);
  header->hdr_len = (uint16_t)header_length;
  header->gso_size = (uint16_t)segment_size;
  header->csum_start = (uint16_t)ip_length;
  header->csum_offset = 16; // offsetof(struct tcphdr, check)
  return header_length;
}

static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tun_t* t;
  if (argc < 3 || arg_handle(env, argv[0], &t) == NULL) return type_error(env, "write(handle, packets, count, segmentSizes)");
  uint32_t count, written = 0, offloaded = 0;
  double bytes = 0, offloaded_segments = 0;
  CHECK(env, napi_get_value_uint32(env, argv[2], &count));
  const uint32_t* segment_sizes = NULL;
  if (argc >= 4) {
    napi_valuetype sizes_type;
    CHECK(env, napi_typeof(env, argv[3], &sizes_type));
    if (sizes_type != napi_null && sizes_type != napi_undefined) {
      bool is_typedarray = false;
      CHECK(env, napi_is_typedarray(env, argv[3], &is_typedarray));
      napi_typedarray_type sizes_array_type;
      size_t sizes_length = 0;
      void* sizes_data = NULL;
      if (is_typedarray) CHECK(env, napi_get_typedarray_info(env, argv[3], &sizes_array_type, &sizes_length, &sizes_data, NULL, NULL));
      if (!is_typedarray || sizes_array_type != napi_uint32_array || sizes_length < count) {
        return type_error(env, "segmentSizes must be null or a Uint32Array of at least count entries");
      }
      segment_sizes = sizes_data;
    }
  }
  int last_error = 0;
  if (t->fd < 0) {
    last_error = EBADF;
  } else {
    for (uint32_t i = 0; i < count; i++) {
      napi_value element;
      CHECK(env, napi_get_element(env, argv[1], i, &element));
      bool is_typedarray = false;
      napi_is_typedarray(env, element, &is_typedarray);
      napi_typedarray_type type;
      size_t length;
      void* data;
      if (!is_typedarray) return type_error(env, "packets must be Uint8Arrays");
      CHECK(env, napi_get_typedarray_info(env, element, &type, &length, &data, NULL, NULL));
      if (type != napi_uint8_array) return type_error(env, "packets must be Uint8Arrays");
      ssize_t n;
      uint32_t gso_segments = 0; // wire segments this packet stands for, when sent as GSO
      if (t->vnet) {
        struct virtio_net_hdr header;
        uint8_t headers[60 + 60]; // IPv4 with options + TCP with options; IPv6 needs 40 + 60
        struct iovec iov[3];
        size_t header_length = 0;
        if (segment_sizes != NULL && segment_sizes[i] != 0) {
          header_length = prepare_gso(data, length, segment_sizes[i], &header, headers, sizeof headers);
        }
        int parts;
        if (header_length > 0) {
          iov[0] = (struct iovec){.iov_base = &header, .iov_len = sizeof header};
          iov[1] = (struct iovec){.iov_base = headers, .iov_len = header_length};
          iov[2] = (struct iovec){.iov_base = (uint8_t*)data + header_length, .iov_len = length - header_length};
          parts = 3;
          size_t payload = length - header_length;
          gso_segments = (uint32_t)((payload + segment_sizes[i] - 1) / segment_sizes[i]);
        } else {
          // A plain packet: no offload asked, its checksum complete (the kernel verifies it).
          memset(&header, 0, sizeof header);
          iov[0] = (struct iovec){.iov_base = &header, .iov_len = sizeof header};
          iov[1] = (struct iovec){.iov_base = data, .iov_len = length};
          parts = 2;
        }
        do n = writev(t->fd, iov, parts); while (n < 0 && errno == EINTR);
        if (n >= (ssize_t)sizeof header) n -= (ssize_t)sizeof header;
      } else {
        do n = write(t->fd, data, length); while (n < 0 && errno == EINTR);
      }
      // A full queue (EAGAIN, ENOBUFS) or a packet the kernel refuses (EINVAL...): the packet
      // is dropped, as a busy link would; TCP retransmits.
      if (n < 0) last_error = errno;
      else {
        written++;
        bytes += (double)n;
        if (gso_segments != 0) {
          offloaded++;
          offloaded_segments += gso_segments;
        }
      }
    }
  }
  napi_value result, value;
  CHECK(env, napi_create_array_with_length(env, 5, &result));
  CHECK(env, napi_create_uint32(env, written, &value));
  CHECK(env, napi_set_element(env, result, 0, value));
  CHECK(env, napi_create_int32(env, last_error, &value));
  CHECK(env, napi_set_element(env, result, 1, value));
  CHECK(env, napi_create_double(env, bytes, &value));
  CHECK(env, napi_set_element(env, result, 2, value));
  CHECK(env, napi_create_uint32(env, offloaded, &value));
  CHECK(env, napi_set_element(env, result, 3, value));
  CHECK(env, napi_create_double(env, offloaded_segments, &value));
  CHECK(env, napi_set_element(env, result, 4, value));
  return result;
}

// A Stack decides what keeps the process alive (listening servers, open sockets, as node:net);
// the device's read handle alone should not.
static napi_value js_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tun_t* t;
  bool on;
  if (argc < 2 || arg_handle(env, argv[0], &t) == NULL || napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    return type_error(env, "ref(handle, on: boolean)");
  }
  t->unref = !on;
  if (t->poll_initialized && !uv_is_closing((uv_handle_t*)&t->poll)) {
    if (on) uv_ref((uv_handle_t*)&t->poll);
    else uv_unref((uv_handle_t*)&t->poll);
  }
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  tun_t* t = only_handle(env, info, "close(handle)");
  if (t == NULL) return NULL;
  close_tun(t, 0);
  return NULL;
}

// checkVnet(header, packet, receiveOffload) -> segments, or -1 for a packet the read path drops.
// The read path's check (check_vnet) on bytes from JS, for tests: the kernel never sends a
// hostile header, so this is how the dropping of one is shown. `header` is the 10-byte struct
// virtio_net_hdr as the fd would carry it (native byte order); `packet` is changed in place as a
// read would change it (a partial checksum completed).
static napi_value js_check_vnet(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const char* usage = "checkVnet(header: 10-byte Uint8Array, packet: Uint8Array, receiveOffload: boolean)";
  if (argc < 3) return type_error(env, usage);
  void* data[2];
  size_t lengths[2];
  for (int i = 0; i < 2; i++) {
    bool is_typedarray = false;
    napi_typedarray_type type;
    CHECK(env, napi_is_typedarray(env, argv[i], &is_typedarray));
    if (!is_typedarray) return type_error(env, usage);
    CHECK(env, napi_get_typedarray_info(env, argv[i], &type, &lengths[i], &data[i], NULL, NULL));
    if (type != napi_uint8_array) return type_error(env, usage);
  }
  bool rx_offload = false;
  CHECK(env, napi_get_value_bool(env, argv[2], &rx_offload));
  if (lengths[0] != sizeof(struct virtio_net_hdr)) return type_error(env, usage);
  struct virtio_net_hdr header;
  memcpy(&header, data[0], sizeof header);
  uint32_t segments = 0;
  int verdict = check_vnet(&header, data[1], lengths[1], rx_offload, &segments);
  napi_value result;
  CHECK(env, napi_create_int32(env, verdict == VNET_OK ? (int32_t)segments : -1, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stop", NULL, js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
    {"poll", NULL, js_poll, NULL, NULL, NULL, napi_enumerable, NULL},
    {"write", NULL, js_write, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ref", NULL, js_ref, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"checkVnet", NULL, js_check_vnet, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
