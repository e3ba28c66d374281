# tests/unit/memcache.mk -- unit tests for proto/memcache (text and binary parsers, encoders) and
# modules/memcache (the MC.* commands) on the fake keel_api of sdk/harness/fake_api.h.
if MODULE_MEMCACHE
if MODULE_MCITEMS
MEMCACHE_TEST_LIBS = proto/memcache/libmemcache.la modules/memcache/libmcitems.la \
	sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) -lm

check_PROGRAMS += tests/unit/test_memcache_parse tests/unit/test_memcache_encode \
	tests/unit/test_memcache_cmds tests/unit/test_memcache_bin
TESTS += tests/unit/test_memcache_parse tests/unit/test_memcache_encode \
	tests/unit/test_memcache_cmds tests/unit/test_memcache_bin

tests_unit_test_memcache_parse_SOURCES = tests/unit/test_memcache_parse.c
tests_unit_test_memcache_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_memcache_parse_LDADD = $(MEMCACHE_TEST_LIBS)

tests_unit_test_memcache_encode_SOURCES = tests/unit/test_memcache_encode.c
tests_unit_test_memcache_encode_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_memcache_encode_LDADD = $(MEMCACHE_TEST_LIBS)

tests_unit_test_memcache_cmds_SOURCES = tests/unit/test_memcache_cmds.c
tests_unit_test_memcache_cmds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_memcache_cmds_LDADD = $(MEMCACHE_TEST_LIBS)

tests_unit_test_memcache_bin_SOURCES = tests/unit/test_memcache_bin.c
tests_unit_test_memcache_bin_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_memcache_bin_LDADD = $(MEMCACHE_TEST_LIBS)
endif
endif
