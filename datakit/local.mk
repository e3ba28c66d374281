# datakit/local.mk -- libdatakit: Keel's compact data structures.  Standalone: nothing here
# includes core/ or include/keel/.  Built once as a PIC convenience library (linked into the
# server and each module) and installed as libdatakit with its headers.

# The keyspace table: the compact one, or with --enable-plain-table the conventional one kept
# beside the benchmarks (datakit/bench/) to measure it against (same datakit/table.h).
datakit_table_compact_sources = datakit/table_shared.h datakit/table_int.h datakit/table_entry.h datakit/table_entry.c \
	datakit/table.c datakit/table_walk.c datakit/table_ext.c
datakit_table_plain_sources = datakit/table_shared.h datakit/bench/table_plain_int.h datakit/bench/table_plain.c \
	datakit/bench/table_plain_expire.c datakit/bench/table_plain_walk.c datakit/table_ext.c
if PLAIN_TABLE
datakit_table_sources = $(datakit_table_plain_sources)
else
datakit_table_sources = $(datakit_table_compact_sources)
endif

datakit_sources_list = \
	datakit/mem.h \
	datakit/box_num.h \
	datakit/box.c \
	datakit/box_text.c \
	datakit/timer.c \
	datakit/glob.c \
	datakit/ldtext.c \
	datakit/base64.c \
	datakit/decimal.c \
	datakit/slab.h \
	datakit/slab.c \
	$(datakit_table_sources) \
	datakit/hll_int.h \
	datakit/hll.c \
	datakit/hll_sparse.c

datakit_headers_list = \
	datakit/box.h \
	datakit/glob.h \
	datakit/ldtext.h \
	datakit/base64.h \
	datakit/decimal.h \
	datakit/timer.h \
	datakit/table.h \
	datakit/hll.h

noinst_LTLIBRARIES += datakit/libdatakit_pic.la
datakit_libdatakit_pic_la_SOURCES = $(datakit_sources_list) $(datakit_headers_list)
datakit_libdatakit_pic_la_CPPFLAGS = $(AM_CPPFLAGS) $(XXHASH_CFLAGS)
datakit_libdatakit_pic_la_LIBADD = -lm

lib_LTLIBRARIES += datakit/libdatakit.la
datakit_libdatakit_la_SOURCES =
nodist_EXTRA_datakit_libdatakit_la_SOURCES = dummy.c
datakit_libdatakit_la_LIBADD = datakit/libdatakit_pic.la
datakit_libdatakit_la_LDFLAGS = -version-info 1:0:1 -no-undefined

datakitincludedir = $(includedir)/datakit
datakitinclude_HEADERS = $(datakit_headers_list)

# `make bench-memory`: bytes/key and ns/op of the keyspace table (built on demand only).
EXTRA_PROGRAMS = datakit/bench/dk_bench_memory
datakit_bench_dk_bench_memory_SOURCES = datakit/bench/bench_memory.c datakit/bench/plain.h \
	datakit/bench/plain.c
datakit_bench_dk_bench_memory_LDADD = datakit/libdatakit_pic.la -lm
CLEANFILES += datakit/bench/dk_bench_memory$(EXEEXT)

.PHONY: bench-memory
bench-memory: datakit/bench/dk_bench_memory$(EXEEXT)
	./datakit/bench/dk_bench_memory$(EXEEXT) $(BENCH_N)

# Containers, bitsets: their own fragment (adds to the lists above).
include datakit/containers.mk
