/* Argument checking and errors shared by the addon's parts. */
#include "addon.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case ENOSPC: return "ENOSPC";
	case E2BIG: return "E2BIG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	case EAGAIN: return "EAGAIN";
	case ENOBUFS: return "ENOBUFS";
	case EBADF: return "EBADF";
	default: return "EIO";
	}
}

void pal_throw_errno(napi_env env, const char *what, int err)
{
	char msg[512];
	napi_value code, message, error, num;

	if (err < 0)
		err = -err;
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
	napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
	napi_create_error(env, code, message, &error);
	napi_create_int32(env, err, &num);
	napi_set_named_property(env, error, "errno", num);
	napi_throw(env, error);
}

void pal_throw(napi_env env, const char *msg)
{
	napi_throw_error(env, "PALISADE_ERR_NATIVE", msg);
}

napi_status pal_export(napi_env env, napi_value exports, const char *name, napi_callback cb)
{
	napi_value fn;
	napi_status s = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
	if (s != napi_ok)
		return s;
	return napi_set_named_property(env, exports, name, fn);
}

napi_status pal_export_all(napi_env env, napi_value exports, const struct pal_fn *fns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		napi_status s = pal_export(env, exports, fns[i].name, fns[i].cb);
		if (s != napi_ok)
			return s;
	}
	return napi_ok;
}

static int type_error(napi_env env, const char *name, const char *want)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "%s must be %s", name, want);
	napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
	return -1;
}

int pal_arg_u32(napi_env env, napi_value v, const char *name, uint32_t *out)
{
	return napi_get_value_uint32(env, v, out) == napi_ok ? 0 : type_error(env, name, "a number");
}

int pal_arg_i32(napi_env env, napi_value v, const char *name, int32_t *out)
{
	return napi_get_value_int32(env, v, out) == napi_ok ? 0 : type_error(env, name, "a number");
}

int pal_arg_bool(napi_env env, napi_value v, const char *name, int *out)
{
	bool b;
	if (napi_get_value_bool(env, v, &b) != napi_ok)
		return type_error(env, name, "a boolean");
	*out = b;
	return 0;
}

int pal_arg_str(napi_env env, napi_value v, const char *name, char *buf, size_t size)
{
	size_t len;
	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
		return type_error(env, name, "a string");
	if (len + 1 > size)
		return type_error(env, name, "a shorter string");
	napi_get_value_string_utf8(env, v, buf, size, &len);
	return 0;
}

int pal_arg_bytes(napi_env env, napi_value v, const char *name, void **data, size_t *len)
{
	bool is;
	if (napi_is_buffer(env, v, &is) == napi_ok && is)
		return napi_get_buffer_info(env, v, data, len) == napi_ok ? 0 : type_error(env, name, "a Buffer");
	if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
		napi_typedarray_type t;
		size_t n, off;
		napi_value ab;
		if (napi_get_typedarray_info(env, v, &t, &n, data, &ab, &off) != napi_ok)
			return type_error(env, name, "a TypedArray");
		size_t el = (t == napi_uint8_array || t == napi_int8_array || t == napi_uint8_clamped_array) ? 1
			  : (t == napi_uint16_array || t == napi_int16_array) ? 2
			  : (t == napi_float64_array || t == napi_bigint64_array || t == napi_biguint64_array) ? 8 : 4;
		*len = n * el;
		return 0;
	}
	if (napi_is_arraybuffer(env, v, &is) == napi_ok && is)
		return napi_get_arraybuffer_info(env, v, data, len) == napi_ok ? 0 : type_error(env, name, "an ArrayBuffer");
	return type_error(env, name, "a Buffer, TypedArray or ArrayBuffer");
}

/* The property `name` of options object `o`, or NULL when absent or undefined. */
static napi_value opt_value(napi_env env, napi_value o, const char *name)
{
	napi_value v;
	napi_valuetype t;
	bool has = false;
	if (napi_has_named_property(env, o, name, &has) != napi_ok || !has)
		return NULL;
	napi_get_named_property(env, o, name, &v);
	napi_typeof(env, v, &t);
	return t == napi_undefined ? NULL : v;
}

int pal_opt_u32(napi_env env, napi_value o, const char *name, uint32_t *out)
{
	napi_value v = opt_value(env, o, name);
	return v ? pal_arg_u32(env, v, name, out) : 0;
}

int pal_opt_bool(napi_env env, napi_value o, const char *name, int *out)
{
	napi_value v = opt_value(env, o, name);
	return v ? pal_arg_bool(env, v, name, out) : 0;
}

napi_value pal_undefined(napi_env env)
{
	napi_value u;
	napi_get_undefined(env, &u);
	return u;
}

napi_value pal_u32(napi_env env, uint32_t v)
{
	napi_value r;
	napi_create_uint32(env, v, &r);
	return r;
}

napi_value pal_f64(napi_env env, double v)
{
	napi_value r;
	napi_create_double(env, v, &r);
	return r;
}
