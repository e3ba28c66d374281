# modules/lists/local.mk -- lists.so: list values (LPUSH LRANGE BLPOP ...).  Everything but the
# descriptor is a convenience library, so the unit tests (tests/unit/lists.mk) link the objects
# the module runs.
if MODULE_LISTS
noinst_LTLIBRARIES += modules/lists/liblists.la
modules_lists_liblists_la_SOURCES = \
	modules/lists/family.h \
	modules/lists/access.c \
	modules/lists/edit.c \
	modules/lists/listobj.c modules/lists/listobj.h \
	modules/lists/move.c \
	modules/lists/parse.c modules/lists/parse.h \
	modules/lists/pop.c \
	modules/lists/pos.c \
	modules/lists/push.c \
	modules/lists/range.c \
	modules/lists/register.c modules/lists/register.h

modules_LTLIBRARIES += modules/lists/lists.la
modules_lists_lists_la_SOURCES = modules/lists/module.c
modules_lists_lists_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_lists_lists_la_LIBADD = modules/lists/liblists.la $(MODULE_LINK_LIBS) $(PTHREAD_LIBS) -lm
endif

EXTRA_DIST += docs/commands-lists.md
