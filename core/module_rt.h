/* module_rt.h -- MODULE LOAD and MODULE UNLOAD while the server runs: every other worker is
 * parked (quiesce.h) while the tables change, and an unload is refused while anything still
 * runs or holds the module's code. */
#ifndef KEEL_CORE_MODULE_RT_H
#define KEEL_CORE_MODULE_RT_H

#include <stddef.h>
#include <stdint.h>

struct thr;

/* Loads the module file at path on worker self.  Returns NULL, or the error reply's text (in
 * err, cap bytes) with the reason logged. */
const char *module_rt_load(struct thr *self, const char *path, char *err, size_t cap);
/* The same with settings given for the module ("name" without the module's prefix, and its
 * value, nconfigs pairs, MODULE LOADEX ... CONFIG): a name the module does not register fails
 * the load; and nargs arguments (keel_module_args: LOAD's, LOADEX's ARGS), copied. */
const char *module_rt_loadex(struct thr *self, const char *path, const char *const *names,
                             const char *const *values, size_t nconfigs, const char *const *args,
                             uint32_t nargs, char *err, size_t cap);
/* Unloads the module called name.  Returns NULL, or the error reply's text. */
const char *module_rt_unload(struct thr *self, const char *name, char *err, size_t cap);

#endif
