/* libbpf part of the addon: load objects, find programs and maps, attach XDP / tc / tracepoints,
 * and map operations (single and batch). Objects and links are kept in small tables and named to
 * JavaScript by index, so a stale or forged handle is an error, never a wild pointer. */
#include "addon.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_OBJS 64
#define PAL_MAX_LINKS 256
#define TC_HANDLE 1
#define TC_PRIORITY 1

static struct bpf_object *objs[MAX_OBJS];
static struct bpf_link *links[PAL_MAX_LINKS];

/* libbpf's own messages would go to stderr, interleaved with the daemon's JSON logs: keep warnings
 * and errors only (they carry the verifier's reason when a load fails). */
static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static napi_value args_n(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
	size_t argc = want;
	for (size_t i = 0; i < want; i++)
		argv[i] = NULL;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	napi_value u = pal_undefined(env);
	for (size_t i = argc; i < want; i++)
		argv[i] = u;
	return u;
}

static struct bpf_object *obj_arg(napi_env env, napi_value v)
{
	uint32_t h;
	if (pal_arg_u32(env, v, "obj", &h))
		return NULL;
	if (h >= MAX_OBJS || !objs[h]) {
		pal_throw(env, "no such BPF object handle (closed already?)");
		return NULL;
	}
	return objs[h];
}

/* bpfLoad(path, mapSizes) -> handle */
static napi_value js_load(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	char path[4096], what[4400];
	struct bpf_object *obj;
	int slot = -1, err;

	args_n(env, info, 2, argv);
	if (pal_arg_str(env, argv[0], "path", path, sizeof(path)))
		return NULL;
	for (int i = 0; i < MAX_OBJS; i++)
		if (!objs[i]) {
			slot = i;
			break;
		}
	if (slot < 0) {
		pal_throw(env, "too many BPF objects open");
		return NULL;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(what, sizeof(what), "open BPF object %s", path);
		pal_throw_errno(env, what, errno);
		return NULL;
	}
	napi_valuetype t;
	napi_typeof(env, argv[1], &t);
	if (t == napi_object) {
		napi_value names;
		uint32_t n;
		napi_get_property_names(env, argv[1], &names);
		napi_get_array_length(env, names, &n);
		for (uint32_t i = 0; i < n; i++) {
			napi_value k, v;
			char name[128];
			uint32_t size;
			napi_get_element(env, names, i, &k);
			napi_get_property(env, argv[1], k, &v);
			if (pal_arg_str(env, k, "map name", name, sizeof(name)) || pal_arg_u32(env, v, name, &size)) {
				bpf_object__close(obj);
				return NULL;
			}
			struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
			if (!m || bpf_map__set_max_entries(m, size)) {
				snprintf(what, sizeof(what), "%s: cannot size map %s", path, name);
				pal_throw_errno(env, what, m ? errno : ENOENT);
				bpf_object__close(obj);
				return NULL;
			}
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		snprintf(what, sizeof(what), "load BPF object %s", path);
		pal_throw_errno(env, what, err);
		bpf_object__close(obj);
		return NULL;
	}
	objs[slot] = obj;
	return pal_u32(env, slot);
}

static napi_value js_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	uint32_t h;
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "obj", &h))
		return NULL;
	if (h < MAX_OBJS && objs[h]) {
		bpf_object__close(objs[h]);
		objs[h] = NULL;
	}
	return pal_undefined(env);
}

static napi_value js_map_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	char name[128], what[200];
	args_n(env, info, 2, argv);
	struct bpf_object *obj = obj_arg(env, argv[0]);
	if (!obj || pal_arg_str(env, argv[1], "map name", name, sizeof(name)))
		return NULL;
	int fd = bpf_object__find_map_fd_by_name(obj, name);
	if (fd < 0) {
		snprintf(what, sizeof(what), "map %s", name);
		pal_throw_errno(env, what, ENOENT);
		return NULL;
	}
	return pal_u32(env, fd);
}

static napi_value js_prog_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	char name[128], what[200];
	args_n(env, info, 2, argv);
	struct bpf_object *obj = obj_arg(env, argv[0]);
	if (!obj || pal_arg_str(env, argv[1], "program name", name, sizeof(name)))
		return NULL;
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	if (!p || bpf_program__fd(p) < 0) {
		snprintf(what, sizeof(what), "program %s", name);
		pal_throw_errno(env, what, ENOENT);
		return NULL;
	}
	return pal_u32(env, bpf_program__fd(p));
}

static napi_value js_obj_map_names(napi_env env, napi_callback_info info)
{
	napi_value argv[1], arr;
	struct bpf_map *m;
	uint32_t i = 0;
	args_n(env, info, 1, argv);
	struct bpf_object *obj = obj_arg(env, argv[0]);
	if (!obj)
		return NULL;
	napi_create_array(env, &arr);
	bpf_object__for_each_map(m, obj)
	{
		napi_value s;
		napi_create_string_utf8(env, bpf_map__name(m), NAPI_AUTO_LENGTH, &s);
		napi_set_element(env, arr, i++, s);
	}
	return arr;
}

static int map_info(int fd, struct bpf_map_info *mi)
{
	__u32 len = sizeof(*mi);
	memset(mi, 0, sizeof(*mi));
	return bpf_obj_get_info_by_fd(fd, mi, &len) ? -errno : 0;
}

static void set_u32(napi_env env, napi_value o, const char *k, uint32_t v)
{
	napi_set_named_property(env, o, k, pal_u32(env, v));
}

static napi_value js_map_info(napi_env env, napi_callback_info info)
{
	napi_value argv[1], o;
	uint32_t fd;
	struct bpf_map_info mi;
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map info", err);
		return NULL;
	}
	napi_create_object(env, &o);
	set_u32(env, o, "type", mi.type);
	set_u32(env, o, "keySize", mi.key_size);
	set_u32(env, o, "valueSize", mi.value_size);
	set_u32(env, o, "maxEntries", mi.max_entries);
	set_u32(env, o, "id", mi.id);
	return o;
}

static napi_value js_num_cpus(napi_env env, napi_callback_info info)
{
	int n = libbpf_num_possible_cpus();
	if (n < 0) {
		pal_throw_errno(env, "possible CPUs", n);
		return NULL;
	}
	return pal_u32(env, n);
}

static int mode_arg(napi_env env, napi_value v, int *mode)
{
	char s[16];
	if (pal_arg_str(env, v, "mode", s, sizeof(s)))
		return -1;
	if (!strcmp(s, "native"))
		*mode = XDP_FLAGS_DRV_MODE;
	else if (!strcmp(s, "generic"))
		*mode = XDP_FLAGS_SKB_MODE;
	else if (!strcmp(s, "auto"))
		*mode = 0;
	else {
		napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "mode must be native, generic or auto");
		return -1;
	}
	return 0;
}

/* xdpAttach(progFd, ifindex, mode) -> 'native' | 'generic' */
static napi_value js_xdp_attach(napi_env env, napi_callback_info info)
{
	napi_value argv[3], r;
	uint32_t prog, ifindex;
	int mode, err;
	char what[96];
	args_n(env, info, 3, argv);
	if (pal_arg_u32(env, argv[0], "progFd", &prog) || pal_arg_u32(env, argv[1], "ifindex", &ifindex) || mode_arg(env, argv[2], &mode))
		return NULL;
	const char *used = "native";
	if (mode == XDP_FLAGS_SKB_MODE) {
		used = "generic";
		err = bpf_xdp_attach(ifindex, prog, XDP_FLAGS_SKB_MODE, NULL);
	} else {
		err = bpf_xdp_attach(ifindex, prog, XDP_FLAGS_DRV_MODE, NULL);
		if (err && mode == 0) {
			/* The driver has no native XDP (or refuses this program): the generic hook works on any device. */
			used = "generic";
			err = bpf_xdp_attach(ifindex, prog, XDP_FLAGS_SKB_MODE, NULL);
		}
	}
	if (err) {
		snprintf(what, sizeof(what), "attach XDP (%s) to ifindex %u", used, ifindex);
		pal_throw_errno(env, what, err);
		return NULL;
	}
	napi_create_string_utf8(env, used, NAPI_AUTO_LENGTH, &r);
	return r;
}

static napi_value js_xdp_detach(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	uint32_t ifindex;
	int mode, err;
	char what[96];
	args_n(env, info, 2, argv);
	if (pal_arg_u32(env, argv[0], "ifindex", &ifindex) || mode_arg(env, argv[1], &mode))
		return NULL;
	err = bpf_xdp_detach(ifindex, mode ? (__u32)mode : (__u32)XDP_FLAGS_DRV_MODE, NULL);
	if (err && err != -ENODEV) {
		snprintf(what, sizeof(what), "detach XDP from ifindex %u", ifindex);
		pal_throw_errno(env, what, err);
		return NULL;
	}
	return pal_undefined(env);
}

static napi_value js_xdp_query(napi_env env, napi_callback_info info)
{
	napi_value argv[1], o;
	uint32_t ifindex;
	char what[96];
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "ifindex", &ifindex))
		return NULL;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		snprintf(what, sizeof(what), "query XDP on ifindex %u", ifindex);
		pal_throw_errno(env, what, err);
		return NULL;
	}
	napi_create_object(env, &o);
	set_u32(env, o, "native", q.drv_prog_id);
	set_u32(env, o, "generic", q.skb_prog_id);
	return o;
}

static int dir_arg(napi_env env, napi_value v, enum bpf_tc_attach_point *p)
{
	char s[16];
	if (pal_arg_str(env, v, "direction", s, sizeof(s)))
		return -1;
	if (!strcmp(s, "ingress"))
		*p = BPF_TC_INGRESS;
	else if (!strcmp(s, "egress"))
		*p = BPF_TC_EGRESS;
	else {
		napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "direction must be ingress or egress");
		return -1;
	}
	return 0;
}

static napi_value js_tc_attach(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	uint32_t prog, ifindex;
	enum bpf_tc_attach_point ap;
	char what[96];
	args_n(env, info, 3, argv);
	if (pal_arg_u32(env, argv[0], "progFd", &prog) || pal_arg_u32(env, argv[1], "ifindex", &ifindex) || dir_arg(env, argv[2], &ap))
		return NULL;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ap);
	int err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		snprintf(what, sizeof(what), "create clsact on ifindex %u", ifindex);
		pal_throw_errno(env, what, err);
		return NULL;
	}
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIORITY, .prog_fd = prog, .flags = BPF_TC_F_REPLACE);
	err = bpf_tc_attach(&hook, &o);
	if (err) {
		snprintf(what, sizeof(what), "attach tc program on ifindex %u", ifindex);
		pal_throw_errno(env, what, err);
		return NULL;
	}
	return pal_undefined(env);
}

static napi_value js_tc_detach(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	uint32_t ifindex;
	enum bpf_tc_attach_point ap;
	char what[96];
	args_n(env, info, 2, argv);
	if (pal_arg_u32(env, argv[0], "ifindex", &ifindex) || dir_arg(env, argv[1], &ap))
		return NULL;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ap);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &o);
	if (err && err != -ENOENT && err != -ENODEV) {
		snprintf(what, sizeof(what), "detach tc program on ifindex %u", ifindex);
		pal_throw_errno(env, what, err);
		return NULL;
	}
	return pal_undefined(env);
}

/* tracepointAttach(obj, progName, category, name) -> link handle */
static napi_value js_tp_attach(napi_env env, napi_callback_info info)
{
	napi_value argv[4];
	char prog[128], cat[64], name[64], what[300];
	int slot = -1;
	args_n(env, info, 4, argv);
	struct bpf_object *obj = obj_arg(env, argv[0]);
	if (!obj || pal_arg_str(env, argv[1], "program name", prog, sizeof(prog)) || pal_arg_str(env, argv[2], "category", cat, sizeof(cat)) ||
	    pal_arg_str(env, argv[3], "name", name, sizeof(name)))
		return NULL;
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	if (!p) {
		snprintf(what, sizeof(what), "program %s", prog);
		pal_throw_errno(env, what, ENOENT);
		return NULL;
	}
	for (int i = 0; i < PAL_MAX_LINKS; i++)
		if (!links[i]) {
			slot = i;
			break;
		}
	if (slot < 0) {
		pal_throw(env, "too many BPF links");
		return NULL;
	}
	struct bpf_link *l = bpf_program__attach_tracepoint(p, cat, name);
	if (!l) {
		snprintf(what, sizeof(what), "attach %s to tracepoint %s/%s", prog, cat, name);
		pal_throw_errno(env, what, errno);
		return NULL;
	}
	links[slot] = l;
	return pal_u32(env, slot);
}

static napi_value js_link_destroy(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	uint32_t h;
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "link", &h))
		return NULL;
	if (h < PAL_MAX_LINKS && links[h]) {
		bpf_link__destroy(links[h]);
		links[h] = NULL;
	}
	return pal_undefined(env);
}

/* ---- map operations ---- */

/* Checks that `len` bytes hold what the map needs; throws naming the argument when not. */
static int check_len(napi_env env, const char *name, size_t len, size_t need)
{
	if (len >= need)
		return 0;
	char msg[160];
	snprintf(msg, sizeof(msg), "%s holds %zu bytes, the map needs %zu", name, len, need);
	napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
	return -1;
}

static size_t value_bytes(const struct bpf_map_info *mi)
{
	switch (mi->type) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return (size_t)((mi->value_size + 7) & ~7u) * libbpf_num_possible_cpus();
	default:
		return mi->value_size;
	}
}

static napi_value js_map_lookup(napi_env env, napi_callback_info info)
{
	napi_value argv[3], r;
	uint32_t fd;
	void *k, *v;
	size_t kl, vl;
	struct bpf_map_info mi;
	args_n(env, info, 3, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_bytes(env, argv[1], "key", &k, &kl) || pal_arg_bytes(env, argv[2], "value", &v, &vl))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map lookup", err);
		return NULL;
	}
	if (check_len(env, "key", kl, mi.key_size) || check_len(env, "value", vl, value_bytes(&mi)))
		return NULL;
	err = bpf_map_lookup_elem(fd, k, v);
	if (err && errno != ENOENT) {
		pal_throw_errno(env, "map lookup", errno);
		return NULL;
	}
	napi_get_boolean(env, err == 0, &r);
	return r;
}

static napi_value js_map_update(napi_env env, napi_callback_info info)
{
	napi_value argv[4];
	uint32_t fd, flags = 0;
	void *k, *v;
	size_t kl, vl;
	struct bpf_map_info mi;
	napi_valuetype t;
	args_n(env, info, 4, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_bytes(env, argv[1], "key", &k, &kl) || pal_arg_bytes(env, argv[2], "value", &v, &vl))
		return NULL;
	napi_typeof(env, argv[3], &t);
	if (t != napi_undefined && pal_arg_u32(env, argv[3], "flags", &flags))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map update", err);
		return NULL;
	}
	if (check_len(env, "key", kl, mi.key_size) || check_len(env, "value", vl, value_bytes(&mi)))
		return NULL;
	if (bpf_map_update_elem(fd, k, v, flags)) {
		pal_throw_errno(env, "map update", errno);
		return NULL;
	}
	return pal_undefined(env);
}

static napi_value js_map_delete(napi_env env, napi_callback_info info)
{
	napi_value argv[2], r;
	uint32_t fd;
	void *k;
	size_t kl;
	struct bpf_map_info mi;
	args_n(env, info, 2, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_bytes(env, argv[1], "key", &k, &kl))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map delete", err);
		return NULL;
	}
	if (check_len(env, "key", kl, mi.key_size))
		return NULL;
	err = bpf_map_delete_elem(fd, k);
	if (err && errno != ENOENT) {
		pal_throw_errno(env, "map delete", errno);
		return NULL;
	}
	napi_get_boolean(env, err == 0, &r);
	return r;
}

static int batch_capable(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* mapUpdateBatch(fd, keys, values, count[, flags]) -> written */
static napi_value js_map_update_batch(napi_env env, napi_callback_info info)
{
	napi_value argv[5];
	uint32_t fd, count, flags = 0;
	void *k, *v;
	size_t kl, vl;
	struct bpf_map_info mi;
	napi_valuetype t;
	args_n(env, info, 5, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_bytes(env, argv[1], "keys", &k, &kl) || pal_arg_bytes(env, argv[2], "values", &v, &vl) ||
	    pal_arg_u32(env, argv[3], "count", &count))
		return NULL;
	napi_typeof(env, argv[4], &t);
	if (t != napi_undefined && pal_arg_u32(env, argv[4], "flags", &flags))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map update batch", err);
		return NULL;
	}
	size_t vb = value_bytes(&mi);
	if (check_len(env, "keys", kl, (size_t)count * mi.key_size) || check_len(env, "values", vl, (size_t)count * vb))
		return NULL;
	uint32_t done = 0;
	if (batch_capable(mi.type)) {
		/* The kernel may stop part-way (e.g. E2BIG or a full map): feed it the rest until done. */
		while (done < count) {
			__u32 n = count - done;
			LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = flags);
			err = bpf_map_update_batch(fd, (char *)k + (size_t)done * mi.key_size, (char *)v + (size_t)done * vb, &n, &o);
			done += n;
			if (err) {
				pal_throw_errno(env, "map update batch", errno);
				return NULL;
			}
			if (n == 0)
				break;
		}
	} else {
		/* LPM tries have no batch operations: one update each, still inside one JS call. */
		for (; done < count; done++)
			if (bpf_map_update_elem(fd, (char *)k + (size_t)done * mi.key_size, (char *)v + (size_t)done * vb, flags)) {
				pal_throw_errno(env, "map update", errno);
				return NULL;
			}
	}
	return pal_u32(env, done);
}

/* mapDeleteBatch(fd, keys, count) -> deleted (missing keys are skipped) */
static napi_value js_map_delete_batch(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	uint32_t fd, count, deleted = 0;
	void *k;
	size_t kl;
	struct bpf_map_info mi;
	args_n(env, info, 3, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_bytes(env, argv[1], "keys", &k, &kl) || pal_arg_u32(env, argv[2], "count", &count))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map delete batch", err);
		return NULL;
	}
	if (check_len(env, "keys", kl, (size_t)count * mi.key_size))
		return NULL;
	/* BPF_MAP_DELETE_BATCH stops at the first missing key; deleting one by one keeps "missing is
	 * fine" semantics and costs one syscall per key, which removal (rare, small) can afford. */
	for (uint32_t i = 0; i < count; i++) {
		if (bpf_map_delete_elem(fd, (char *)k + (size_t)i * mi.key_size) == 0)
			deleted++;
		else if (errno != ENOENT) {
			pal_throw_errno(env, "map delete", errno);
			return NULL;
		}
	}
	return pal_u32(env, deleted);
}

static napi_value result_obj(napi_env env, void *keys, size_t kbytes, void *values, size_t vbytes, uint32_t count)
{
	napi_value o, kb, vb;
	void *p;
	napi_create_object(env, &o);
	napi_create_buffer_copy(env, kbytes, keys, &p, &kb);
	napi_set_named_property(env, o, "keys", kb);
	if (values) {
		napi_create_buffer_copy(env, vbytes, values, &p, &vb);
		napi_set_named_property(env, o, "values", vb);
	}
	set_u32(env, o, "count", count);
	return o;
}

/* mapKeys(fd, keySize, max) -> { keys, count } */
static napi_value js_map_keys(napi_env env, napi_callback_info info)
{
	napi_value argv[3], r;
	uint32_t fd, ks, max, n = 0;
	args_n(env, info, 3, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_u32(env, argv[1], "keySize", &ks) || pal_arg_u32(env, argv[2], "max", &max))
		return NULL;
	if (ks == 0 || ks > 512) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "keySize must be 1-512");
		return NULL;
	}
	char *buf = malloc((size_t)ks * (max ? max : 1));
	if (!buf) {
		pal_throw_errno(env, "map keys", ENOMEM);
		return NULL;
	}
	void *prev = NULL;
	while (n < max) {
		char *next = buf + (size_t)n * ks;
		if (bpf_map_get_next_key(fd, prev, next)) {
			if (errno != ENOENT) {
				free(buf);
				pal_throw_errno(env, "map keys", errno);
				return NULL;
			}
			break;
		}
		prev = next;
		n++;
	}
	r = result_obj(env, buf, (size_t)n * ks, NULL, 0, n);
	free(buf);
	return r;
}

/* mapLookupBatch(fd, keySize, valueSize, max) -> { keys, values, count } */
static napi_value js_map_lookup_batch(napi_env env, napi_callback_info info)
{
	napi_value argv[4], r;
	uint32_t fd, ks, vs, max;
	struct bpf_map_info mi;
	args_n(env, info, 4, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd) || pal_arg_u32(env, argv[1], "keySize", &ks) || pal_arg_u32(env, argv[2], "valueSize", &vs) ||
	    pal_arg_u32(env, argv[3], "max", &max))
		return NULL;
	int err = map_info(fd, &mi);
	if (err) {
		pal_throw_errno(env, "map lookup batch", err);
		return NULL;
	}
	if (ks != mi.key_size || vs != mi.value_size) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "keySize/valueSize do not match the map");
		return NULL;
	}
	size_t vb = value_bytes(&mi);
	uint32_t cap = max ? max : 1;
	char *keys = malloc((size_t)ks * cap), *vals = malloc(vb * cap);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		pal_throw_errno(env, "map lookup batch", ENOMEM);
		return NULL;
	}
	uint32_t n = 0;
	if (batch_capable(mi.type)) {
		/* The batch cursor of hash maps is a bucket index; keep it key-sized (and 8 at least) as the
		 * kernel documentation asks. */
		char in[512], out[512];
		void *inp = NULL;
		while (n < max) {
			__u32 c = max - n;
			err = bpf_map_lookup_batch(fd, inp, out, keys + (size_t)n * ks, vals + (size_t)n * vb, &c, NULL);
			n += c;
			if (err) {
				if (errno == ENOENT)
					break;
				if (errno == ENOSPC && c == 0)
					break; /* a bucket larger than the room left: return what fits */
				free(keys);
				free(vals);
				pal_throw_errno(env, "map lookup batch", errno);
				return NULL;
			}
			memcpy(in, out, sizeof(in));
			inp = in;
		}
	} else {
		void *prev = NULL;
		while (n < max) {
			char *next = keys + (size_t)n * ks;
			if (bpf_map_get_next_key(fd, prev, next))
				break;
			if (bpf_map_lookup_elem(fd, next, vals + (size_t)n * vb) == 0) {
				prev = next;
				n++;
			} else {
				/* deleted between the two calls: carry on from it (the slot is reused) */
				prev = next;
			}
		}
	}
	r = result_obj(env, keys, (size_t)n * ks, vals, (size_t)n * vb, n);
	free(keys);
	free(vals);
	return r;
}

/* mapFdById(id) -> fd: a map of another process (the daemon's guard), for readers such as the
 * benchmark. The caller closes nothing: the fd lives as long as this process. */
static napi_value js_map_fd_by_id(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	uint32_t id;
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "id", &id))
		return NULL;
	int fd = bpf_map_get_fd_by_id(id);
	if (fd < 0) {
		pal_throw_errno(env, "map by id", errno);
		return NULL;
	}
	return pal_u32(env, fd);
}

/* progMapIds(progId) -> number[]: the maps a loaded program uses. */
static napi_value js_prog_map_ids(napi_env env, napi_callback_info info)
{
	napi_value argv[1], arr;
	uint32_t id, ids[64];
	struct bpf_prog_info pi;
	__u32 len = sizeof(pi);
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "progId", &id))
		return NULL;
	int fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0) {
		pal_throw_errno(env, "program by id", errno);
		return NULL;
	}
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 64;
	pi.map_ids = (__u64)(unsigned long)ids;
	int err = bpf_obj_get_info_by_fd(fd, &pi, &len);
	int saved = errno;
	close(fd);
	if (err) {
		pal_throw_errno(env, "program info", saved);
		return NULL;
	}
	napi_create_array(env, &arr);
	for (uint32_t i = 0; i < pi.nr_map_ids && i < 64; i++)
		napi_set_element(env, arr, i, pal_u32(env, ids[i]));
	return arr;
}

/* runTimeStatsOn() -> fd: the kernel counts every BPF program's run time and runs while the fd is
 * open (BPF_ENABLE_STATS; closing it, or the process ending, turns the counting off again). */
static napi_value js_run_time_stats_on(napi_env env, napi_callback_info info)
{
	(void)info;
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		pal_throw_errno(env, "enable run-time stats", errno);
		return NULL;
	}
	return pal_u32(env, (uint32_t)fd);
}

/* runTimeStatsOff(fd) */
static napi_value js_run_time_stats_off(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	uint32_t fd;
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "fd", &fd))
		return NULL;
	close((int)fd);
	return NULL;
}

/* progRunStats(progFd) -> { runTimeNs, runCount } (zero unless run-time stats are on) */
static napi_value js_prog_run_stats(napi_env env, napi_callback_info info)
{
	napi_value argv[1], r;
	uint32_t fd;
	struct bpf_prog_info pi;
	__u32 len = sizeof(pi);
	args_n(env, info, 1, argv);
	if (pal_arg_u32(env, argv[0], "progFd", &fd))
		return NULL;
	memset(&pi, 0, sizeof(pi));
	if (bpf_obj_get_info_by_fd((int)fd, &pi, &len)) {
		pal_throw_errno(env, "program info", errno);
		return NULL;
	}
	napi_create_object(env, &r);
	napi_set_named_property(env, r, "runTimeNs", pal_f64(env, (double)pi.run_time_ns));
	napi_set_named_property(env, r, "runCount", pal_f64(env, (double)pi.run_cnt));
	return r;
}

napi_status palisade_init_bpf(napi_env env, napi_value exports)
{
	static const struct pal_fn fns[] = {
		{ "bpfLoad", js_load },
		{ "bpfClose", js_close },
		{ "bpfMapFd", js_map_fd },
		{ "bpfProgFd", js_prog_fd },
		{ "objMapNames", js_obj_map_names },
		{ "bpfMapInfo", js_map_info },
		{ "numPossibleCpus", js_num_cpus },
		{ "xdpAttach", js_xdp_attach },
		{ "xdpDetach", js_xdp_detach },
		{ "xdpQuery", js_xdp_query },
		{ "tcAttach", js_tc_attach },
		{ "tcDetach", js_tc_detach },
		{ "tracepointAttach", js_tp_attach },
		{ "linkDestroy", js_link_destroy },
		{ "mapLookup", js_map_lookup },
		{ "mapUpdate", js_map_update },
		{ "mapDelete", js_map_delete },
		{ "mapUpdateBatch", js_map_update_batch },
		{ "mapDeleteBatch", js_map_delete_batch },
		{ "mapKeys", js_map_keys },
		{ "mapLookupBatch", js_map_lookup_batch },
		{ "mapFdById", js_map_fd_by_id },
		{ "progMapIds", js_prog_map_ids },
		{ "runTimeStatsOn", js_run_time_stats_on },
		{ "runTimeStatsOff", js_run_time_stats_off },
		{ "progRunStats", js_prog_run_stats },
	};
	libbpf_set_print(print_fn);
	return PAL_EXPORT_ALL(env, exports, fns);
}
