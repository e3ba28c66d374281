# modules/sbitset/local.mk -- sbitset.so: sparse bitsets (SSETBIT SBITCOUNT SBITOP SBITSCAN ...).
# Everything but the descriptor is a convenience library, so unit tests link what the module runs.
if MODULE_SBITSET
noinst_LTLIBRARIES += modules/sbitset/libsbitset.la
modules_sbitset_libsbitset_la_SOURCES = \
	modules/sbitset/family.h \
	modules/sbitset/bits.c \
	modules/sbitset/op.c \
	modules/sbitset/rank.c \
	modules/sbitset/register.c modules/sbitset/register.h \
	modules/sbitset/sbobj.c modules/sbitset/sbobj.h \
	modules/sbitset/sbsnap.c modules/sbitset/sbsnap.h

modules_LTLIBRARIES += modules/sbitset/sbitset.la
modules_sbitset_sbitset_la_SOURCES = modules/sbitset/module.c
modules_sbitset_sbitset_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_sbitset_sbitset_la_LIBADD = modules/sbitset/libsbitset.la $(MODULE_LINK_LIBS)
endif

EXTRA_DIST += docs/commands-sbitset.md
