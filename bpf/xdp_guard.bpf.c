// SPDX-License-Identifier: GPL-2.0
/* xdp_guard: drops packets from blocked sources before the network stack spends anything on them,
 * counts per-source SYNs and ICMP, and hands every Nth passed frame (its head) to Palisade's engine
 * through a ring buffer. Layouts and map list: xdp_guard.h.
 *
 * Cost model: single IPv4 addresses live in an open-addressing table of cache-line buckets (one
 * memory access per lookup whatever their number), single IPv6 addresses in a hash map; only
 * networks use LPM tries (their lookup cost grows with size). A map whose entry count (guard_cfg,
 * written by userspace) is zero is not looked up at all, so legitimate traffic pays for no feature
 * that is not in use. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdp_guard.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

/* Mmapable only for its layout: the kernel then puts the values on a page boundary, so every
 * 64-byte bucket is exactly one cache line (otherwise most straddle two). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_DEFAULT_TAB_BUCKETS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xg_bucket);
} tab_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XG_DEFAULT_BLOCKS);
	/* Not preallocated: memory follows the blocks actually held, max_entries is only the cap. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} blk_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_DEFAULT_BLOOM_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} bloom_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XG_DEFAULT_BLOCKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct in6_key);
	__type(value, __u32);
} blk_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_DEFAULT_BLOCKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} net_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_DEFAULT_BLOCKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v6_key);
	__type(value, __u32);
} net_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_ALLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_ALLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v6_key);
	__type(value, __u32);
} allow_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XG_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xg_stat_val);
} stats SEC(".maps");

/* Bounded by construction: LRU eviction keeps the most recently seen sources; a flood of spoofed
 * sources evicts old entries, never grows the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XG_SRC_RATE_ENTRIES);
	__type(key, struct src_key);
	__type(value, struct src_rate_val);
} src_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XG_EVENTS_BYTES);
} events SEC(".maps");

/* data is twice XG_MAX_SNAP so that the verifier's bound on the copy length can be a bit mask
 * (cap & (2 * XG_MAX_SNAP - 1)), which it tracks exactly; cap itself never exceeds XG_MAX_SNAP. */
struct xg_record {
	struct xg_event_hdr hdr;
	__u8 data[2 * XG_MAX_SNAP];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xg_record);
} scratch SEC(".maps");

/* The only variable in .bss: its layout is struct xg_cfg, written whole by userspace. */
struct xg_cfg guard_cfg = {};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

static __always_inline void count(__u32 idx, __u64 bytes)
{
	struct xg_stat_val *v = bpf_map_lookup_elem(&stats, &idx);
	if (v) {
		v->packets++;
		v->bytes += bytes;
	}
}

/* Returns the drop reason (XG_STAT_DROP_*), XG_STAT_ALLOWED when a block matched but the whitelist
 * lets the source through, or 0 when nothing matched.
 * The whitelist is consulted only once a block matched: that gives the same verdict as checking it
 * first (whitelisted and not blocked passes either way) and spares the common, unblocked packet
 * the trie lookup. The ALLOWED counter therefore counts whitelisted sources that were also
 * blocked, not all whitelisted traffic. */
/* 1: `a` is blocked; 0: it is not; -1: not in its bucket, which overflowed into blk_v4.
 * The array lookup is inlined by the verifier (no call); the slots are compared unrolled. */
static __always_inline int tab_v4_find(__u32 a, __u32 h)
{
	__u32 idx = h & guard_cfg.tab_mask;
	struct xg_bucket *b = bpf_map_lookup_elem(&tab_v4, &idx);
	if (!b)
		return 0;
#pragma unroll
	for (int i = 0; i < XG_TAB_SLOTS; i++)
		if (b->slot[i] == a)
			return 1;
	return (b->flags & XG_TAB_OVERFLOW) ? -1 : 0;
}

static __always_inline __u32 check_v4(const __u8 *saddr)
{
	struct lpm_v4_key k = { .prefixlen = 32 };
	__u32 a, reason = 0;

	__builtin_memcpy(&a, saddr, 4);
	__builtin_memcpy(k.addr, saddr, 4);
	if (guard_cfg.n_blk_v4) {
		__u32 h = xg_tab_hash(a, guard_cfg.tab_seed);
		__u32 w = h >> (guard_cfg.bloom_shift & 31);
		__u64 want = (1ULL << (h & 63)) | (1ULL << ((h >> 6) & 63));
		__u64 *bw = bpf_map_lookup_elem(&bloom_v4, &w);
		if (bw && (*bw & want) == want) {
			/* 0.0.0.0 would match every free slot: it only ever lives in blk_v4. */
			int found = a ? tab_v4_find(a, h) : -1;
			if (found > 0 || (found < 0 && bpf_map_lookup_elem(&blk_v4, &a)))
				reason = XG_STAT_DROP_ADDR_V4;
		}
	}
	if (!reason && guard_cfg.n_net_v4 && bpf_map_lookup_elem(&net_v4, &k))
		reason = XG_STAT_DROP_NET_V4;
	if (reason && guard_cfg.n_allow_v4 && bpf_map_lookup_elem(&allow_v4, &k))
		reason = XG_STAT_ALLOWED;
	return reason;
}

static __always_inline __u32 check_v6(const __u8 *saddr)
{
	struct lpm_v6_key k = { .prefixlen = 128 };
	struct in6_key a;
	__u32 reason = 0;

	__builtin_memcpy(a.addr, saddr, 16);
	__builtin_memcpy(k.addr, saddr, 16);
	if (guard_cfg.n_blk_v6 && bpf_map_lookup_elem(&blk_v6, &a))
		reason = XG_STAT_DROP_ADDR_V6;
	else if (guard_cfg.n_net_v6 && bpf_map_lookup_elem(&net_v6, &k))
		reason = XG_STAT_DROP_NET_V6;
	if (reason && guard_cfg.n_allow_v6 && bpf_map_lookup_elem(&allow_v6, &k))
		reason = XG_STAT_ALLOWED;
	return reason;
}

/* Counts a SYN (no ACK) or an ICMP packet of a passed source. */
static __always_inline void count_source(__u8 family, const __u8 *saddr, int syn)
{
	struct src_key key = { .family = family };
	struct src_rate_val *v;
	__u64 now = bpf_ktime_get_ns();

	if (family == 4)
		__builtin_memcpy(key.addr, saddr, 4);
	else
		__builtin_memcpy(key.addr, saddr, 16);
	v = bpf_map_lookup_elem(&src_rate, &key);
	if (v) {
		if (syn)
			__sync_fetch_and_add(&v->syn, 1);
		else
			__sync_fetch_and_add(&v->icmp, 1);
		v->last_ns = now;
		return;
	}
	struct src_rate_val nv = { .syn = syn ? 1 : 0, .icmp = syn ? 0 : 1, .first_ns = now, .last_ns = now };
	/* Two CPUs racing on a new source: one insert wins, the other's packet is not counted. */
	bpf_map_update_elem(&src_rate, &key, &nv, BPF_NOEXIST);
}

/* Copies the head of a passed frame to the ring buffer. */
static __always_inline void sample(struct xdp_md *ctx, __u8 flags)
{
	__u32 zero = 0;
	struct xg_record *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return;
	__u32 wirelen = bpf_xdp_get_buff_len(ctx);
	__u32 cap = guard_cfg.snaplen;
	if (cap > wirelen)
		cap = wirelen;
	if (cap > XG_MAX_SNAP)
		cap = XG_MAX_SNAP;
	/* Hide the clamps from clang so the mask stays: the verifier needs it, not the logic. */
	asm volatile("" : "+r"(cap));
	cap &= 2 * XG_MAX_SNAP - 1;
	r->hdr.ktime_ns = bpf_ktime_get_ns();
	r->hdr.ifindex = ctx->ingress_ifindex;
	r->hdr.wirelen = wirelen;
	r->hdr.verdict = XDP_PASS;
	r->hdr.flags = flags;
	r->hdr.rx_queue = ctx->rx_queue_index;
	/* bpf_xdp_load_bytes copies across the fragments of a multi-buffer frame as well. */
	if (cap > 0 && bpf_xdp_load_bytes(ctx, 0, r->data, cap) != 0)
		cap = 0;
	r->hdr.caplen = cap;
	if (bpf_ringbuf_output(&events, r, sizeof(r->hdr) + cap, 0) == 0)
		count(XG_STAT_SAMPLED, 0);
	else
		count(XG_STAT_RINGBUF_FULL, 0);
}

SEC("xdp")
int xdp_guard(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct ethhdr *eth = data;
	__u32 off = sizeof(struct ethhdr);
	__u32 reason = 0;
	__u8 flags = 0;
	__be16 proto;
	int syn = 0, icmp = 0;
	__u8 family = 0;
	const __u8 *saddr = 0;

	if ((void *)(eth + 1) > data_end) {
		flags = XG_EV_MALFORMED;
		count(XG_STAT_MALFORMED, bytes);
		goto pass;
	}
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct vlan_tag *vt = data + off;
		if ((void *)(vt + 1) > data_end) {
			flags |= XG_EV_MALFORMED;
			count(XG_STAT_MALFORMED, bytes);
			goto pass;
		}
		proto = vt->proto;
		off += sizeof(struct vlan_tag);
		flags |= i == 0 ? XG_EV_VLAN : XG_EV_QINQ;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;
		if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5) {
			flags |= XG_EV_MALFORMED;
			count(XG_STAT_MALFORMED, bytes);
			goto pass;
		}
		flags |= XG_EV_IPV4;
		family = 4;
		saddr = (const __u8 *)&ip->saddr;
		reason = check_v4(saddr);
		/* Only a first (or unfragmented) fragment carries the transport header. */
		if ((ip->frag_off & bpf_htons(0x1fff)) == 0) {
			if (ip->protocol == IPPROTO_TCP) {
				struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
				if ((void *)(tcp + 1) <= data_end)
					syn = tcp->syn && !tcp->ack;
			} else if (ip->protocol == IPPROTO_ICMP) {
				icmp = 1;
			}
		}
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		if ((void *)(ip6 + 1) > data_end || ip6->version != 6) {
			flags |= XG_EV_MALFORMED;
			count(XG_STAT_MALFORMED, bytes);
			goto pass;
		}
		flags |= XG_EV_IPV6;
		family = 6;
		saddr = (const __u8 *)&ip6->saddr;
		reason = check_v6(saddr);
		/* The fixed header's next header only: extension headers are not walked (SYNs and ICMPv6
		 * behind them are not counted per source; the block decision does not depend on them). */
		if (ip6->nexthdr == IPPROTO_TCP) {
			struct tcphdr *tcp = (void *)(ip6 + 1);
			if ((void *)(tcp + 1) <= data_end)
				syn = tcp->syn && !tcp->ack;
		} else if (ip6->nexthdr == IPPROTO_ICMPV6) {
			icmp = 1;
		}
	} else {
		flags |= XG_EV_NOT_IP;
		count(XG_STAT_NOT_IP, bytes);
		goto pass;
	}

	if (reason >= XG_STAT_DROP_ADDR_V4 && reason <= XG_STAT_DROP_NET_V6) {
		count(reason, bytes);
		return XDP_DROP;
	}
	if (reason == XG_STAT_ALLOWED) {
		flags |= XG_EV_ALLOWED;
		count(XG_STAT_ALLOWED, bytes);
	}
	/* Per-source counters for passed packets only: a blocked source is already handled, and a
	 * flood from it must stay as cheap to drop as possible. */
	if ((syn || icmp) && saddr)
		count_source(family, saddr, syn);

pass:;
	__u32 idx = XG_STAT_PASSED;
	struct xg_stat_val *v = bpf_map_lookup_elem(&stats, &idx);
	if (!v)
		return XDP_PASS;
	v->packets++;
	v->bytes += bytes;
	__u32 rate = guard_cfg.sample_rate;
	/* Every Nth passed packet of this CPU (the per-CPU pass counter is the sequence). */
	if (rate == 1 || (rate > 1 && v->packets % rate == 0))
		sample(ctx, flags);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
