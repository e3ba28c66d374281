/* modconf.h -- module settings (keel_register_config): "module.name" values CONFIG GET/SET
 * read and change, the values given at load (MODULE LOADEX ... CONFIG, "module_configs"). */
#ifndef KEEL_CORE_MODCONF_H
#define KEEL_CORE_MODCONF_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>

/* A value for "module.name" that a module registering it takes instead of its default (copied;
 * kept until modconf_clear_given).  Not thread-safe: at start, or while quiescing. */
void modconf_give(const char *full_name, const char *value);
void modconf_clear_given(void);
/* The given values no registered setting took (names a module does not have): the first one's
 * name, or NULL. */
const char *modconf_given_unused(void);

/* Drops the settings of m (unloaded, or its init failed). */
void modconf_forget(const keel_module *m);

/* CONFIG GET/SET: the settings in registration order ("module.name"), a value into buf, and
 * setting one by full name: NULL, or why not (a static message or the module's). */
size_t modconf_count(void);
const char *modconf_name(size_t i);
void modconf_value(size_t i, char *buf, size_t cap);
bool modconf_exists(const char *full_name);
const char *modconf_set(const char *full_name, const char *value);

/* Frees everything (shutdown). */
void modconf_free(void);

#endif
