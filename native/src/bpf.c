/* bpf part of the addon: filled in by its owner (see native/README.md). */
#include "addon.h"

napi_status palisade_init_bpf(napi_env env, napi_value exports)
{
	return napi_ok;
}
