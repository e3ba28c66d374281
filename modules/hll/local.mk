# modules/hll/local.mk -- hll.so: HyperLogLog sketches (PFADD PFCOUNT PFMERGE, HLLADD ...).
# Everything but the descriptor is a convenience library, so unit tests link what the module runs.
if MODULE_HLL
noinst_LTLIBRARIES += modules/hll/libhll.la
modules_hll_libhll_la_SOURCES = \
	modules/hll/family.h \
	modules/hll/add.c \
	modules/hll/count.c \
	modules/hll/hllobj.c modules/hll/hllobj.h \
	modules/hll/merge.c \
	modules/hll/register.c modules/hll/register.h \
	modules/hll/union.c modules/hll/union.h

modules_LTLIBRARIES += modules/hll/hll.la
modules_hll_hll_la_SOURCES = modules/hll/module.c
modules_hll_hll_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_hll_hll_la_LIBADD = modules/hll/libhll.la $(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/commands-hll.md
