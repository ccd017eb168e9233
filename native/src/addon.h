/* Palisade's one Node-API addon: libbpf (objects, attach, maps, ring buffers), libnetfilter_queue
 * (inline verdicts) and libpcap (live capture). Each part registers its functions from its own
 * file; events reach JavaScript in batches from the libuv loop, never one call per packet. */
#ifndef PALISADE_ADDON_H
#define PALISADE_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stddef.h>

/* Registration of each part's functions on `exports`. */
napi_status palisade_init_bpf(napi_env env, napi_value exports);
napi_status palisade_init_ringbuf(napi_env env, napi_value exports);
napi_status palisade_init_nfq(napi_env env, napi_value exports);
napi_status palisade_init_pcap(napi_env env, napi_value exports);
napi_status palisade_init_testrun(napi_env env, napi_value exports);

/* ---- helpers shared by the parts (util.c) ---- */

/* Throws a JS Error "<what>: <strerror(err)>" with .code = "E<NAME>" (e.g. EPERM) and .errno = err. */
void pal_throw_errno(napi_env env, const char *what, int err);
/* Throws a JS Error with the message as given (code "PALISADE_ERR_NATIVE"). */
void pal_throw(napi_env env, const char *msg);
/* Adds a function property. */
napi_status pal_export(napi_env env, napi_value exports, const char *name, napi_callback cb);
/* A part's functions, registered in one call. */
struct pal_fn {
	const char *name;
	napi_callback cb;
};
napi_status pal_export_all(napi_env env, napi_value exports, const struct pal_fn *fns, size_t n);
#define PAL_EXPORT_ALL(env, exports, fns) pal_export_all((env), (exports), (fns), sizeof(fns) / sizeof((fns)[0]))
/* Argument helpers: return 0 on success, else throw a TypeError naming the argument and return -1. */
int pal_arg_u32(napi_env env, napi_value v, const char *name, uint32_t *out);
int pal_arg_i32(napi_env env, napi_value v, const char *name, int32_t *out);
int pal_arg_bool(napi_env env, napi_value v, const char *name, int *out);
/* Copies a JS string into buf (NUL-terminated); fails when it does not fit. */
int pal_arg_str(napi_env env, napi_value v, const char *name, char *buf, size_t size);
/* Pointer and length of a Buffer / TypedArray / ArrayBuffer argument. */
int pal_arg_bytes(napi_env env, napi_value v, const char *name, void **data, size_t *len);
/* Optional properties of an options object: left unchanged when absent or undefined. */
int pal_opt_u32(napi_env env, napi_value o, const char *name, uint32_t *out);
int pal_opt_bool(napi_env env, napi_value o, const char *name, int *out);
napi_value pal_undefined(napi_env env);
napi_value pal_u32(napi_env env, uint32_t v);
napi_value pal_f64(napi_env env, double v);

#endif
