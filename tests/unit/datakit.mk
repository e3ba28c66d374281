# tests/unit/datakit.mk -- unit tests for datakit (box, glob, table, timer, hll; containers below)
DK_TEST_LIBS = datakit/libdatakit_pic.la $(UNIT_LIBS) -lm

check_PROGRAMS += tests/unit/test_dk_box
TESTS += tests/unit/test_dk_box
tests_unit_test_dk_box_SOURCES = tests/unit/test_dk_box.c
tests_unit_test_dk_box_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_box_LDADD = $(DK_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dk_glob
TESTS += tests/unit/test_dk_glob
tests_unit_test_dk_glob_SOURCES = tests/unit/test_dk_glob.c
tests_unit_test_dk_glob_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_glob_LDADD = $(DK_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dk_timer
TESTS += tests/unit/test_dk_timer
tests_unit_test_dk_timer_SOURCES = tests/unit/test_dk_timer.c
tests_unit_test_dk_timer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_timer_LDADD = $(DK_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dk_table
TESTS += tests/unit/test_dk_table
tests_unit_test_dk_table_SOURCES = tests/unit/test_dk_table.c
tests_unit_test_dk_table_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_table_LDADD = $(DK_TEST_LIBS)
if PLAIN_TABLE
tests_unit_test_dk_table_CPPFLAGS = $(AM_CPPFLAGS) -DDK_TABLE_PLAIN
else
# The same tests against the plain table (--enable-plain-table's), linked before libdatakit so
# that the library's compact table is never pulled in.
check_PROGRAMS += tests/unit/test_dk_table_plain
TESTS += tests/unit/test_dk_table_plain
endif
tests_unit_test_dk_table_plain_SOURCES = tests/unit/test_dk_table.c $(datakit_table_plain_sources)
tests_unit_test_dk_table_plain_CPPFLAGS = $(AM_CPPFLAGS) $(XXHASH_CFLAGS) -DDK_TABLE_PLAIN
tests_unit_test_dk_table_plain_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_table_plain_LDADD = $(DK_TEST_LIBS)

check_PROGRAMS += tests/unit/test_dk_hll
TESTS += tests/unit/test_dk_hll
tests_unit_test_dk_hll_SOURCES = tests/unit/test_dk_hll.c
tests_unit_test_dk_hll_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_hll_LDADD = $(DK_TEST_LIBS)

# The same HLL operations against a real redis-server (skipped when none is installed).
check_PROGRAMS += tests/unit/dk_hll_tool
tests_unit_dk_hll_tool_SOURCES = tests/unit/dk_hll_tool.c
tests_unit_dk_hll_tool_LDADD = datakit/libdatakit_pic.la -lm
TESTS += tests/unit/dk_hll_redis.sh
EXTRA_DIST += tests/unit/dk_hll_redis.sh tests/unit/dk_hll_compare.py tests/unit/dk_check_fast.h \
	tests/unit/model_move.h

# Containers: their own fragment, owned by the containers' author.
include tests/unit/datakit_containers.mk
