# tests/unit/zsets.mk -- unit tests of zsets.so: its geohash arithmetic (modules/zsets/geohash.c,
# pure C without the SDK) against a bisection model and Redis 7.0's known answers.
if MODULE_ZSETS
check_PROGRAMS += tests/unit/test_zsets_geohash
TESTS += tests/unit/test_zsets_geohash
tests_unit_test_zsets_geohash_SOURCES = tests/unit/test_zsets_geohash.c modules/zsets/geohash.c \
	modules/zsets/geohash.h
tests_unit_test_zsets_geohash_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/modules/zsets
tests_unit_test_zsets_geohash_LDADD = $(UNIT_LIBS) -lm
endif
