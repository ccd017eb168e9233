// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* sock_trace: TCP connection events for the engine -- the host's own view of connects, accepts,
 * half-open handshakes and resets (seed 000 traced tcp_v4_connect / inet_csk_accept; fentry and
 * kprobes are not available on the target kernel, tracepoints are).
 *
 * What fires on Linux 6.18 (checked with real connections between network namespaces):
 *  - sock/inet_sock_set_state fires for full sockets only. A listener's SYN creates a request
 *    socket (TCP_NEW_SYN_RECV) without any state-change event; only when the final ACK arrives is
 *    the child created (LISTEN -> SYN_RECV) and established (SYN_RECV -> ESTABLISHED). A handshake
 *    that is never completed leaves no trace there at all.
 *  - tcp/tcp_retransmit_synack fires when a request socket's SYN-ACK goes unanswered (after about
 *    1 s, then 3, 7, ... s): the half-open handshake of a peer that never replies (spoofed floods).
 *  - When the peer answers the SYN-ACK with a RST (a raw-socket scanner such as nmap -sS or
 *    hping3 -S: the peer's kernel resets a handshake it never started), the request socket is
 *    dropped silently; the only trace is skb/kfree_skb of that RST with rx_sk = the listener.
 *  - tcp/tcp_send_reset fires for every RST this host sends; with no socket (reason NO_SOCKET) it
 *    is a SYN to a closed port: a refused connection, one per port a scanner probes.
 *  - tcp/tcp_receive_reset fires when a full socket receives a RST (refused connect, reset).
 * Tracepoints are global: every event carries its network namespace (ns.inum), and the config
 * map can restrict events to one namespace in the kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sock_trace.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define TCP_FLAG_RST 0x04

/* TCP states (include/net/tcp_states.h) */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define TCP_LISTEN 10

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pal_sock_trace_config);
} trace_config SEC(".maps");

/* Events lost because the ring buffer was full (per CPU, summed by the reader). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/* Puts struct pal_conn_event into the object's BTF (ring buffer records have no map type), so the
 * layout test can compare it with the TypeScript decoder's offsets. */
struct pal_conn_event *pal_conn_event_btf __attribute__((unused));

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	if (!sk)
		return 0;
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* False when a namespace filter is set and the event is from another namespace. */
static __always_inline bool wanted(__u32 netns)
{
	__u32 zero = 0;
	struct pal_sock_trace_config *c = bpf_map_lookup_elem(&trace_config, &zero);
	return !c || c->netns == 0 || c->netns == netns;
}

/* A zeroed event of namespace `netns` and kind `kind` in the ring buffer, or NULL when the
 * namespace is filtered out or the ring is full (counted in lost_events). */
static __always_inline struct pal_conn_event *reserve(__u32 netns, __u8 kind)
{
	if (!wanted(netns))
		return NULL;
	struct pal_conn_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost_events, &zero);
		if (n)
			*n += 1;
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->protocol = IPPROTO_TCP;
	e->netns = netns;
	e->kind = kind;
	return e;
}

/* Copies the tracepoint's address fields: IPv4 into the first 4 bytes, else the IPv6 address.
 * Through bpf_probe_read_kernel: the verifier refuses loads through a moved context pointer. */
#define COPY_ADDRS(e, ctx)                                                                  \
	do {                                                                                \
		(e)->family = (ctx)->family;                                                \
		if ((ctx)->family == AF_INET) {                                             \
			bpf_probe_read_kernel((e)->laddr, 4, (ctx)->saddr);                 \
			bpf_probe_read_kernel((e)->raddr, 4, (ctx)->daddr);                 \
		} else {                                                                    \
			bpf_probe_read_kernel((e)->laddr, 16, (ctx)->saddr_v6);             \
			bpf_probe_read_kernel((e)->raddr, 16, (ctx)->daddr_v6);             \
		}                                                                           \
	} while (0)

SEC("tracepoint/sock/inet_sock_set_state")
int sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	int o = ctx->oldstate, n = ctx->newstate;
	__u8 kind;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (o == TCP_SYN_SENT && n == TCP_ESTABLISHED)
		kind = PAL_CONN_OUTBOUND;
	else if (o == TCP_SYN_SENT && n == TCP_CLOSE)
		kind = PAL_CONN_FAILED;
	else if (o == TCP_SYN_RECV && n == TCP_ESTABLISHED)
		kind = PAL_CONN_ACCEPTED;
	else if (o == TCP_SYN_RECV && n == TCP_CLOSE)
		kind = PAL_CONN_HALF_OPEN;
	else
		return 0; /* CLOSE -> SYN_SENT has no local port yet; the attempt is reported when it ends */
	__u32 ns = sk_netns(ctx->skaddr);
	struct pal_conn_event *e = reserve(ns, kind);
	if (!e)
		return 0;
	e->oldstate = o;
	e->newstate = n;
	e->lport = ctx->sport;
	e->rport = ctx->dport;
	COPY_ADDRS(e, ctx);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_synack")
int retransmit_synack(struct trace_event_raw_tcp_retransmit_synack *ctx)
{
	/* Only the first retransmission: one event per half-open handshake, not one per retry.
	 * num_retrans is incremented after the tracepoint, so it is 0 on the first. */
	const struct request_sock *req = ctx->req;
	if (!req || BPF_CORE_READ(req, num_retrans) != 0)
		return 0;
	__u32 ns = sk_netns(ctx->skaddr);
	struct pal_conn_event *e = reserve(ns, PAL_CONN_HALF_OPEN);
	if (!e)
		return 0;
	e->oldstate = 12; /* TCP_NEW_SYN_RECV: a request socket */
	e->lport = ctx->sport;
	e->rport = ctx->dport;
	COPY_ADDRS(e, ctx);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/tcp/tcp_receive_reset")
int receive_reset(struct trace_event_raw_tcp_event_sk *ctx)
{
	const struct sock *sk = ctx->skaddr;
	__u32 ns = sk_netns(sk);
	struct pal_conn_event *e = reserve(ns, PAL_CONN_RESET_RECEIVED);
	if (!e)
		return 0;
	e->oldstate = sk ? BPF_CORE_READ(sk, __sk_common.skc_state) : 0;
	e->lport = ctx->sport;
	e->rport = ctx->dport;
	COPY_ADDRS(e, ctx);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* tcp_send_reset stores struct sockaddr_in / sockaddr_in6 (28 bytes): family at 0, port at 2
 * (network order), IPv4 address at 4, IPv6 address at 8. */
static __always_inline void copy_sockaddr(__u8 *addr, __u16 *port, const __u8 *sa, __u16 family)
{
	*port = ((__u16)sa[2] << 8) | sa[3];
	if (family == AF_INET)
		__builtin_memcpy(addr, sa + 4, 4);
	else
		__builtin_memcpy(addr, sa + 8, 16);
}

SEC("tracepoint/tcp/tcp_send_reset")
int send_reset(struct trace_event_raw_tcp_send_reset *ctx)
{
	const struct sock *sk = ctx->skaddr;
	__u32 ns;
	if (sk) {
		ns = sk_netns(sk);
	} else {
		/* No socket: a reply to an incoming segment; its device names the namespace. */
		const struct sk_buff *skb = ctx->skbaddr;
		ns = skb ? BPF_CORE_READ(skb, dev, nd_net.net, ns.inum) : 0;
	}
	if (!wanted(ns))
		return 0; /* before the address reads (reserve() checks again, cheaply) */
	__u8 sa[28], da[28];
	if (bpf_probe_read_kernel(sa, sizeof(sa), ctx->saddr) || bpf_probe_read_kernel(da, sizeof(da), ctx->daddr))
		return 0;
	__u16 family = *(__u16 *)sa;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	struct pal_conn_event *e = reserve(ns, PAL_CONN_RESET_SENT);
	if (!e)
		return 0;
	e->family = family;
	e->oldstate = sk ? ctx->state : 0;
	e->reason = ctx->reason;
	/* saddr is this host's end (the RST's sender), daddr the peer. */
	copy_sockaddr(e->laddr, &e->lport, sa, family);
	copy_sockaddr(e->raddr, &e->rport, da, family);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	/* Hot-ish (every dropped packet): leave on the cheapest tests first. */
	if (!bpf_core_field_exists(ctx->rx_sk))
		return 0;
	const struct sock *sk = ctx->rx_sk;
	__u16 proto = ctx->protocol;
	if (!sk || (proto != ETH_P_IP && proto != ETH_P_IPV6))
		return 0;
	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN)
		return 0;
	const struct sk_buff *skb = ctx->skbaddr;
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u8 l4proto, tcp[14];
	struct pal_conn_event tmp = {};
	unsigned char *th;

	if (proto == ETH_P_IP) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return 0;
		l4proto = ip.protocol;
		th = head + nh + ip.ihl * 4;
		tmp.family = AF_INET;
		__builtin_memcpy(tmp.raddr, &ip.saddr, 4);
		__builtin_memcpy(tmp.laddr, &ip.daddr, 4);
	} else {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return 0;
		l4proto = ip6.nexthdr; /* extension headers before TCP are not followed */
		th = head + nh + sizeof(ip6);
		tmp.family = AF_INET6;
		__builtin_memcpy(tmp.raddr, &ip6.saddr, 16);
		__builtin_memcpy(tmp.laddr, &ip6.daddr, 16);
	}
	if (l4proto != IPPROTO_TCP || bpf_probe_read_kernel(tcp, sizeof(tcp), th))
		return 0;
	if (!(tcp[13] & TCP_FLAG_RST))
		return 0;
	__u32 ns = sk_netns(sk);
	struct pal_conn_event *e = reserve(ns, PAL_CONN_HALF_OPEN_RESET);
	if (!e)
		return 0;
	e->family = tmp.family;
	e->oldstate = TCP_LISTEN;
	e->rport = ((__u16)tcp[0] << 8) | tcp[1];
	e->lport = ((__u16)tcp[2] << 8) | tcp[3];
	__builtin_memcpy(e->laddr, tmp.laddr, 16);
	__builtin_memcpy(e->raddr, tmp.raddr, 16);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
