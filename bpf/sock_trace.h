/* sock_trace: TCP connection events from tracepoints, to a ring buffer. This header declares the
 * event record and the config map value once, for the program and for the TypeScript decoder
 * (src/decode/conn-event.ts mirrors it; test/sock-trace-layout checks the offsets against the
 * compiled object's BTF). Fixed-width types, explicit padding, 8-byte multiple. */
#ifndef PALISADE_SOCK_TRACE_H
#define PALISADE_SOCK_TRACE_H

/* What happened (pal_conn_event.kind). Never renumbered: the TypeScript decoder mirrors them. */
enum pal_conn_kind {
	/* This host's connect() completed: SYN_SENT -> ESTABLISHED. */
	PAL_CONN_OUTBOUND = 1,
	/* A connection to a listener here completed its handshake: SYN_RECV -> ESTABLISHED. */
	PAL_CONN_ACCEPTED = 2,
	/* A handshake this host answered (SYN-ACK) was not completed within about a second: the first
	 * SYN-ACK retransmission of a request socket (tcp_retransmit_synack), or a full socket going
	 * SYN_RECV -> CLOSE. */
	PAL_CONN_HALF_OPEN = 3,
	/* The peer answered this host's SYN-ACK with a RST (nmap -sS on an open port, hping3 -S), or
	 * sent a RST to a listening port: a TCP RST dropped by a listener (skb/kfree_skb). */
	PAL_CONN_HALF_OPEN_RESET = 4,
	/* A socket here received a RST (tcp_receive_reset): refused connect(), or a connection reset. */
	PAL_CONN_RESET_RECEIVED = 5,
	/* This host sent a RST (tcp_send_reset); reason 1 (NO_SOCKET) = a SYN to a closed port. */
	PAL_CONN_RESET_SENT = 6,
	/* This host's connect() failed: SYN_SENT -> CLOSE (refused, timed out, unreachable). */
	PAL_CONN_FAILED = 7,
};

struct pal_conn_event {
	__u64 ktime_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 netns;      /* network namespace inode number (ns.inum), 0 when unknown */
	__u16 family;     /* AF_INET 2 / AF_INET6 10 (IPv4-mapped IPv6 addresses are left as they are) */
	__u8 protocol;    /* IPPROTO_TCP */
	__u8 kind;        /* enum pal_conn_kind */
	__u8 oldstate;    /* TCP state before (TCP_ESTABLISHED 1 ... TCP_NEW_SYN_RECV 12), 0 = n/a */
	__u8 newstate;    /* TCP state after, 0 = n/a */
	__u8 reason;      /* RESET_SENT: enum sk_rst_reason; else 0 */
	__u8 pad0;
	__u16 lport;      /* local port, host byte order */
	__u16 rport;      /* remote port, host byte order */
	__u8 laddr[16];   /* local address: IPv4 in the first 4 bytes, or IPv6 */
	__u8 raddr[16];   /* remote address */
};

/* Config map (array, one entry), written by the loader before the tracepoints are attached. */
struct pal_sock_trace_config {
	__u32 netns;      /* only events of this namespace (ns.inum); 0 = every namespace */
	__u32 pad0;
};

#endif
