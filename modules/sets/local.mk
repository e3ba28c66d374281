# modules/sets/local.mk -- sets.so: set values (SADD SINTER SUNIONSTORE SSUBSET ...).  Everything
# but the descriptor is a convenience library, so the unit tests link the objects the module runs.
if MODULE_SETS
noinst_LTLIBRARIES += modules/sets/libsets.la
modules_sets_libsets_la_SOURCES = \
	modules/sets/family.h \
	modules/sets/add.c \
	modules/sets/algebra.c \
	modules/sets/compare.c \
	modules/sets/convert.c modules/sets/convert.h \
	modules/sets/member.c \
	modules/sets/move.c \
	modules/sets/rand.c modules/sets/rand.h \
	modules/sets/random.c \
	modules/sets/register.c modules/sets/register.h \
	modules/sets/sample.c modules/sets/sample.h \
	modules/sets/scan.c \
	modules/sets/setobj.c modules/sets/setobj.h \
	modules/sets/walk.c modules/sets/walk.h

modules_LTLIBRARIES += modules/sets/sets.la
modules_sets_sets_la_SOURCES = modules/sets/module.c
modules_sets_sets_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_sets_sets_la_LIBADD = modules/sets/libsets.la $(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/commands-sets.md
