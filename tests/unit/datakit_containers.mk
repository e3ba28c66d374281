# tests/unit/datakit_containers.mk -- unit tests for datakit's containers: list, map, set,
# intset, array, flat buffer, sparse bitset, dk_sorted and its run index (one program each).
DK_CONTAINER_TESTS = \
	tests/unit/test_dk_array \
	tests/unit/test_dk_intset \
	tests/unit/test_dk_sbitset \
	tests/unit/test_dk_flat \
	tests/unit/test_dk_list \
	tests/unit/test_dk_map \
	tests/unit/test_dk_set \
	tests/unit/test_dk_zset \
	tests/unit/test_dk_ridx \
	tests/unit/test_dk_sorted \
	tests/unit/test_dk_row \
	tests/unit/test_dk_stream

check_PROGRAMS += $(DK_CONTAINER_TESTS)
TESTS += $(DK_CONTAINER_TESTS)
DK_TEST_HELPERS = tests/unit/dk_rand.h tests/unit/dk_check_fast.h tests/unit/dk_vals.h \
	tests/unit/dk_kvmodel.h tests/unit/model_move.h

tests_unit_test_dk_array_SOURCES = tests/unit/test_dk_array.c $(DK_TEST_HELPERS)
tests_unit_test_dk_array_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_array_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_intset_SOURCES = tests/unit/test_dk_intset.c $(DK_TEST_HELPERS)
tests_unit_test_dk_intset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_intset_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_sbitset_SOURCES = tests/unit/test_dk_sbitset.c $(DK_TEST_HELPERS)
tests_unit_test_dk_sbitset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_sbitset_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_flat_SOURCES = tests/unit/test_dk_flat.c $(DK_TEST_HELPERS)
tests_unit_test_dk_flat_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_flat_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_list_SOURCES = tests/unit/test_dk_list.c $(DK_TEST_HELPERS)
tests_unit_test_dk_list_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_list_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_map_SOURCES = tests/unit/test_dk_map.c $(DK_TEST_HELPERS)
tests_unit_test_dk_map_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_map_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_set_SOURCES = tests/unit/test_dk_set.c $(DK_TEST_HELPERS)
tests_unit_test_dk_set_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_set_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_ridx_SOURCES = tests/unit/test_dk_ridx.c $(DK_TEST_HELPERS)
tests_unit_test_dk_ridx_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_ridx_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_sorted_SOURCES = tests/unit/test_dk_sorted.c $(DK_TEST_HELPERS)
tests_unit_test_dk_sorted_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_sorted_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_zset_SOURCES = tests/unit/test_dk_zset.c $(DK_TEST_HELPERS)
tests_unit_test_dk_zset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_zset_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_row_SOURCES = tests/unit/test_dk_row.c $(DK_TEST_HELPERS)
tests_unit_test_dk_row_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_row_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_stream_SOURCES = tests/unit/test_dk_stream.c $(DK_TEST_HELPERS)
tests_unit_test_dk_stream_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_stream_LDADD = $(DK_TEST_LIBS)
