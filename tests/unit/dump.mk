# tests/unit/dump.mk -- unit tests of dump.so's RDB codec and file walker (no server, no SDK).
if MODULE_DUMP
check_PROGRAMS += tests/unit/test_rdb_value
TESTS += tests/unit/test_rdb_value
tests_unit_test_rdb_value_SOURCES = tests/unit/test_rdb_value.c
tests_unit_test_rdb_value_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rdb_value_LDADD = modules/dump/librdbcodec.la $(UNIT_LIBS) -lm
endif
if MODULE_DUMP
check_PROGRAMS += tests/unit/test_rdb_file
TESTS += tests/unit/test_rdb_file
tests_unit_test_rdb_file_SOURCES = tests/unit/test_rdb_file.c
tests_unit_test_rdb_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rdb_file_LDADD = modules/dump/librdbcodec.la $(UNIT_LIBS) -lm
endif
