/* api.h -- the SDK function table the core hands to every module's init. */
#ifndef KEEL_CORE_API_H
#define KEEL_CORE_API_H

#include <keel/sdk.h>

const keel_api *api_table(void);

#endif
