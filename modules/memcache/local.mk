# modules/memcache/local.mk -- mcitems.so: memcached's command family on Keel's keyspace (MC.*:
# items with flags and CAS, meta commands, arithmetic, flush_all, stats and their counters).  The
# memcached wire protocol that sends them is proto/memcache (memcache.so); what they reply is the
# contract in include/keel/memcache.h.  Everything but the descriptor is a convenience library, so
# unit tests and fuzz targets link the objects the module runs.
if MODULE_MCITEMS
noinst_LTLIBRARIES += modules/memcache/libmcitems.la
modules_memcache_libmcitems_la_SOURCES = \
	modules/memcache/cmd_arith.c \
	modules/memcache/cmd_delete.c \
	modules/memcache/cmd_flush.c \
	modules/memcache/cmd_get.c \
	modules/memcache/cmd_marith.c \
	modules/memcache/cmd_mdel.c \
	modules/memcache/cmd_mget.c \
	modules/memcache/cmd_mset.c \
	modules/memcache/cmd_server.c \
	modules/memcache/cmd_store.c \
	modules/memcache/counters.c modules/memcache/counters.h \
	modules/memcache/family.h \
	modules/memcache/item.c modules/memcache/item.h \
	modules/memcache/item_size.h \
	modules/memcache/meta.c modules/memcache/meta.h \
	modules/memcache/register.c modules/memcache/register.h

modules_LTLIBRARIES += modules/memcache/mcitems.la
modules_memcache_mcitems_la_SOURCES = modules/memcache/module.c
modules_memcache_mcitems_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_memcache_mcitems_la_LIBADD = modules/memcache/libmcitems.la $(MODULE_LINK_LIBS) -lm
endif
