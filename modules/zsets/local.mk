# modules/zsets/local.mk -- zsets.so: sorted set values (ZADD ZRANGE BZPOPMIN ...).  Everything
# but the descriptor is a convenience library, as in sets.so.
if MODULE_ZSETS
noinst_LTLIBRARIES += modules/zsets/libzsets.la
modules_zsets_libzsets_la_SOURCES = \
	modules/zsets/family.h \
	modules/zsets/add.c \
	modules/zsets/algebra.c \
	modules/zsets/bounds.c modules/zsets/bounds.h \
	modules/zsets/geo_args.c modules/zsets/geo_args.h \
	modules/zsets/geo_cmds.c \
	modules/zsets/geo_query.c \
	modules/zsets/geo_scan.c modules/zsets/geo_scan.h \
	modules/zsets/geohash.c modules/zsets/geohash.h \
	modules/zsets/pop.c \
	modules/zsets/rand.c modules/zsets/rand.h \
	modules/zsets/range.c \
	modules/zsets/read.c \
	modules/zsets/register.c modules/zsets/register.h \
	modules/zsets/scan.c \
	modules/zsets/zobj.c modules/zsets/zobj.h

modules_LTLIBRARIES += modules/zsets/zsets.la
modules_zsets_zsets_la_SOURCES = modules/zsets/module.c
modules_zsets_zsets_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_zsets_zsets_la_LIBADD = modules/zsets/libzsets.la $(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/commands-zsets.md
