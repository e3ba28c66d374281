/* config_rewrite.h -- CONFIG REWRITE: the running values of the settings CONFIG SET changes,
 * written back into the JSON config file the server started from. */
#ifndef KEEL_CORE_CONFIG_REWRITE_H
#define KEEL_CORE_CONFIG_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

/* Rewrites srv->cf.config_file: every setting CONFIG SET can change whose running value differs
 * from what the file says (or, when the file does not name it, from the default) gets its
 * running value; every other key and section stays as it is, in its order.  The file is written
 * whole to a temporary file beside it, fsynced and renamed over it.  True on success; false
 * with the client's error text ("ERR ...") in err. */
bool config_rewrite(char *err, size_t cap);

#endif
