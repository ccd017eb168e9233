/* Module entry: every part registers its functions. */
#include "addon.h"

NAPI_MODULE_INIT()
{
	if (palisade_init_bpf(env, exports) != napi_ok || palisade_init_ringbuf(env, exports) != napi_ok ||
	    palisade_init_nfq(env, exports) != napi_ok || palisade_init_pcap(env, exports) != napi_ok ||
	    palisade_init_testrun(env, exports) != napi_ok)
		return NULL;
	return exports;
}
