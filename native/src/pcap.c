/* pcap part of the addon: filled in by its owner (see native/README.md). */
#include "addon.h"

napi_status palisade_init_pcap(napi_env env, napi_value exports)
{
	return napi_ok;
}
