# datakit/containers.mk -- list, map, set, array, flat buffer, sparse bitset sources
datakit_sources_list += \
	datakit/acct.h \
	datakit/cidx.c \
	datakit/array.c \
	datakit/intset.c \
	datakit/sbcont.h \
	datakit/sbcont.c \
	datakit/sbitset.c

datakit_headers_list += \
	datakit/cidx.h \
	datakit/iter.h \
	datakit/array.h \
	datakit/intset.h \
	datakit/sbitset.h
