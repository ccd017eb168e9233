/* xdp_guard: the layouts shared by the XDP program (xdp_guard.bpf.c) and its userspace
 * (src/kernel/xdp-guard.ts, which mirrors every offset below; test/xdp-layout.test.ts checks the
 * two agree against the compiled object's BTF). Fixed-width types, explicit padding, no holes.
 * Addresses are raw network-order bytes exactly as they sit in the packet.
 *
 * Maps (names are stable: the daemon, the benchmark and `bpftool map` find them by name):
 *   tab_v4    ARRAY     key __u32 (bucket index)        value struct xg_bucket  single blocked IPv4
 *             addresses, open addressing: one 64-byte bucket per lookup (see xg_bucket)
 *   blk_v4    HASH      key __u32 (IPv4 source)         value __u32 (0)   single IPv4 addresses whose
 *             bucket is full, and 0.0.0.0 (0 marks a free slot in tab_v4)
 *   bloom_v4  ARRAY     key __u32 (word index)          value __u64       two bits per single blocked
 *             IPv4 address: a clear one lets the packet skip tab_v4 and blk_v4
 *   blk_v6    HASH      key struct in6_key              value __u32 (0)
 *   net_v4    LPM_TRIE  key struct lpm_v4_key           value __u32 (0)   blocked networks only
 *   net_v6    LPM_TRIE  key struct lpm_v6_key           value __u32 (0)
 *   allow_v4  LPM_TRIE  key struct lpm_v4_key           value __u32 (0)   whitelist (wins over any block)
 *   allow_v6  LPM_TRIE  key struct lpm_v6_key           value __u32 (0)
 *   stats     PERCPU_ARRAY key __u32 (enum xg_stat)     value struct xg_stat_val
 *   src_rate  LRU_HASH  key struct src_key              value struct src_rate_val
 *   events    RINGBUF   records: struct xg_event_hdr + caplen bytes of the frame
 *   scratch   PERCPU_ARRAY (1 entry) where a record is assembled before bpf_ringbuf_output
 *   .bss      struct xg_cfg guard_cfg, written by userspace (entry counts, sampling)
 */
#ifndef XDP_GUARD_H
#define XDP_GUARD_H

#include <linux/types.h>

/* Compile-time cap of the bytes copied per sampled frame (sources.packets.snaplen is clamped to it). */
#define XG_MAX_SNAP 512

/* Default sizes; userspace sets the block maps' max_entries from policy.max_blocks at load. */
#define XG_DEFAULT_BLOCKS 100000
#define XG_ALLOW_ENTRIES 16384
#define XG_SRC_RATE_ENTRIES 65536
#define XG_EVENTS_BYTES (4u << 20)

struct in6_key {
	__u8 addr[16];
}; /* 16 bytes */

struct lpm_v4_key {
	__u32 prefixlen; /* host byte order, as the LPM trie wants */
	__u8 addr[4];
}; /* 8 bytes */

struct lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
}; /* 20 bytes */

/* tab_v4: one bucket is one cache line, so a lookup costs at most one memory access however many
 * addresses are blocked (a kernel hash map costs two: its bucket, then the element). An address
 * lives in bucket xg_tab_hash(addr, tab_seed) & tab_mask, in any free slot (0 = free); when all
 * slots are taken, userspace puts it in blk_v4 and sets XG_TAB_OVERFLOW on the bucket, and only
 * then does the program look in blk_v4. Userspace sizes the table for a load of about half. */
#define XG_TAB_SLOTS 15
#define XG_TAB_OVERFLOW 0x1u
#define XG_DEFAULT_TAB_BUCKETS 16384
/* bloom_v4, a Bloom filter with two bits per address in one 64-bit word (one memory access):
 * with h = xg_tab_hash(addr, tab_seed), word h >> bloom_shift, bits h & 63 and (h >> 6) & 63 are
 * set for every blocked address. Sized at about 8 bits per address, so about 1 legitimate packet
 * in 20 goes on to the table; the filter (an eighth of the table's size) mostly stays in cache,
 * where the table would not. */
#define XG_DEFAULT_BLOOM_WORDS 16384

struct xg_bucket {
	__u32 slot[XG_TAB_SLOTS]; /* addresses as the packet holds them (network order); 0 = free */
	__u32 flags;              /* XG_TAB_OVERFLOW: more addresses of this bucket are in blk_v4 */
}; /* 64 bytes */

/* The bucket hash (murmur3's finaliser of addr ^ seed): the same function in
 * src/kernel/xdp-table.ts. The seed is random per load, so nobody outside can aim at one bucket. */
static inline __u32 xg_tab_hash(__u32 addr, __u32 seed)
{
	__u32 h = addr ^ seed;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Per-source counters: IPv4 addresses sit in addr[0..3], the rest zero. */
struct src_key {
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
}; /* 20 bytes */

struct src_rate_val {
	__u64 syn;      /* TCP SYN without ACK */
	__u64 icmp;     /* ICMP (IPv4) or ICMPv6 */
	__u64 first_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) of the first counted packet */
	__u64 last_ns;  /* ... of the latest */
}; /* 32 bytes */

/* stats indexes. Every packet lands in exactly one of PASSED or DROP_*; the others are subsets
 * of PASSED (ALLOWED, NOT_IP, MALFORMED, SAMPLED) or count sampling attempts (RINGBUF_FULL).
 * Never renumber: userspace and the docs name them by index. */
enum xg_stat {
	XG_STAT_PASSED = 0,
	XG_STAT_DROP_ADDR_V4 = 1,
	XG_STAT_DROP_ADDR_V6 = 2,
	XG_STAT_DROP_NET_V4 = 3,
	XG_STAT_DROP_NET_V6 = 4,
	XG_STAT_ALLOWED = 5,      /* a block matched, the whitelist let it pass */
	XG_STAT_SAMPLED = 6,      /* records written to the ring buffer */
	XG_STAT_RINGBUF_FULL = 7, /* records lost: the ring was full */
	XG_STAT_NOT_IP = 8,       /* neither IPv4 nor IPv6 (ARP, LLDP, a third VLAN tag, ...) */
	XG_STAT_MALFORMED = 9,    /* too short or a bad IP version/header length */
	XG_STAT_MAX = 10,
};

struct xg_stat_val {
	__u64 packets;
	__u64 bytes; /* frame bytes in the linear part (data_end - data) */
}; /* 16 bytes */

/* xg_event_hdr.flags */
#define XG_EV_IPV4 0x01
#define XG_EV_IPV6 0x02
#define XG_EV_VLAN 0x04      /* at least one VLAN tag */
#define XG_EV_QINQ 0x08      /* two VLAN tags */
#define XG_EV_ALLOWED 0x10   /* blocked address, passed by the whitelist */
#define XG_EV_NOT_IP 0x20
#define XG_EV_MALFORMED 0x40

/* One ring buffer record: this header, then `caplen` bytes of the frame from the Ethernet header. */
struct xg_event_hdr {
	__u64 ktime_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;
	__u32 wirelen;  /* whole frame length (all fragments of a multi-buffer frame) */
	__u16 caplen;   /* bytes that follow the header */
	__u8 verdict;   /* XDP_PASS (2): drops are counted, never sampled */
	__u8 flags;     /* XG_EV_* */
	__u32 rx_queue;
}; /* 24 bytes */

/* The .bss of the program: userspace writes the whole struct (mapUpdate on ".bss", key 0).
 * Entry counts let the program skip lookups in empty maps, so legitimate traffic pays nothing for
 * features not in use; a count only has to be non-zero whenever its map is non-empty. */
struct xg_cfg {
	__u32 n_blk_v4;    /* single IPv4 addresses: tab_v4 and blk_v4 together */
	__u32 n_blk_v6;
	__u32 n_net_v4;
	__u32 n_net_v6;
	__u32 n_allow_v4;
	__u32 n_allow_v6;
	__u32 sample_rate; /* every Nth passed packet to the ring buffer (per CPU); 0 = none */
	__u32 snaplen;     /* bytes of each sampled frame, clamped to XG_MAX_SNAP */
	__u32 tab_mask;    /* tab_v4 buckets - 1 (a power of two minus one) */
	__u32 tab_seed;    /* xg_tab_hash seed */
	__u32 bloom_shift; /* 32 - log2(words of bloom_v4), at least 12 (the bit numbers use h's low 12 bits) */
	__u32 pad;
}; /* 48 bytes */

#endif
