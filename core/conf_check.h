/* conf_check.h -- the checks of a config beyond its JSON fields: the files it names
 * (certificates, keys, CA, on_startup programs), addresses and names that clash, modules that
 * are missing, and protocols no loaded module provides.  --check-config runs them all, and so
 * does startup before anything listens: a bad config never starts a half-working server. */
#ifndef KEEL_CORE_CONF_CHECK_H
#define KEEL_CORE_CONF_CHECK_H

#include "conf.h"

/* Each appends "path: message" lines to *errs and returns how many it added. */

/* Every module the config names has a file in dir (or, with none named, dir can be read). */
int conf_check_modules(const conf *c, const char *dir, char **errs);
/* Network names are unique, their databases exist, hosts resolve, no two networks bind one
 * address and port, TLS files load into a context, on_startup programs can be run. */
int conf_check_networks(const conf *c, char **errs);
/* After the modules are loaded: each network's protocol is provided by one of them, reply
 * syntaxes are asked of protocols that have them, and some network will listen. */
int conf_check_protocols(const conf *c, char **errs);

#endif
