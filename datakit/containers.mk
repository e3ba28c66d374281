# datakit/containers.mk -- list, map, set, array, flat buffer, sparse bitset sources.
# Internal headers (acct, boxfast, cidx, intset_int, ridx, sbcont, sorted, zset_int) go with the
# sources;
# the public ones are installed.
datakit_sources_list += \
	datakit/acct.h \
	datakit/boxfast.h \
	datakit/cidx.h \
	datakit/cidx.c \
	datakit/array.c \
	datakit/intset_int.h \
	datakit/intset.c \
	datakit/sbcont.h \
	datakit/sbcont.c \
	datakit/sbitset.c \
	datakit/flatbuf.c \
	datakit/list.c \
	datakit/ridx.h \
	datakit/ridx.c \
	datakit/sorted.h \
	datakit/sorted.c \
	datakit/zset_int.h \
	datakit/zset.c \
	datakit/zset_index.c \
	datakit/stream.c \
	datakit/map.c \
	datakit/set.c \
	datakit/setop.c \
	datakit/row.c

datakit_headers_list += \
	datakit/iter.h \
	datakit/array.h \
	datakit/intset.h \
	datakit/sbitset.h \
	datakit/flatbuf.h \
	datakit/list.h \
	datakit/map.h \
	datakit/set.h \
	datakit/setop.h \
	datakit/zset.h \
	datakit/row.h \
	datakit/stream.h

# `make bench-memory-containers`: bytes/element and ns/op of every container (built on demand).
EXTRA_PROGRAMS += datakit/bench/dk_bench_containers
datakit_bench_dk_bench_containers_SOURCES = datakit/bench/bench_containers.c
datakit_bench_dk_bench_containers_LDADD = datakit/libdatakit_pic.la -lm
CLEANFILES += datakit/bench/dk_bench_containers$(EXEEXT)

.PHONY: bench-memory-containers
bench-memory-containers: datakit/bench/dk_bench_containers$(EXEEXT)
	./datakit/bench/dk_bench_containers$(EXEEXT) $(BENCH_N)
