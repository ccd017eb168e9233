// SPDX-License-Identifier: GPL-2.0
/* Traffic generator of the kernel benchmark (bench/kernel/gen.ts), not part of the daemon.
 *
 * Run through BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in the sender namespace: each
 * repetition takes the template frame (Ethernet + IPv4 + UDP), writes the next source address
 * from gen_src into it, recomputes the IPv4 header checksum and redirects the frame into the
 * sender's veth. The frame then lands in the peer veth's NAPI ring as an xdp_frame, the way a
 * NIC's receive ring hands frames to the driver, and the receiver pays the whole receive path.
 *
 * The rewrite starts from scratch every time: live-frame pages are recycled without copying the
 * template again, so the previous repetition's address and checksum are still in the page. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Written by gen.ts before the first run: two little-endian u32 at offsets 0 and 4. */
struct gen_cfg {
	__u32 out_ifindex; /* the sender's veth (in the sender's namespace) */
	__u32 nsrc;        /* entries of gen_src in use, 1..65536 */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_cfg);
} gen_cfg SEC(".maps");

/* Source addresses, network byte order, cycled through in order. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} gen_src SEC(".maps");

/* Next index into gen_src. One generator thread runs the program, so a plain global is enough;
 * with several, sources would repeat or be skipped, which changes nothing measured. */
__u32 gen_next = 0;

/* TCP source port of the next SYN: a flood is many handshakes, not one SYN sent again (the
 * detectors count half-open connections, as a victim's kernel would). */
__u32 gen_sport = 0;

static __always_inline __u16 ipv4_header_checksum(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return (__u16)~sum;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	__u32 zero = 0, idx;
	struct gen_cfg *cfg;
	__u32 *src;

	if ((void *)(iph + 1) > data_end || iph->ihl != 5)
		return XDP_ABORTED;
	cfg = bpf_map_lookup_elem(&gen_cfg, &zero);
	if (!cfg || cfg->nsrc == 0)
		return XDP_ABORTED;

	idx = gen_next;
	if (idx >= cfg->nsrc)
		idx = 0;
	gen_next = idx + 1;
	src = bpf_map_lookup_elem(&gen_src, &idx);
	if (!src)
		return XDP_ABORTED;

	iph->saddr = *src;
	iph->check = 0;
	iph->check = ipv4_header_checksum(iph);
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);
		if ((void *)(th + 1) > data_end)
			return XDP_ABORTED;
		/* Incremental checksum update (RFC 1624) from the port the recycled page holds now. */
		__u16 old = th->source;
		__u16 now = bpf_htons(1024 + (gen_sport++ & 0x7fff));
		__u32 sum = (__u16)~th->check + (__u16)~old + now;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		th->source = now;
		th->check = ~sum & 0xffff;
	}
	return bpf_redirect(cfg->out_ifindex, 0);
}

/* The benchmark's "xdp-pass" receiver: an XDP program that passes everything, the fixed cost of
 * running any XDP program on the receiving veth (the floor under the guard's overhead). */
SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
