/* BPF ring buffers consumed on the libuv loop: the ring's epoll fd is polled with uv_poll; each
 * wake-up drains the ring into one reused batch Buffer and calls JavaScript once per batch (not
 * once per record), inside a proper callback scope so promises queued by the handler run after it. */
#include "addon.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <bpf/libbpf.h>

#define MAX_RINGS 32
#define BATCH_BYTES (1u << 20)

struct ring {
	napi_env env;
	struct ring_buffer *rb;
	uv_poll_t poll;
	napi_ref onbatch;
	napi_ref buffer; /* the reused batch Buffer */
	napi_ref resource; /* `this` of the callback and its async resource (MakeCallback needs an object) */
	napi_async_context actx;
	uint8_t *data;   /* the Buffer's bytes */
	uint32_t used, count, max_batch;
	uint64_t records, batches;
	int closing;
	int in_use;
};

static struct ring rings[MAX_RINGS];

static void flush(struct ring *r)
{
	napi_env env = r->env;
	napi_handle_scope scope;
	napi_value fn, buf, argv[2], recv, result;

	if (r->count == 0)
		return;
	napi_open_handle_scope(env, &scope);
	napi_get_reference_value(env, r->onbatch, &fn);
	napi_get_reference_value(env, r->buffer, &buf);
	napi_get_reference_value(env, r->resource, &recv);
	argv[0] = buf;
	argv[1] = pal_u32(env, r->count);
	r->batches++;
	r->count = 0;
	r->used = 0;
	if (napi_make_callback(env, r->actx, recv, fn, 2, argv, &result) == napi_pending_exception) {
		/* A throwing handler is the program's bug, not the ring's: report it as uncaught. */
		napi_value exc;
		napi_get_and_clear_last_exception(env, &exc);
		napi_fatal_exception(env, exc);
	}
	napi_close_handle_scope(env, scope);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct ring *r = ctx;
	uint32_t need = 4 + (uint32_t)((size + 7) & ~(size_t)7);

	if (r->closing)
		return 1;
	if (need > BATCH_BYTES)
		return 0; /* cannot happen with the programs' fixed records; never overrun the batch */
	if (r->used + 4 + ((size + 7) & ~(size_t)7) + 4 > BATCH_BYTES || r->count >= r->max_batch)
		flush(r);
	uint32_t len = (uint32_t)size;
	memcpy(r->data + r->used, &len, 4);
	memcpy(r->data + r->used + 4, data, size);
	/* records keep 8-byte alignment after the 4-byte length: [u32 len][data][pad to 8] */
	r->used += 4 + (uint32_t)(((size + 4 + 7) & ~(size_t)7) - 4);
	r->count++;
	r->records++;
	return 0;
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct ring *r = h->data;
	if (r->closing)
		return;
	ring_buffer__consume(r->rb);
	if (!r->closing)
		flush(r);
}

static struct ring *ring_arg(napi_env env, napi_value v)
{
	uint32_t h;
	if (pal_arg_u32(env, v, "ring", &h))
		return NULL;
	if (h >= MAX_RINGS || !rings[h].in_use || rings[h].closing) {
		pal_throw(env, "no such ring buffer handle (closed already?)");
		return NULL;
	}
	return &rings[h];
}

/* ringbufOpen(mapFd, onBatch, maxBatch = 4096) -> handle */
static napi_value js_open(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], name, buf, res;
	uint32_t fd, max_batch = 4096;
	uv_loop_t *loop;
	int slot = -1;
	napi_valuetype t = napi_undefined;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 2 || pal_arg_u32(env, argv[0], "mapFd", &fd))
		return argc < 2 ? (pal_throw(env, "ringbufOpen(mapFd, onBatch[, maxBatch])"), NULL) : NULL;
	napi_typeof(env, argv[1], &t);
	if (t != napi_function) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "onBatch must be a function");
		return NULL;
	}
	if (argc > 2) {
		napi_typeof(env, argv[2], &t);
		if (t != napi_undefined && pal_arg_u32(env, argv[2], "maxBatch", &max_batch))
			return NULL;
	}
	for (int i = 0; i < MAX_RINGS; i++)
		if (!rings[i].in_use) {
			slot = i;
			break;
		}
	if (slot < 0) {
		pal_throw(env, "too many ring buffers open");
		return NULL;
	}
	struct ring *r = &rings[slot];
	memset(r, 0, sizeof(*r));
	r->env = env;
	r->max_batch = max_batch ? max_batch : 1;
	r->rb = ring_buffer__new(fd, on_sample, r, NULL);
	if (!r->rb) {
		pal_throw_errno(env, "open ring buffer", errno);
		return NULL;
	}
	napi_get_uv_event_loop(env, &loop);
	if (uv_poll_init(loop, &r->poll, ring_buffer__epoll_fd(r->rb))) {
		ring_buffer__free(r->rb);
		pal_throw(env, "cannot poll the ring buffer on the event loop");
		return NULL;
	}
	r->poll.data = r;
	napi_create_buffer(env, BATCH_BYTES, (void **)&r->data, &buf);
	napi_create_reference(env, buf, 1, &r->buffer);
	napi_create_reference(env, argv[1], 1, &r->onbatch);
	napi_create_string_utf8(env, "palisade:ringbuf", NAPI_AUTO_LENGTH, &name);
	napi_create_object(env, &res);
	napi_create_reference(env, res, 1, &r->resource);
	napi_async_init(env, res, name, &r->actx);
	r->in_use = 1;
	uv_poll_start(&r->poll, UV_READABLE, on_poll);
	return pal_u32(env, slot);
}

static void on_closed(uv_handle_t *h)
{
	struct ring *r = h->data;
	ring_buffer__free(r->rb);
	r->rb = NULL;
	r->in_use = 0;
}

static napi_value js_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	uint32_t h;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 || pal_arg_u32(env, argv[0], "ring", &h))
		return NULL;
	if (h >= MAX_RINGS || !rings[h].in_use || rings[h].closing)
		return pal_undefined(env); /* closing twice is harmless */
	struct ring *r = &rings[h];
	r->closing = 1;
	uv_poll_stop(&r->poll);
	napi_delete_reference(env, r->onbatch);
	napi_delete_reference(env, r->buffer);
	napi_delete_reference(env, r->resource);
	napi_async_destroy(env, r->actx);
	uv_close((uv_handle_t *)&r->poll, on_closed);
	return pal_undefined(env);
}

static napi_value js_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], o;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct ring *r = argc ? ring_arg(env, argv[0]) : NULL;
	if (!r)
		return NULL;
	napi_create_object(env, &o);
	napi_set_named_property(env, o, "records", pal_f64(env, (double)r->records));
	napi_set_named_property(env, o, "batches", pal_f64(env, (double)r->batches));
	return o;
}

napi_status palisade_init_ringbuf(napi_env env, napi_value exports)
{
	static const struct pal_fn fns[] = {
		{ "ringbufOpen", js_open },
		{ "ringbufClose", js_close },
		{ "ringbufStats", js_stats },
	};
	return PAL_EXPORT_ALL(env, exports, fns);
}
