# tests/unit/sets.mk -- unit tests of sets.so and hll.so (Check, on the fake SDK table of
# sdk/harness/fake_api.h, with sets_sim's two simulated threads).
if MODULE_SETS
SETS_TEST_LIBS = modules/sets/libsets.la sdk/harness/libkeelharness.la datakit/libdatakit_pic.la \
	$(UNIT_LIBS) -lm
check_PROGRAMS += tests/unit/test_sets_cmds tests/unit/test_sets_multi
TESTS += tests/unit/test_sets_cmds tests/unit/test_sets_multi

tests_unit_test_sets_cmds_SOURCES = tests/unit/test_sets_cmds.c tests/unit/sets_sim.c \
	tests/unit/sets_sim.h
tests_unit_test_sets_cmds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sets_cmds_LDADD = $(SETS_TEST_LIBS)

tests_unit_test_sets_multi_SOURCES = tests/unit/test_sets_multi.c tests/unit/sets_sim.c \
	tests/unit/sets_sim.h
tests_unit_test_sets_multi_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sets_multi_LDADD = $(SETS_TEST_LIBS)
endif

if MODULE_HLL
check_PROGRAMS += tests/unit/test_hll_cmds
TESTS += tests/unit/test_hll_cmds
tests_unit_test_hll_cmds_SOURCES = tests/unit/test_hll_cmds.c tests/unit/sets_sim.c \
	tests/unit/sets_sim.h
tests_unit_test_hll_cmds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hll_cmds_LDADD = modules/hll/libhll.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) -lm
endif
