# modules/streams/local.mk -- streams.so: stream values (XADD XREAD XREADGROUP ...).  Everything
# but the descriptor is a convenience library, as in zsets.so.
if MODULE_STREAMS
noinst_LTLIBRARIES += modules/streams/libstreams.la
modules_streams_libstreams_la_SOURCES = \
	modules/streams/family.h \
	modules/streams/cgroup.c modules/streams/cgroup.h \
	modules/streams/group.c \
	modules/streams/info.c \
	modules/streams/pending.c \
	modules/streams/persist.c modules/streams/persist.h \
	modules/streams/range.c \
	modules/streams/read.c \
	modules/streams/reclaim.c modules/streams/reclaim.h \
	modules/streams/register.c modules/streams/register.h \
	modules/streams/sobj.c modules/streams/sobj.h \
	modules/streams/trim.c modules/streams/trim.h \
	modules/streams/write.c

modules_LTLIBRARIES += modules/streams/streams.la
modules_streams_streams_la_SOURCES = modules/streams/module.c
modules_streams_streams_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_streams_streams_la_LIBADD = modules/streams/libstreams.la $(MODULE_LINK_LIBS)
endif

EXTRA_DIST += docs/commands-streams.md
