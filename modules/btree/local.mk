# modules/btree/local.mk -- btree.so: Keel's B-tree tables (BTSET BTRANGE BTAGG BTTOP ...).
# Everything but the descriptor is a convenience library, as in zsets.so.
if MODULE_BTREE
noinst_LTLIBRARIES += modules/btree/libbtree.la
modules_btree_libbtree_la_SOURCES = \
	modules/btree/family.h \
	modules/btree/acc.c modules/btree/agg.h \
	modules/btree/agg.c \
	modules/btree/bounds.c modules/btree/bounds.h \
	modules/btree/btobj.c modules/btree/btobj.h \
	modules/btree/filter.c modules/btree/filter.h \
	modules/btree/range.c \
	modules/btree/read.c \
	modules/btree/register.c modules/btree/register.h \
	modules/btree/top.c \
	modules/btree/write.c

modules_LTLIBRARIES += modules/btree/btree.la
modules_btree_btree_la_SOURCES = modules/btree/module.c
modules_btree_btree_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_btree_btree_la_LIBADD = modules/btree/libbtree.la $(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/commands-btree.md
