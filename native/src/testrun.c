/* testrun part of the addon: BPF_PROG_TEST_RUN in XDP live-frames mode, the kernel benchmark's
 * traffic generator (bench/kernel/gen.ts), plus the two thread-level calls it needs. The daemon
 * does not use this part. */
#define _GNU_SOURCE
#include "addon.h"
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

/* progTestRunLive(progFd, frame: Buffer, ifindex, repeat, batchSize): number
 * Runs the XDP program `repeat` times on `frame` with BPF_F_TEST_XDP_LIVE_FRAMES: whatever the
 * program redirects is really transmitted. Blocks until done (or a signal arrives: EINTR).
 * Returns the number of frames run through the program. */
static napi_value prog_test_run_live(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5];
	uint32_t prog_fd, ifindex, repeat, batch;
	void *frame;
	size_t len;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
		return NULL;
	if (argc < 5) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "progTestRunLive(progFd, frame, ifindex, repeat, batchSize)");
		return NULL;
	}
	if (pal_arg_u32(env, argv[0], "progFd", &prog_fd) || pal_arg_bytes(env, argv[1], "frame", &frame, &len) ||
	    pal_arg_u32(env, argv[2], "ifindex", &ifindex) || pal_arg_u32(env, argv[3], "repeat", &repeat) ||
	    pal_arg_u32(env, argv[4], "batchSize", &batch))
		return NULL;
	/* An Ethernet header at least; the kernel caps the frame at a page minus headroom. */
	if (len < 14 || len > 3000) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "frame must be 14 to 3000 bytes");
		return NULL;
	}
	if (repeat == 0 || repeat > INT32_MAX) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "repeat must be 1 to 2^31-1");
		return NULL;
	}

	/* ingress_ifindex makes the frames look received on that device (of this namespace). */
	struct xdp_md ctx = { .data = 0, .data_end = (uint32_t)len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = (int)repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = batch);
	if (bpf_prog_test_run_opts((int)prog_fd, &opts)) {
		pal_throw_errno(env, "BPF_PROG_TEST_RUN (XDP live frames)", errno);
		return NULL;
	}
	return pal_f64(env, (double)repeat);
}

/* setAffinity(cpu): pins the calling thread (only it, not the process) to one CPU. */
static napi_value set_affinity(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	uint32_t cpu;
	cpu_set_t set;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
		return NULL;
	if (argc < 1) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setAffinity(cpu)");
		return NULL;
	}
	if (pal_arg_u32(env, argv[0], "cpu", &cpu))
		return NULL;
	if (cpu >= CPU_SETSIZE) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "cpu is out of range");
		return NULL;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		pal_throw_errno(env, "sched_setaffinity", errno);
		return NULL;
	}
	return pal_undefined(env);
}

/* threadCpuTime(): CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID), i.e. the
 * generator's own cost without Node's helper threads. */
static napi_value thread_cpu_time(napi_env env, napi_callback_info info)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) {
		pal_throw_errno(env, "clock_gettime", errno);
		return NULL;
	}
	return pal_f64(env, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

napi_status palisade_init_testrun(napi_env env, napi_value exports)
{
	static const struct pal_fn fns[] = {
		{ "progTestRunLive", prog_test_run_live },
		{ "setAffinity", set_affinity },
		{ "threadCpuTime", thread_cpu_time },
	};
	return PAL_EXPORT_ALL(env, exports, fns);
}
