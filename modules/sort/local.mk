# modules/sort/local.mk -- sort.so: SORT and SORT_RO.  Everything but the descriptor is a
# convenience library, so unit tests link what the module runs.
if MODULE_SORT
noinst_LTLIBRARIES += modules/sort/libsort.la
modules_sort_libsort_la_SOURCES = \
	modules/sort/args.c modules/sort/args.h \
	modules/sort/order.c modules/sort/order.h \
	modules/sort/pattern.c modules/sort/pattern.h \
	modules/sort/run.c modules/sort/sort.h

modules_LTLIBRARIES += modules/sort/sort.la
modules_sort_sort_la_SOURCES = modules/sort/module.c
modules_sort_sort_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_sort_sort_la_LIBADD = modules/sort/libsort.la $(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/commands-sort.md
