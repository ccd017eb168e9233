/* NFQUEUE inline verdicts on the libuv loop.
 *
 * Set-up uses libnetfilter_queue (bind, copy range, queue length, fail-open and GSO flags). The hot
 * path talks netlink directly on the same socket, because that is where the time goes:
 * - receive: recvmmsg() takes up to RECV_VLEN packet messages per system call (the kernel sends one
 *   message per packet); each is parsed in place (packet header, timestamp, capture length, payload)
 *   and copied into one reused batch Buffer;
 * - JavaScript is called once per batch with (batch, count, verdicts) and fills verdicts[i]
 *   (0 accept, 1 drop);
 * - verdicts go back in one sendmsg() as NFQNL_MSG_VERDICT_BATCH messages, one per run of equal
 *   verdicts in id order (a batch verdict applies to every queued id up to its own, and ids are
 *   handed out in order): an all-accept batch costs one message, each drop at most two.
 * Packets the kernel could not hand over (socket buffer full: ENOBUFS) are counted from the gaps in
 * the id sequence; the kernel accepted them (fail-open) or dropped them (fail-closed). */
#define _GNU_SOURCE /* recvmmsg */
#include "addon.h"
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnetfilter_queue/linux_nfnetlink_queue.h>
#include <uv.h>

#define MAX_QUEUES 16
#define RECV_VLEN 64
/* Room for a packet message's headers and attributes besides the payload. */
#define MSG_OVERHEAD 1024
/* Each record: [u32 id][u16 hw_protocol][u8 hook][u8 0][f64 ts][u32 caplen][u32 wirelen][bytes, pad to 8]. */
#define REC_HDR 24
#define VERDICT_MSG_LEN (NLMSG_ALIGN(sizeof(struct nlmsghdr)) + NLMSG_ALIGN(sizeof(struct nfgenmsg)) + NFA_ALIGN(sizeof(struct nlattr) + sizeof(struct nfqnl_msg_verdict_hdr)))
/* At most this many batches per wake-up, so other work on the loop is not starved under load. */
#define BATCHES_PER_WAKE 8

struct nfq {
	napi_env env;
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	int fd;
	uint16_t queue;
	int fail_open;
	uv_poll_t poll;
	napi_ref onbatch, buffer, verdicts;
	napi_async_context actx;
	/* batch handed to JavaScript */
	uint8_t *data;
	size_t data_size;
	uint8_t *verdict;
	uint32_t *ids;
	uint32_t count, max_batch, rec_max;
	size_t used;
	/* receive buffers */
	uint8_t *rx;
	size_t rx_size;
	struct mmsghdr msgs[RECV_VLEN];
	struct iovec iov[RECV_VLEN];
	/* verdict messages */
	uint8_t *tx;
	/* id bookkeeping: last id seen (0 = none yet) */
	uint32_t last_id;
	int seen_any;
	/* counters */
	uint64_t packets, batches, accepted, dropped, lost, enobufs, verdict_errors, recv_errors, truncated, setup_packets;
	int last_verdict_errno, last_recv_errno;
	int in_callback, close_requested, closing, in_use;
};

static struct nfq queues[MAX_QUEUES];

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t be64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

/* Appends verdict messages for ids[0..count) to tx; returns the bytes written. */
static size_t put_verdict(uint8_t *p, uint16_t queue, uint32_t id, uint32_t verdict)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	struct nfgenmsg *g = (struct nfgenmsg *)(p + NLMSG_ALIGN(sizeof(*nlh)));
	struct nlattr *a = (struct nlattr *)((uint8_t *)g + NLMSG_ALIGN(sizeof(*g)));
	struct nfqnl_msg_verdict_hdr *vh = (struct nfqnl_msg_verdict_hdr *)((uint8_t *)a + NLA_HDRLEN);

	memset(p, 0, VERDICT_MSG_LEN);
	nlh->nlmsg_len = VERDICT_MSG_LEN;
	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT_BATCH;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue);
	a->nla_len = NLA_HDRLEN + sizeof(*vh);
	a->nla_type = NFQA_VERDICT_HDR;
	vh->verdict = htonl(verdict);
	vh->id = htonl(id);
	return VERDICT_MSG_LEN;
}

static int send_all(struct nfq *q, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	for (int tries = 0; tries < 3; tries++) {
		ssize_t n = sendto(q->fd, q->tx, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
		if (n >= 0)
			return 0;
		if (errno != EINTR && errno != EAGAIN && errno != ENOBUFS && errno != ENOMEM) {
			q->last_verdict_errno = errno;
			break;
		}
		q->last_verdict_errno = errno;
	}
	q->verdict_errors++;
	return -1;
}

/* One verdict message per run of equal verdicts, all in one sendmsg. */
static void issue_verdicts(struct nfq *q)
{
	size_t len = 0;
	uint32_t n = q->count;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t d = q->verdict[i] ? 1 : 0;
		if (d)
			q->dropped++;
		else
			q->accepted++;
		if (i + 1 < n && (q->verdict[i + 1] ? 1 : 0) == d)
			continue;
		len += put_verdict(q->tx + len, q->queue, q->ids[i], d ? NF_DROP : NF_ACCEPT);
	}
	if (len)
		send_all(q, len);
}

static void close_now(struct nfq *q);

/* Hands the batch to JavaScript and sends its verdicts. */
static void flush(struct nfq *q)
{
	napi_env env = q->env;
	napi_handle_scope scope;
	napi_value fn, buf, vs, argv[3], recv, result, exc = NULL;

	if (q->count == 0)
		return;
	memset(q->verdict, 0, q->count);
	napi_open_handle_scope(env, &scope);
	napi_get_reference_value(env, q->onbatch, &fn);
	napi_get_reference_value(env, q->buffer, &buf);
	napi_get_reference_value(env, q->verdicts, &vs);
	argv[0] = buf;
	argv[1] = pal_u32(env, q->count);
	argv[2] = vs;
	/* napi_make_callback converts the receiver to an object: undefined would throw */
	napi_get_global(env, &recv);
	q->batches++;
	q->in_callback = 1;
	if (napi_make_callback(env, q->actx, recv, fn, 3, argv, &result) == napi_pending_exception) {
		/* A throwing handler is a bug in the program: its batch gets the queue's failure verdict
		 * (accept when fail-open), then the error is reported as uncaught. */
		napi_get_and_clear_last_exception(env, &exc);
		memset(q->verdict, q->fail_open ? 0 : 1, q->count);
	}
	q->in_callback = 0;
	issue_verdicts(q);
	q->count = 0;
	q->used = 0;
	if (exc)
		napi_fatal_exception(env, exc);
	napi_close_handle_scope(env, scope);
}

static void note_id(struct nfq *q, uint32_t id)
{
	uint32_t expect = q->last_id + 1;
	/* ids count up from 1 per queue instance; a gap is packets the kernel could not hand over */
	if (id != expect && (int32_t)(id - expect) > 0)
		q->lost += (uint32_t)(id - expect);
	if (!q->seen_any || (int32_t)(id - q->last_id) > 0)
		q->last_id = id;
	q->seen_any = 1;
}

/* Parses one packet message into the batch. */
static void take_packet(struct nfq *q, struct nlmsghdr *nlh, double wall)
{
	struct nfqnl_msg_packet_hdr *ph = NULL;
	const uint8_t *payload = NULL;
	uint32_t plen = 0, caplen_attr = 0;
	double ts = 0;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	if (nlh->nlmsg_len < off)
		return;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		struct nlattr *a = (struct nlattr *)((uint8_t *)nlh + off);
		uint16_t alen = a->nla_len;
		if (alen < NLA_HDRLEN || off + alen > nlh->nlmsg_len)
			break;
		const uint8_t *v = (const uint8_t *)a + NLA_HDRLEN;
		uint16_t vlen = alen - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NFQA_PACKET_HDR:
			if (vlen >= sizeof(*ph))
				ph = (struct nfqnl_msg_packet_hdr *)v;
			break;
		case NFQA_PAYLOAD:
			payload = v;
			plen = vlen;
			break;
		case NFQA_TIMESTAMP:
			if (vlen >= 16) {
				uint64_t s = be64(v), us = be64(v + 8);
				ts = (double)s + (double)us / 1e6;
			}
			break;
		case NFQA_CAP_LEN:
			if (vlen >= 4) {
				uint32_t c;
				memcpy(&c, v, 4);
				caplen_attr = ntohl(c);
			}
			break;
		}
		off += NLA_ALIGN(alen);
	}
	if (!ph)
		return;
	uint32_t id = ntohl(ph->packet_id);
	note_id(q, id);
	q->packets++;
	if (plen > q->rec_max - REC_HDR)
		plen = q->rec_max - REC_HDR; /* cannot happen: the kernel honours the copy range */
	/* The kernel's timestamp when it has one (and it is sane), else the time of this read. */
	if (ts == 0 || ts > wall + 60 || ts < wall - 3600)
		ts = wall;
	uint8_t *r = q->data + q->used;
	uint16_t proto = ntohs(ph->hw_protocol);
	uint32_t wire = caplen_attr > plen ? caplen_attr : plen;
	memcpy(r, &id, 4);
	memcpy(r + 4, &proto, 2);
	r[6] = ph->hook;
	r[7] = 0;
	memcpy(r + 8, &ts, 8);
	memcpy(r + 16, &plen, 4);
	memcpy(r + 20, &wire, 4);
	if (plen)
		memcpy(r + REC_HDR, payload, plen);
	q->ids[q->count++] = id;
	q->used += REC_HDR + ((plen + 7u) & ~7u);
	if (q->count >= q->max_batch || q->used + q->rec_max > q->data_size)
		flush(q);
}

/* One datagram from the socket: packet messages, or errors the kernel returned for verdicts. */
static void take_datagram(struct nfq *q, uint8_t *buf, size_t len, double wall)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int rem = (int)len;
	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);
			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error != 0) {
				q->verdict_errors++;
				q->last_verdict_errno = -e->error;
			}
			continue;
		}
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
			take_packet(q, nlh, wall);
	}
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
	struct nfq *q = handle->data;
	uint32_t budget = q->max_batch * BATCHES_PER_WAKE;
	uint64_t start = q->packets;

	if (q->closing)
		return;
	while (q->packets - start < budget && !q->close_requested) {
		for (int i = 0; i < RECV_VLEN; i++) {
			q->iov[i].iov_len = q->rx_size;
			q->msgs[i].msg_hdr.msg_flags = 0;
		}
		int n = recvmmsg(q->fd, q->msgs, RECV_VLEN, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* the socket overflowed: the kernel applied the fail-open/closed rule to what it
				 * could not queue; the gap in ids counts them. Keep reading. */
				q->enobufs++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				q->recv_errors++;
				q->last_recv_errno = errno;
			}
			break;
		}
		double wall = now_seconds();
		for (int i = 0; i < n && !q->close_requested; i++) {
			if (q->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				q->truncated++;
			take_datagram(q, q->rx + (size_t)i * q->rx_size, q->msgs[i].msg_len, wall);
		}
		if (n < RECV_VLEN)
			break;
	}
	if (!q->close_requested)
		flush(q);
	if (q->close_requested)
		close_now(q);
}

/* Packets that arrive while the queue is being configured (libnfnetlink reads them while it waits
 * for its acknowledgements) get the queue's failure verdict; their ids count as seen. */
static int setup_cb(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
	struct nfq *q = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	if (!ph)
		return 0;
	uint32_t id = ntohl(ph->packet_id);
	note_id(q, id);
	q->setup_packets++;
	return nfq_set_verdict(qh, id, q->fail_open ? NF_ACCEPT : NF_DROP, 0, NULL) < 0 ? -1 : 0;
}

static struct nfq *queue_arg(napi_env env, napi_value v)
{
	uint32_t h;
	if (pal_arg_u32(env, v, "handle", &h))
		return NULL;
	if (h >= MAX_QUEUES || !queues[h].in_use || queues[h].closing || queues[h].close_requested) {
		pal_throw(env, "no such NFQUEUE handle (closed already?)");
		return NULL;
	}
	return &queues[h];
}

static void release(struct nfq *q)
{
	if (q->qh)
		nfq_destroy_queue(q->qh);
	if (q->h)
		nfq_close(q->h);
	q->qh = NULL;
	q->h = NULL;
	free(q->rx);
	free(q->tx);
	free(q->ids);
	q->rx = q->tx = NULL;
	q->ids = NULL;
}

static napi_value fail(napi_env env, struct nfq *q, const char *what, int err)
{
	release(q);
	pal_throw_errno(env, what, err);
	return NULL;
}

/* nfqOpen(queue, { copyRange = 4096, maxLen = 8192, failOpen = true, gso = false, maxBatch = 1024,
 *                  rcvbuf = 64 MiB }, onBatch) -> handle */
static napi_value js_open(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], name, buf, ab, vs;
	uint32_t queue, copy_range = 4096, max_len = 8192, max_batch = 1024, rcvbuf = 64u << 20;
	int fail_open = 1, gso = 0, slot = -1;
	napi_valuetype t = napi_undefined;
	uv_loop_t *loop;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 3) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "nfqOpen(queue, options, onBatch)");
		return NULL;
	}
	if (pal_arg_u32(env, argv[0], "queue", &queue))
		return NULL;
	if (queue > 65535) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "queue must be 0..65535");
		return NULL;
	}
	napi_typeof(env, argv[1], &t);
	if (t == napi_object) {
		if (pal_opt_u32(env, argv[1], "copyRange", &copy_range) || pal_opt_u32(env, argv[1], "maxLen", &max_len) ||
		    pal_opt_bool(env, argv[1], "failOpen", &fail_open) || pal_opt_bool(env, argv[1], "gso", &gso) ||
		    pal_opt_u32(env, argv[1], "maxBatch", &max_batch) || pal_opt_u32(env, argv[1], "rcvbuf", &rcvbuf))
			return NULL;
	} else if (t != napi_undefined) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
		return NULL;
	}
	napi_typeof(env, argv[2], &t);
	if (t != napi_function) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "onBatch must be a function");
		return NULL;
	}
	if (copy_range < 64 || copy_range > 65535 || max_len < 1 || max_batch < 1 || max_batch > 65536) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "copyRange must be 64..65535, maxLen >= 1, maxBatch 1..65536");
		return NULL;
	}
	if (copy_range > 65531)
		copy_range = 65531; /* the kernel's limit (0xffff less an attribute header) */
	for (int i = 0; i < MAX_QUEUES; i++)
		if (!queues[i].in_use) {
			slot = i;
			break;
		}
	if (slot < 0) {
		pal_throw(env, "too many NFQUEUE queues open");
		return NULL;
	}
	struct nfq *q = &queues[slot];
	memset(q, 0, sizeof(*q));
	q->env = env;
	q->queue = (uint16_t)queue;
	q->fail_open = fail_open;
	q->max_batch = max_batch;
	q->rec_max = REC_HDR + ((copy_range + 7u) & ~7u);
	q->rx_size = copy_range + MSG_OVERHEAD;
	q->rx = malloc(q->rx_size * RECV_VLEN);
	q->tx = malloc((size_t)max_batch * VERDICT_MSG_LEN);
	q->ids = malloc((size_t)max_batch * sizeof(uint32_t));
	if (!q->rx || !q->tx || !q->ids)
		return fail(env, q, "nfqueue buffers", ENOMEM);

	q->h = nfq_open();
	if (!q->h)
		return fail(env, q, "open the netfilter queue socket", errno ? errno : EPERM);
	/* No-ops on kernels since 3.8, needed before: take AF_INET/AF_INET6 over from any old handler. */
	nfq_unbind_pf(q->h, AF_INET);
	nfq_unbind_pf(q->h, AF_INET6);
	nfq_bind_pf(q->h, AF_INET);
	nfq_bind_pf(q->h, AF_INET6);
	errno = 0;
	q->qh = nfq_create_queue(q->h, q->queue, setup_cb, q);
	if (!q->qh)
		return fail(env, q, "bind the queue", errno ? errno : EINVAL);
	if (nfq_set_mode(q->qh, NFQNL_COPY_PACKET, copy_range) < 0)
		return fail(env, q, "set the copy range", errno);
	if (nfq_set_queue_maxlen(q->qh, max_len) < 0)
		return fail(env, q, "set the queue length", errno);
	uint32_t flags = (fail_open ? NFQA_CFG_F_FAIL_OPEN : 0) | (gso ? NFQA_CFG_F_GSO : 0);
	if (nfq_set_queue_flags(q->qh, NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO, flags) < 0)
		return fail(env, q, "set the fail-open flag", errno);
	q->fd = nfq_fd(q->h);
	int size = (int)(rcvbuf > 0x7fffffffu ? 0x7fffffff : rcvbuf);
	/* FORCE passes over net.core.rmem_max (needs CAP_NET_ADMIN, which binding needed anyway) */
	if (setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	int fl = fcntl(q->fd, F_GETFL);
	if (fl < 0 || fcntl(q->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return fail(env, q, "make the queue socket non-blocking", errno);
	for (int i = 0; i < RECV_VLEN; i++) {
		q->iov[i].iov_base = q->rx + (size_t)i * q->rx_size;
		q->iov[i].iov_len = q->rx_size;
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}

	size_t want = (size_t)max_batch * q->rec_max;
	q->data_size = want < (8u << 20) ? want : (8u << 20);
	if (q->data_size < q->rec_max)
		q->data_size = q->rec_max;
	napi_get_uv_event_loop(env, &loop);
	if (uv_poll_init(loop, &q->poll, q->fd))
		return fail(env, q, "poll the queue socket on the event loop", EINVAL);
	q->poll.data = q;
	napi_create_buffer(env, q->data_size, (void **)&q->data, &buf);
	napi_create_arraybuffer(env, max_batch, (void **)&q->verdict, &ab);
	napi_create_typedarray(env, napi_uint8_array, max_batch, ab, 0, &vs);
	napi_create_reference(env, buf, 1, &q->buffer);
	napi_create_reference(env, vs, 1, &q->verdicts);
	napi_create_reference(env, argv[2], 1, &q->onbatch);
	napi_create_string_utf8(env, "palisade:nfqueue", NAPI_AUTO_LENGTH, &name);
	napi_async_init(env, NULL, name, &q->actx);
	q->in_use = 1;
	uv_poll_start(&q->poll, UV_READABLE, on_poll);
	return pal_u32(env, slot);
}

static void on_closed(uv_handle_t *handle)
{
	struct nfq *q = handle->data;
	release(q);
	q->in_use = 0;
}

/* Stops polling; packets still queued get the failure verdict (accept when fail-open) before the
 * queue is unbound, which would otherwise drop them. */
static void close_now(struct nfq *q)
{
	napi_env env = q->env;
	if (q->closing)
		return;
	q->closing = 1;
	uv_poll_stop(&q->poll);
	if (q->fail_open) {
		/* A batch verdict covers every queued id up to its own, in serial-number order: this one
		 * reaches half the id space past the last id read, i.e. everything still queued. */
		put_verdict(q->tx, q->queue, q->last_id + 0x7fffffffu, NF_ACCEPT);
		send_all(q, VERDICT_MSG_LEN);
	}
	napi_delete_reference(env, q->onbatch);
	napi_delete_reference(env, q->buffer);
	napi_delete_reference(env, q->verdicts);
	napi_async_destroy(env, q->actx);
	uv_close((uv_handle_t *)&q->poll, on_closed);
}

static napi_value js_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	uint32_t h;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 || pal_arg_u32(env, argv[0], "handle", &h))
		return NULL;
	if (h >= MAX_QUEUES || !queues[h].in_use || queues[h].closing)
		return pal_undefined(env); /* closing twice is harmless */
	struct nfq *q = &queues[h];
	if (q->in_callback)
		q->close_requested = 1; /* from inside onBatch: after this batch's verdicts */
	else
		close_now(q);
	return pal_undefined(env);
}

static void set_num(napi_env env, napi_value o, const char *k, double v)
{
	napi_set_named_property(env, o, k, pal_f64(env, v));
}

static napi_value js_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], o;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct nfq *q = argc ? queue_arg(env, argv[0]) : NULL;
	if (!q)
		return NULL;
	napi_create_object(env, &o);
	set_num(env, o, "queue", q->queue);
	set_num(env, o, "packets", (double)q->packets);
	set_num(env, o, "batches", (double)q->batches);
	set_num(env, o, "accepted", (double)q->accepted);
	set_num(env, o, "dropped", (double)q->dropped);
	set_num(env, o, "lost", (double)q->lost);
	set_num(env, o, "enobufs", (double)q->enobufs);
	set_num(env, o, "truncated", (double)q->truncated);
	set_num(env, o, "setupPackets", (double)q->setup_packets);
	set_num(env, o, "verdictErrors", (double)q->verdict_errors);
	set_num(env, o, "lastVerdictErrno", q->last_verdict_errno);
	set_num(env, o, "recvErrors", (double)q->recv_errors);
	set_num(env, o, "lastRecvErrno", q->last_recv_errno);
	return o;
}

napi_status palisade_init_nfq(napi_env env, napi_value exports)
{
	static const struct pal_fn fns[] = {
		{ "nfqOpen", js_open },
		{ "nfqClose", js_close },
		{ "nfqStats", js_stats },
	};
	return PAL_EXPORT_ALL(env, exports, fns);
}
