/* libpcap part of the addon: live capture on one interface with an optional filter. The handle is
 * non-blocking and its selectable fd is polled with uv_poll on the libuv loop; each wake-up
 * dispatches what the kernel has into one reused batch Buffer and calls JavaScript once per batch
 * (never once per packet). Handles are small table indexes, so a stale handle is an error, never a
 * wild pointer. */
#include "addon.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <pcap/pcap.h>

#define MAX_CAPTURES 32
#define BATCH_BYTES (1u << 20)
/* Record header in the batch: ts seconds, ts nanoseconds, captured length, length on the wire. */
#define REC_HDR 16
/* Packets handled per wake-up before the loop gets a turn (other handles, timers, signals). */
#define MAX_PER_WAKEUP 65536

struct capture {
	napi_env env;
	pcap_t *p;
	uv_poll_t poll;
	napi_ref onbatch;
	napi_ref buffer; /* the reused batch Buffer */
	napi_ref resource; /* `this` of the callback and its async resource */
	napi_async_context actx;
	uint8_t *data;
	uint32_t used, count, max_batch;
	int nano; /* timestamps come in nanoseconds (else microseconds, scaled here) */
	uint64_t packets, batches;
	char error[PCAP_ERRBUF_SIZE + 64]; /* why capture stopped, or "" */
	int dispatching; /* inside pcap_dispatch: closing is deferred until it returns */
	int closing;
	int in_use;
	char iface[64];
};

static struct capture caps[MAX_CAPTURES];

/* Throws an Error whose .code names the kind of failure (ENODEV, EPERM, ...) and whose message
 * carries libpcap's own text. */
static void throw_pcap(napi_env env, const char *code, const char *msg)
{
	napi_value c, m, e;
	napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
	napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
	napi_create_error(env, c, m, &e);
	napi_throw(env, e);
}

static const char *activate_code(int err)
{
	switch (err) {
	case PCAP_ERROR_NO_SUCH_DEVICE: return "ENODEV";
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED: return "EPERM";
	case PCAP_ERROR_IFACE_NOT_UP: return "ENETDOWN";
	case PCAP_ERROR_RFMON_NOTSUP: return "EOPNOTSUPP";
	case PCAP_ERROR_ACTIVATED: return "EBUSY";
	default: return "EIO";
	}
}

static void flush(struct capture *c, const char *error)
{
	napi_env env = c->env;
	napi_handle_scope scope;
	napi_value fn, argv[3], recv, result;
	size_t argc = 2;

	if (c->count == 0 && !error)
		return;
	napi_open_handle_scope(env, &scope);
	napi_get_reference_value(env, c->onbatch, &fn);
	napi_get_reference_value(env, c->buffer, &argv[0]);
	napi_get_reference_value(env, c->resource, &recv);
	argv[1] = pal_u32(env, c->count);
	if (error) {
		napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &argv[2]);
		argc = 3;
	}
	if (c->count)
		c->batches++;
	c->count = 0;
	c->used = 0;
	if (napi_make_callback(env, c->actx, recv, fn, argc, argv, &result) == napi_pending_exception) {
		/* A throwing handler is the program's bug, not the capture's: report it as uncaught. */
		napi_value exc;
		napi_get_and_clear_last_exception(env, &exc);
		napi_fatal_exception(env, exc);
	}
	napi_close_handle_scope(env, scope);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	uint32_t caplen = h->caplen;
	uint32_t need = REC_HDR + ((caplen + 3) & ~3u); /* records stay 4-byte aligned */
	uint32_t hdr[4];

	if (c->closing || need > BATCH_BYTES)
		return; /* snaplen <= 65535 keeps every record far below the batch size */
	if (c->used + need > BATCH_BYTES || c->count >= c->max_batch) {
		flush(c, NULL);
		if (c->closing)
			return;
	}
	hdr[0] = (uint32_t)h->ts.tv_sec;
	hdr[1] = c->nano ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
	hdr[2] = caplen;
	hdr[3] = h->len;
	memcpy(c->data + c->used, hdr, REC_HDR);
	memcpy(c->data + c->used + REC_HDR, bytes, caplen);
	c->used += need;
	c->count++;
	c->packets++;
}

static void on_closed(uv_handle_t *h)
{
	struct capture *c = h->data;
	pcap_close(c->p);
	c->p = NULL;
	c->in_use = 0;
}

/* Releases the JS references and the poll handle; pcap_close follows in on_closed. */
static void finish_close(struct capture *c)
{
	napi_env env = c->env;
	uv_poll_stop(&c->poll);
	napi_delete_reference(env, c->onbatch);
	napi_delete_reference(env, c->buffer);
	napi_delete_reference(env, c->resource);
	napi_async_destroy(env, c->actx);
	uv_close((uv_handle_t *)&c->poll, on_closed);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct capture *c = h->data;
	int n, total = 0;

	if (c->closing)
		return;
	if (status < 0) {
		/* The socket reported an error (e.g. the interface was removed): libpcap names it best. */
		c->dispatching = 1;
		n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
		c->dispatching = 0;
		if (n == PCAP_ERROR)
			snprintf(c->error, sizeof(c->error), "pcap %s: %s", c->iface, pcap_geterr(c->p));
		else
			snprintf(c->error, sizeof(c->error), "pcap %s: poll failed: %s", c->iface, uv_strerror(status));
	} else {
		c->dispatching = 1;
		do {
			n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
			if (n > 0)
				total += n;
		} while (n > 0 && total < MAX_PER_WAKEUP && !c->closing);
		c->dispatching = 0;
		if (n == PCAP_ERROR)
			snprintf(c->error, sizeof(c->error), "pcap %s: %s", c->iface, pcap_geterr(c->p));
	}
	if (c->closing) { /* pcapClose was called from the handler during dispatch */
		finish_close(c);
		return;
	}
	if (c->error[0]) {
		/* The interface went away or the socket failed: stop polling, tell JS once. */
		uv_poll_stop(&c->poll);
		flush(c, c->error);
		return;
	}
	flush(c, NULL);
}

static struct capture *cap_arg(napi_env env, napi_value v)
{
	uint32_t h;
	if (pal_arg_u32(env, v, "handle", &h))
		return NULL;
	if (h >= MAX_CAPTURES || !caps[h].in_use || caps[h].closing) {
		pal_throw(env, "no such pcap handle (closed already?)");
		return NULL;
	}
	return &caps[h];
}

/* Returns a malloc'd copy of a string option (NULL when absent); *err = -1 after a TypeError. */
static char *opt_str(napi_env env, napi_value o, const char *name, int *err)
{
	napi_value v;
	napi_valuetype t;
	bool has = false;
	size_t len;
	char *s;
	*err = 0;
	if (napi_has_named_property(env, o, name, &has) != napi_ok || !has)
		return NULL;
	napi_get_named_property(env, o, name, &v);
	napi_typeof(env, v, &t);
	if (t == napi_undefined)
		return NULL;
	if (t != napi_string) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s must be a string", name);
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
		*err = -1;
		return NULL;
	}
	napi_get_value_string_utf8(env, v, NULL, 0, &len);
	s = malloc(len + 1);
	if (!s) {
		pal_throw_errno(env, "pcap filter", ENOMEM);
		*err = -1;
		return NULL;
	}
	napi_get_value_string_utf8(env, v, s, len + 1, &len);
	return s;
}

/* pcapOpen(iface, {snaplen, filter, promisc, bufferSize, maxBatch}, onBatch)
 *   -> {handle, linktype, warning} */
static napi_value js_open(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], name, buf, res, obj;
	char iface[64], errbuf[PCAP_ERRBUF_SIZE], msg[PCAP_ERRBUF_SIZE + 4200];
	uint32_t snaplen = 256, bufsize = 4u << 20, max_batch = 4096;
	int promisc = 0, slot = -1, rc, ferr;
	char *filter = NULL, warning[PCAP_ERRBUF_SIZE + 128] = "";
	napi_valuetype t = napi_undefined;
	uv_loop_t *loop;
	pcap_t *p;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 3) {
		pal_throw(env, "pcapOpen(iface, options, onBatch)");
		return NULL;
	}
	if (pal_arg_str(env, argv[0], "iface", iface, sizeof(iface)))
		return NULL;
	napi_typeof(env, argv[1], &t);
	if (t == napi_object) {
		if (pal_opt_u32(env, argv[1], "snaplen", &snaplen) || pal_opt_u32(env, argv[1], "bufferSize", &bufsize) ||
		    pal_opt_u32(env, argv[1], "maxBatch", &max_batch) || pal_opt_bool(env, argv[1], "promisc", &promisc))
			return NULL;
		filter = opt_str(env, argv[1], "filter", &ferr);
		if (ferr)
			return NULL;
	} else if (t != napi_undefined && t != napi_null) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
		return NULL;
	}
	napi_typeof(env, argv[2], &t);
	if (t != napi_function) {
		free(filter);
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "onBatch must be a function");
		return NULL;
	}
	if (snaplen < 64 || snaplen > 65535) {
		free(filter);
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "snaplen must be 64..65535");
		return NULL;
	}
	for (int i = 0; i < MAX_CAPTURES; i++)
		if (!caps[i].in_use) {
			slot = i;
			break;
		}
	if (slot < 0) {
		free(filter);
		pal_throw(env, "too many pcap captures open");
		return NULL;
	}

	errbuf[0] = 0;
	p = pcap_create(iface, errbuf);
	if (!p) {
		snprintf(msg, sizeof(msg), "pcap %s: %s", iface, errbuf);
		free(filter);
		throw_pcap(env, "EIO", msg);
		return NULL;
	}
	pcap_set_snaplen(p, (int)snaplen);
	pcap_set_promisc(p, promisc);
	/* Immediate mode: packets are handed over as they arrive, not when a block fills up, so an
	 * alert comes when the attack does; the poll wake-up still batches whatever has queued. */
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, (int)bufsize);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* microseconds when refused */
	rc = pcap_activate(p);
	if (rc < 0) {
		/* libpcap's status text names the kind of failure, its error buffer the system call. */
		const char *detail = pcap_geterr(p), *status = pcap_statustostr(rc);
		if (!detail[0] || strcmp(detail, status) == 0)
			snprintf(msg, sizeof(msg), "pcap %s: %s", iface, status);
		else if (rc == PCAP_ERROR)
			snprintf(msg, sizeof(msg), "pcap %s: %s", iface, detail);
		else
			snprintf(msg, sizeof(msg), "pcap %s: %s (%s)", iface, status, detail);
		pcap_close(p);
		free(filter);
		throw_pcap(env, activate_code(rc), msg);
		return NULL;
	}
	if (rc > 0) {
		const char *detail = rc == PCAP_WARNING ? pcap_geterr(p) : "";
		snprintf(warning, sizeof(warning), "%s%s%s", pcap_statustostr(rc), detail[0] ? ": " : "", detail);
	}
	if (filter && filter[0]) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(msg, sizeof(msg), "pcap %s: filter '%s': %s", iface, filter, pcap_geterr(p));
			pcap_close(p);
			free(filter);
			throw_pcap(env, "EINVAL", msg);
			return NULL;
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "pcap %s: cannot set filter '%s': %s", iface, filter, pcap_geterr(p));
			pcap_close(p);
			free(filter);
			throw_pcap(env, "EINVAL", msg);
			return NULL;
		}
	}
	free(filter);
	int nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	if (pcap_setnonblock(p, 1, errbuf) < 0) {
		snprintf(msg, sizeof(msg), "pcap %s: non-blocking mode: %s", iface, errbuf);
		pcap_close(p);
		throw_pcap(env, "EIO", msg);
		return NULL;
	}
	int fd = pcap_get_selectable_fd(p);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "pcap %s: no selectable file descriptor", iface);
		pcap_close(p);
		throw_pcap(env, "EOPNOTSUPP", msg);
		return NULL;
	}

	struct capture *c = &caps[slot];
	memset(c, 0, sizeof(*c));
	c->env = env;
	c->p = p;
	c->nano = nano;
	c->max_batch = max_batch ? max_batch : 1;
	snprintf(c->iface, sizeof(c->iface), "%s", iface);
	napi_get_uv_event_loop(env, &loop);
	if (uv_poll_init(loop, &c->poll, fd)) {
		pcap_close(p);
		c->p = NULL;
		pal_throw(env, "cannot poll the pcap handle on the event loop");
		return NULL;
	}
	c->poll.data = c;
	napi_create_buffer(env, BATCH_BYTES, (void **)&c->data, &buf);
	napi_create_reference(env, buf, 1, &c->buffer);
	napi_create_reference(env, argv[2], 1, &c->onbatch);
	napi_create_string_utf8(env, "palisade:pcap", NAPI_AUTO_LENGTH, &name);
	napi_create_object(env, &obj);
	napi_create_reference(env, obj, 1, &c->resource);
	napi_async_init(env, obj, name, &c->actx);
	c->in_use = 1;
	uv_poll_start(&c->poll, UV_READABLE, on_poll);

	napi_create_object(env, &res);
	napi_set_named_property(env, res, "handle", pal_u32(env, slot));
	napi_set_named_property(env, res, "linktype", pal_u32(env, (uint32_t)pcap_datalink(p)));
	if (warning[0]) {
		napi_value w;
		napi_create_string_utf8(env, warning, NAPI_AUTO_LENGTH, &w);
		napi_set_named_property(env, res, "warning", w);
	} else {
		napi_value nul;
		napi_get_null(env, &nul);
		napi_set_named_property(env, res, "warning", nul);
	}
	return res;
}

/* pcapClose(handle): stops polling and closes the capture (twice is harmless). */
static napi_value js_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	uint32_t h;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 || pal_arg_u32(env, argv[0], "handle", &h))
		return NULL;
	if (h >= MAX_CAPTURES || !caps[h].in_use || caps[h].closing)
		return pal_undefined(env);
	struct capture *c = &caps[h];
	c->closing = 1;
	if (c->dispatching)
		pcap_breakloop(c->p); /* on_poll finishes the close once pcap_dispatch returns */
	else
		finish_close(c);
	return pal_undefined(env);
}

/* pcapStats(handle) -> {received, dropped, ifDropped, packets, batches, error} */
static napi_value js_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], o, err;
	struct pcap_stat st;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct capture *c = argc ? cap_arg(env, argv[0]) : NULL;
	if (!c)
		return NULL;
	memset(&st, 0, sizeof(st));
	if (pcap_stats(c->p, &st) < 0) {
		char msg[PCAP_ERRBUF_SIZE + 80];
		snprintf(msg, sizeof(msg), "pcap %s: stats: %s", c->iface, pcap_geterr(c->p));
		throw_pcap(env, "EIO", msg);
		return NULL;
	}
	napi_create_object(env, &o);
	napi_set_named_property(env, o, "received", pal_f64(env, st.ps_recv));
	napi_set_named_property(env, o, "dropped", pal_f64(env, st.ps_drop));
	napi_set_named_property(env, o, "ifDropped", pal_f64(env, st.ps_ifdrop));
	napi_set_named_property(env, o, "packets", pal_f64(env, (double)c->packets));
	napi_set_named_property(env, o, "batches", pal_f64(env, (double)c->batches));
	if (c->error[0])
		napi_create_string_utf8(env, c->error, NAPI_AUTO_LENGTH, &err);
	else
		napi_get_null(env, &err);
	napi_set_named_property(env, o, "error", err);
	return o;
}

napi_status palisade_init_pcap(napi_env env, napi_value exports)
{
	static const struct pal_fn fns[] = {
		{ "pcapOpen", js_open },
		{ "pcapClose", js_close },
		{ "pcapStats", js_stats },
	};
	return PAL_EXPORT_ALL(env, exports, fns);
}
