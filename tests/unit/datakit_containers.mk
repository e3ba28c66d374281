# tests/unit/datakit_containers.mk -- unit tests for datakit containers (list, map, set, array, flat buffer, sparse bitset)
DK_CONTAINER_TESTS = \
	tests/unit/test_dk_array \
	tests/unit/test_dk_intset \
	tests/unit/test_dk_sbitset

check_PROGRAMS += $(DK_CONTAINER_TESTS)
TESTS += $(DK_CONTAINER_TESTS)
EXTRA_DIST += tests/unit/dk_rand.h tests/unit/dk_fastck.h

tests_unit_test_dk_array_SOURCES = tests/unit/test_dk_array.c tests/unit/dk_rand.h tests/unit/dk_fastck.h
tests_unit_test_dk_array_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_array_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_intset_SOURCES = tests/unit/test_dk_intset.c tests/unit/dk_rand.h tests/unit/dk_fastck.h
tests_unit_test_dk_intset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_intset_LDADD = $(DK_TEST_LIBS)

tests_unit_test_dk_sbitset_SOURCES = tests/unit/test_dk_sbitset.c tests/unit/dk_rand.h tests/unit/dk_fastck.h
tests_unit_test_dk_sbitset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dk_sbitset_LDADD = $(DK_TEST_LIBS)
